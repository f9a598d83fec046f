//! The service API against each backend: life cycle, permissions, audit, queries, case log.
//! Every test runs on SQLite and on PostgreSQL (see `common`).

mod common;

use common::{adult_cabg, auditor, author, chief, colleague};
use perfuse_record::model::{Category, TeamMember, TeamRole};
use perfuse_record::store::{ApiUser, CeEntry, TokenLifetime};
use perfuse_record::{Actor, Date, Error, ListFilter, Role, Status, Store};
use sqlx::Executor;

backend_tests!(
    create_and_read_back_exactly,
    drafts_are_edited_finalised_records_are_amended,
    permissions_by_role,
    invalid_input_writes_nothing,
    audit_log_is_append_only,
    list_filters,
    case_log_and_continuing_education,
    confirmation_rules,
    exports_csv,
    api_tokens_authenticate_and_are_stored_hashed,
    writes_based_on_an_old_version_are_refused,
    tokens_expire_and_rotate,
    refusal_log_is_append_only,
);

async fn create_and_read_back_exactly(store: Store, _url: String) {
    let record = adult_cabg();
    let id = store.create(&author(), &record).await.unwrap();
    let stored = store.get(&auditor(), id).await.unwrap();
    assert_eq!(stored.record, record);
    assert_eq!(stored.status, Status::Draft);
    assert_eq!(stored.version, 1);
    assert_eq!(stored.author, "Alex Morgan");
    assert_eq!(stored.indicators.bypass_time_min, Some(80.0));
    let summary = &store
        .list(&auditor(), &ListFilter::default())
        .await
        .unwrap()[0];
    assert_eq!(summary.primary_perfusionist.as_deref(), Some("Alex Morgan"));
    assert_eq!(summary.nadir_hct_pct, Some(21.0));
    assert_eq!(summary.prbc_units, 1.0);
    assert!(summary.transfused);
    assert!(matches!(
        store.get(&author(), id + 100).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(store.check_integrity(&auditor()).await.unwrap(), 1);
}

async fn writes_based_on_an_old_version_are_refused(store: Store, _url: String) {
    let mut record = adult_cabg();
    let id = store.create(&author(), &record).await.unwrap();
    // Two editors read version 1; the first write wins, the second is refused unchanged.
    record.notes = Some("first".to_owned());
    store
        .update_draft(&author(), id, &record, Some(1))
        .await
        .unwrap();
    let mut second = adult_cabg();
    second.notes = Some("second".to_owned());
    let stale = |result: Result<(), Error>| match result {
        Err(Error::VersionMismatch {
            expected: 1,
            actual: 2,
            ..
        }) => {}
        other => panic!("expected a version mismatch, got {other:?}"),
    };
    stale(store.update_draft(&chief(), id, &second, Some(1)).await);
    stale(store.finalise(&author(), id, Some(1)).await);
    let stored = store.get(&auditor(), id).await.unwrap();
    assert_eq!((stored.version, stored.status), (2, Status::Draft));
    assert_eq!(stored.record.notes.as_deref(), Some("first"));
    store.finalise(&author(), id, Some(2)).await.unwrap();
    stale_amend(&store, id).await;
    assert_eq!(store.audit_trail(&auditor(), id).await.unwrap().len(), 4);

    // Eight writers racing from the same version: exactly one wins.
    let draft = store.create(&author(), &adult_cabg()).await.unwrap();
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut record = adult_cabg();
                record.notes = Some(format!("writer {i}"));
                store.update_draft(&author(), draft, &record, Some(1)).await
            })
        })
        .collect();
    let mut won = 0;
    for writer in writers {
        match writer.await.unwrap() {
            Ok(()) => won += 1,
            Err(Error::VersionMismatch {
                expected: 1,
                actual: 2,
                ..
            }) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.get(&auditor(), draft).await.unwrap().version, 2);
    assert_eq!(
        Error::VersionMismatch {
            id,
            expected: 1,
            actual: 2
        }
        .http_status(),
        412
    );
}

/// An amendment based on version 2 of a record now at 3 is refused; one based on 3 is taken.
async fn stale_amend(store: &Store, id: i64) {
    let record = store.get(&auditor(), id).await.unwrap().record;
    let error = store
        .amend(&chief(), id, &record, "late", Some(2))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::VersionMismatch {
                expected: 2,
                actual: 3,
                ..
            }
        ),
        "{error}"
    );
    store
        .amend(&chief(), id, &record, "checked", Some(3))
        .await
        .unwrap();
    assert_eq!(store.get(&auditor(), id).await.unwrap().version, 4);
}

async fn drafts_are_edited_finalised_records_are_amended(store: Store, _url: String) {
    let mut record = adult_cabg();
    let id = store.create(&author(), &record).await.unwrap();
    record.notes = Some("uneventful".to_owned());
    store
        .update_draft(&author(), id, &record, None)
        .await
        .unwrap();
    store.finalise(&author(), id, None).await.unwrap();
    let error = store
        .update_draft(&author(), id, &record, None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Conflict(_)), "{error}");
    let error = store.finalise(&author(), id, None).await.unwrap_err();
    assert!(matches!(error, Error::Conflict(_)), "{error}");

    let mut amended = record.clone();
    amended.case.procedure = "CABG x4".to_owned();
    let error = store
        .amend(&author(), id, &amended, "  ", None)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "reason: must not be empty");
    store
        .amend(&author(), id, &amended, "fourth graft missed", None)
        .await
        .unwrap();

    let stored = store.get(&author(), id).await.unwrap();
    assert_eq!((stored.status, stored.version), (Status::Amended, 4));
    assert_eq!(stored.record.case.procedure, "CABG x4");
    assert!(stored.finalised_at.is_some());

    let trail = store.audit_trail(&auditor(), id).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "finalise", "amend"]);
    let amendment = &trail[3];
    assert_eq!(amendment.reason.as_deref(), Some("fourth graft missed"));
    assert_eq!(amendment.actor, "Alex Morgan");
    assert_eq!(
        amendment.before.as_ref().unwrap()["record"]["case"]["procedure"],
        "CABG x3"
    );
    assert_eq!(amendment.after["record"]["case"]["procedure"], "CABG x4");
    assert_eq!(amendment.after["status"], "amended");
    assert!(trail[0].before.is_none());
    assert_eq!(store.check_integrity(&auditor()).await.unwrap(), 1);

    // A draft that is not complete cannot be finalised: the open bypass run is named.
    let mut open = adult_cabg();
    open.timeline.truncate(7); // drops bypass_off and the last urine
    let open_id = store.create(&author(), &open).await.unwrap();
    let error = store.finalise(&author(), open_id, None).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "timeline: bypass_on has no matching bypass_off"
    );
    // An invalid amendment is refused for its content first...
    let error = store
        .amend(&author(), open_id, &open, "x", None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Invalid { .. }), "{error}");
    // ...and a valid one still cannot amend a draft: drafts are updated, not amended.
    let error = store
        .amend(&author(), open_id, &adult_cabg(), "x", None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Conflict(_)), "{error}");
}

async fn permissions_by_role(store: Store, _url: String) {
    let record = adult_cabg();
    let error = store.create(&auditor(), &record).await.unwrap_err();
    assert!(matches!(error, Error::Forbidden(_)), "{error}");
    assert_eq!(error.http_status(), 403);

    let id = store.create(&author(), &record).await.unwrap();
    for error in [
        store
            .update_draft(&colleague(), id, &record, None)
            .await
            .unwrap_err(),
        store.finalise(&colleague(), id, None).await.unwrap_err(),
        store.finalise(&auditor(), id, None).await.unwrap_err(),
    ] {
        assert!(matches!(error, Error::Forbidden(_)), "{error}");
    }
    // A chief may finalise and amend anyone's record.
    store.finalise(&chief(), id, None).await.unwrap();
    let error = store
        .amend(&colleague(), id, &record, "typo", None)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden(_)), "{error}");
    store
        .amend(&chief(), id, &record, "checked against the chart", None)
        .await
        .unwrap();
    let trail = store.audit_trail(&auditor(), id).await.unwrap();
    assert_eq!(trail[1].actor, "Pat Chief");
    assert_eq!(trail[1].actor_role, "chief");

    // CE: own log only, unless chief; never read-only.
    let entry = CeEntry {
        perfusionist: "Alex Morgan".to_owned(),
        title: "AmSECT annual meeting".to_owned(),
        provider: "AmSECT".to_owned(),
        units: 12.5,
        date: Date::new(2024, 4, 10).unwrap(),
    };
    store.add_ce(&author(), &entry).await.unwrap();
    assert!(matches!(
        store.add_ce(&colleague(), &entry).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        store.add_ce(&auditor(), &entry).await,
        Err(Error::Forbidden(_))
    ));
    store.add_ce(&chief(), &entry).await.unwrap();
}

async fn invalid_input_writes_nothing(store: Store, _url: String) {
    let mut record = adult_cabg();
    record.case.patient.weight_kg = -5.0;
    let error = store.create(&author(), &record).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "case.patient.weight_kg: -5: must be between 0.3 and 650 kg"
    );
    assert_eq!(error.http_status(), 422);
    assert_eq!(
        error.to_json(),
        serde_json::json!({"error": {"field": "case.patient.weight_kg", "message": "-5: must be between 0.3 and 650 kg"}})
    );

    // One bad record in a batch: none of the batch is written.
    let mut bad = adult_cabg();
    bad.labs[2].hct_pct = Some(f64::NAN);
    let error = store
        .import(&author(), &[adult_cabg(), bad], true)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "records[1].labs[2].hct_pct: NaN: must be between 3 and 75 %"
    );
    assert!(
        store
            .list(&author(), &ListFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    let mut unordered = adult_cabg();
    unordered.timeline.swap(0, 2);
    let error = store.create(&author(), &unordered).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "timeline[1].time_s: 600: earlier than the entry before it"
    );

    let mut nobody = adult_cabg();
    nobody.team.clear();
    assert_eq!(
        store
            .create(&author(), &nobody)
            .await
            .unwrap_err()
            .to_string(),
        "team: must name at least one perfusionist"
    );
    assert!(
        store
            .list(&author(), &ListFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.check_integrity(&auditor()).await.unwrap(), 0);
}

async fn audit_log_is_append_only(store: Store, url: String) {
    let id = store.create(&author(), &adult_cabg()).await.unwrap();
    // Even with direct database access the audit log cannot be rewritten or deleted.
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let update = format!("UPDATE audit_log SET actor = 'someone else' WHERE record_id = {id}");
    let error = connection.execute(update.as_str()).await.unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    let delete = format!("DELETE FROM audit_log WHERE record_id = {id}");
    let error = connection.execute(delete.as_str()).await.unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    assert_eq!(
        store.audit_trail(&auditor(), id).await.unwrap()[0].actor,
        "Alex Morgan"
    );
}

async fn refusal_log_is_append_only(store: Store, url: String) {
    store
        .log_refusal(&auditor(), "create", None, 403, "record", "read-only role")
        .await
        .unwrap();
    store
        .log_refusal(
            &author(),
            "amend",
            Some(7),
            412,
            "version",
            "record 7 moved on",
        )
        .await
        .unwrap();
    let all = store.refusals(&auditor(), None).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|r| (r.actor.as_str(), r.actor_role.as_str(), r.http_status))
            .collect::<Vec<_>>(),
        [
            ("Quinn Auditor", "read_only", 403),
            ("Alex Morgan", "perfusionist", 412)
        ]
    );
    let seven = store.refusals(&auditor(), Some(7)).await.unwrap();
    assert_eq!((seven.len(), seven[0].field.as_str()), (1, "version"));
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    for statement in ["UPDATE refusals SET actor = 'x'", "DELETE FROM refusals"] {
        let error = connection.execute(statement).await.unwrap_err();
        assert!(error.to_string().contains("append-only"), "{error}");
    }
    assert_eq!(store.refusals(&auditor(), None).await.unwrap().len(), 2);
}

async fn list_filters(store: Store, _url: String) {
    let mut records = Vec::new();
    for (i, (date, category, primary)) in [
        ((2023, 12, 31), Category::Adult, "Alex Morgan"),
        ((2024, 1, 1), Category::Pediatric, "Sam Lee"),
        ((2024, 6, 15), Category::Adult, "Sam Lee"),
        ((2024, 12, 31), Category::Ecmo, "Alex Morgan"),
        ((2025, 1, 1), Category::Adult, "Alex Morgan"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut record = adult_cabg();
        record.case.date = Date::new(date.0, date.1, date.2).unwrap();
        record.case.category = category;
        record.case.procedure = format!("case {i}");
        record.team = vec![TeamMember {
            name: primary.to_owned(),
            role: TeamRole::Primary,
        }];
        records.push(record);
    }
    let ids = store.import(&chief(), &records, false).await.unwrap();
    store.finalise(&chief(), ids[2], None).await.unwrap();

    let procedures = |filter: ListFilter| {
        let store = store.clone();
        async move {
            let rows = store.list(&auditor(), &filter).await.unwrap();
            rows.into_iter()
                .map(|row| row.procedure)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        procedures(ListFilter::year(2024).unwrap()).await,
        ["case 3", "case 2", "case 1"]
    );
    let sam = ListFilter {
        perfusionist: Some("Sam Lee".to_owned()),
        ..ListFilter::default()
    };
    assert_eq!(procedures(sam).await, ["case 2", "case 1"]);
    let adult = ListFilter {
        category: Some(Category::Adult),
        ..ListFilter::default()
    };
    assert_eq!(procedures(adult).await, ["case 4", "case 2", "case 0"]);
    let final_only = ListFilter {
        status: Some(Status::Final),
        ..ListFilter::default()
    };
    assert_eq!(procedures(final_only).await, ["case 2"]);
    let newest_two = ListFilter {
        limit: Some(2),
        ..ListFilter::default()
    };
    assert_eq!(procedures(newest_two).await, ["case 4", "case 3"]);
    let range = ListFilter {
        from: Some(Date::new(2024, 1, 1).unwrap()),
        to: Some(Date::new(2024, 6, 15).unwrap()),
        category: Some(Category::Adult),
        perfusionist: Some("Sam Lee".to_owned()),
        ..ListFilter::default()
    };
    assert_eq!(procedures(range).await, ["case 2"]);
    let error = store
        .list(
            &auditor(),
            &ListFilter {
                limit: Some(0),
                ..ListFilter::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "limit: 0: must be between 1 and 1000000000 rows"
    );
}

/// Only a team member confirms their own entry, once, on a finalised record; it is audited.
async fn confirmation_rules(store: Store, _url: String) {
    let id = store.create(&author(), &adult_cabg()).await.unwrap();
    let conflict = |result: perfuse_record::Result<()>| {
        assert!(matches!(result, Err(Error::Conflict(_))), "{result:?}")
    };
    let forbidden = |result: perfuse_record::Result<()>| {
        assert!(matches!(result, Err(Error::Forbidden(_))), "{result:?}")
    };
    conflict(store.confirm(&colleague(), id).await);
    store.finalise(&author(), id, None).await.unwrap();
    forbidden(store.confirm(&chief(), id).await);
    let reader = Actor::new("Sam Lee", Role::ReadOnly).unwrap();
    forbidden(store.confirm(&reader, id).await);
    conflict(store.confirm(&author(), id).await);
    assert!(matches!(
        store.confirm(&colleague(), 99).await,
        Err(Error::NotFound { .. })
    ));
    store.confirm(&colleague(), id).await.unwrap();
    conflict(store.confirm(&colleague(), id).await);
    let trail = store.audit_trail(&auditor(), id).await.unwrap();
    let last = trail.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("confirm", "Sam Lee")
    );
    assert_eq!(store.check_integrity(&auditor()).await.unwrap(), 1);
    // An amendment keeps the confirmation: it is of the case, not of one wording of it.
    let mut corrected = adult_cabg();
    corrected.notes = Some("urine volume corrected".to_owned());
    store
        .amend(&chief(), id, &corrected, "urine", None)
        .await
        .unwrap();
    let log = store
        .case_log(&auditor(), Some("Sam Lee"), None)
        .await
        .unwrap();
    assert!(log[0].confirmed);
}

async fn case_log_and_continuing_education(store: Store, _url: String) {
    let mut pediatric = adult_cabg();
    pediatric.case.category = Category::Pediatric;
    pediatric.team = vec![
        TeamMember {
            name: "Student One".to_owned(),
            role: TeamRole::Student,
        },
        TeamMember {
            name: "Alex Morgan".to_owned(),
            role: TeamRole::Supervising,
        },
    ];
    let mut last_year = adult_cabg();
    last_year.case.date = Date::new(2023, 5, 1).unwrap();
    // Two adult cases and one pediatric in 2024, one adult in 2023, all final; one 2024 draft.
    store
        .import(
            &author(),
            &[adult_cabg(), adult_cabg(), pediatric, last_year],
            true,
        )
        .await
        .unwrap();
    store.create(&author(), &adult_cabg()).await.unwrap();
    for (title, units, date) in [
        ("ECMO course", 8.0, (2024, 2, 1)),
        ("Journal club", 1.5, (2024, 9, 9)),
        ("Old", 3.0, (2023, 9, 9)),
    ] {
        let entry = CeEntry {
            perfusionist: "Alex Morgan".to_owned(),
            title: title.to_owned(),
            provider: "Hospital".to_owned(),
            units,
            date: Date::new(date.0, date.1, date.2).unwrap(),
        };
        store.add_ce(&author(), &entry).await.unwrap();
    }

    // Sam Lee confirms one of the two adult cases; Student One confirms nothing yet.
    store.confirm(&colleague(), 1).await.unwrap();
    let summary = store
        .case_log_summary(&auditor(), 2024, None)
        .await
        .unwrap();
    let counts: Vec<(&str, &str, &str, i64, i64)> = summary
        .counts
        .iter()
        .map(|c| {
            (
                c.perfusionist.as_str(),
                c.category.as_str(),
                c.role.as_str(),
                c.cases,
                c.pending,
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("Alex Morgan", "adult", "primary", 2, 0),
            ("Alex Morgan", "pediatric", "supervising", 1, 0),
            ("Sam Lee", "adult", "assisting", 1, 1),
            ("Student One", "pediatric", "student", 0, 1),
        ]
    );
    let sam = store
        .case_log(&auditor(), Some("Sam Lee"), Some(2024))
        .await
        .unwrap();
    assert_eq!(
        sam.iter()
            .map(|e| (e.record_id, e.confirmed))
            .collect::<Vec<_>>(),
        [(1, true), (2, false)]
    );
    assert_eq!(summary.ce_units.len(), 1);
    assert_eq!(summary.ce_units[0].units, 9.5);

    let alex = store
        .case_log_summary(&auditor(), 2024, Some("Alex Morgan"))
        .await
        .unwrap();
    assert_eq!(alex.counts.iter().map(|c| c.cases).sum::<i64>(), 3);
    let log = store
        .case_log(&auditor(), Some("Alex Morgan"), None)
        .await
        .unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0].case_date, "2023-05-01");
    let ce = store
        .list_ce(&auditor(), Some("Alex Morgan"), Some(2024))
        .await
        .unwrap();
    assert_eq!(
        ce.iter().map(|e| e.title.as_str()).collect::<Vec<_>>(),
        ["ECMO course", "Journal club"]
    );
    let error = store
        .case_log_summary(&auditor(), 1800, None)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "year: 1800: must be between 1900 and 2199"
    );
}

async fn exports_csv(store: Store, _url: String) {
    let mut record = adult_cabg();
    record.case.procedure = "AVR, \"mechanical\"".to_owned();
    store.import(&author(), &[record], true).await.unwrap();
    let rows = store
        .list(&auditor(), &ListFilter::default())
        .await
        .unwrap();
    let csv = perfuse_record::csv::records_csv(&rows);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,status,kind,case_date,procedure,category")
    );
    assert_eq!(
        lines.next().unwrap(),
        "1,final,clinical,2024-03-14,\"AVR, \"\"mechanical\"\"\",adult,elective,Alex Morgan,Alex Morgan,80,60,21,\
         242.5987037573439,30,3.1,1,true"
    );
    let log = store.case_log(&auditor(), None, Some(2024)).await.unwrap();
    let csv = perfuse_record::csv::case_log_csv(&log);
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.contains("2024-03-14,1,Sam Lee,assisting,adult,clinical,"));
}

async fn api_tokens_authenticate_and_are_stored_hashed(store: Store, url: String) {
    // Only chiefs issue tokens.
    let error = store
        .issue_token(
            &author(),
            "B. Perfusionist",
            Role::Perfusionist,
            TokenLifetime::DEFAULT,
        )
        .await
        .unwrap_err();
    assert_eq!(error.http_status(), 403);

    let token = store
        .issue_token(
            &chief(),
            "B. Perfusionist",
            Role::Perfusionist,
            TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    assert_eq!(token.len(), 64);
    let actor = store.authenticate(&token).await.unwrap();
    assert_eq!(
        (actor.name.as_str(), actor.role),
        ("B. Perfusionist", Role::Perfusionist)
    );

    // The token is not in the database, only its hash.
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let stored: String = sqlx::query_scalar("SELECT token_sha256 FROM api_users")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    // Only the SHA-256 of the token is stored, never the token.
    use sha2::Digest;
    assert_eq!(stored, hex::encode(sha2::Sha256::digest(token.as_bytes())));
    assert_ne!(stored, token);

    // Reissuing replaces the old token; unknown and malformed tokens are refused with 401.
    let second = store
        .issue_token(
            &chief(),
            "B. Perfusionist",
            Role::ReadOnly,
            TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    for bad in [token.as_str(), "", "not-a-token", &"0".repeat(64)] {
        let error = store.authenticate(bad).await.unwrap_err();
        assert_eq!(error.http_status(), 401, "{bad:?}");
    }
    assert_eq!(
        store.authenticate(&second).await.unwrap().role,
        Role::ReadOnly
    );
    let users = store.api_users(&auditor()).await.unwrap();
    assert_eq!(
        (users.len(), users[0].name.as_str(), users[0].role),
        (1, "B. Perfusionist", Role::ReadOnly)
    );
}

async fn tokens_expire_and_rotate(store: Store, url: String) {
    let old = store
        .issue_token(
            &chief(),
            "Sam Lee",
            Role::Perfusionist,
            TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    // Rotation: same role, a new token; the old one stops working at once.
    let error = store
        .rotate_token(&author(), "Sam Lee", TokenLifetime::DEFAULT)
        .await
        .unwrap_err();
    assert_eq!(error.http_status(), 403);
    let new = store
        .rotate_token(&chief(), "Sam Lee", TokenLifetime::Days(1))
        .await
        .unwrap();
    assert_ne!(new, old);
    assert_eq!(
        store.authenticate(&old).await.unwrap_err().http_status(),
        401
    );
    assert_eq!(
        store.authenticate(&new).await.unwrap().role,
        Role::Perfusionist
    );
    let error = store
        .rotate_token(&chief(), "Nobody", TokenLifetime::DEFAULT)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Invalid { field, .. } if field == "name"),
        "{error}"
    );

    // A token past its expiry is refused with the date; one without expiry (issued before
    // expiry existed, or `never`) keeps working and is listed as such.
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    connection
        .execute(
            "UPDATE api_users SET expires_at = '2026-01-02T03:04:05.000Z' WHERE name = 'Sam Lee'",
        )
        .await
        .unwrap();
    let error = store.authenticate(&new).await.unwrap_err();
    assert_eq!(error.http_status(), 401);
    assert_eq!(
        error.to_string(),
        "unauthenticated: token expired on 2026-01-02T03:04:05.000Z; ask a chief for a new one"
    );
    let forever = store
        .issue_token(
            &chief(),
            "Quinn Auditor",
            Role::ReadOnly,
            TokenLifetime::Never,
        )
        .await
        .unwrap();
    assert_eq!(
        store.authenticate(&forever).await.unwrap().role,
        Role::ReadOnly
    );
    let users = store.api_users(&auditor()).await.unwrap();
    assert_eq!(
        users[0],
        ApiUser {
            name: "Quinn Auditor".to_owned(),
            role: Role::ReadOnly,
            expires_at: None
        }
    );
    assert_eq!(
        users[1].expires_at.as_deref(),
        Some("2026-01-02T03:04:05.000Z")
    );
}

#[test]
fn token_lifetimes_are_parsed_strictly() {
    assert_eq!(
        "90d".parse::<TokenLifetime>().unwrap(),
        TokenLifetime::Days(90)
    );
    assert_eq!(
        "3650d".parse::<TokenLifetime>().unwrap(),
        TokenLifetime::Days(3650)
    );
    assert_eq!(
        "never".parse::<TokenLifetime>().unwrap(),
        TokenLifetime::Never
    );
    for bad in [
        "",
        "d",
        "0d",
        "3651d",
        "-1d",
        "+9d",
        " 9d",
        "9",
        "9h",
        "9D",
        "Never",
        "4294967296d",
        "99999999999999999999d",
    ] {
        let error = bad.parse::<TokenLifetime>().unwrap_err();
        assert!(
            matches!(&error, Error::Invalid { field, .. } if field == "expires"),
            "{bad:?}"
        );
    }
}

/// Records finalised before confirmations existed keep counting after the upgrade (migration
/// 0003 confirms them); drafts and later records wait for their colleagues.
#[tokio::test]
async fn upgrade_keeps_earlier_records_counted() {
    let (store, url) = common::sqlite_store("upgrade").await;
    let id = store.add(&author(), &adult_cabg(), true).await.unwrap();
    store.create(&author(), &adult_cabg()).await.unwrap();
    store.close().await;
    // Back to the schema before 0003.
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    for statement in [
        "DROP TABLE case_confirmations",
        "DELETE FROM _sqlx_migrations WHERE version = 3",
    ] {
        connection.execute(statement).await.unwrap();
    }
    let store = Store::open(url.trim_start_matches("sqlite://"))
        .await
        .unwrap();
    let log = store
        .case_log(&auditor(), Some("Sam Lee"), None)
        .await
        .unwrap();
    assert_eq!(
        log.iter()
            .map(|e| (e.record_id, e.confirmed))
            .collect::<Vec<_>>(),
        [(id, true)]
    );
    store.finalise(&author(), id + 1, None).await.unwrap();
    let log = store
        .case_log(&auditor(), Some("Sam Lee"), None)
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    assert!(!log[1].confirmed, "finalised after the upgrade: pending");
}
