//! The records endpoints of `perfuse serve` against a real server on a loopback port, on
//! SQLite and on PostgreSQL (`PERFUSE_TEST_POSTGRES`; with `CI` set a missing server fails).

use std::sync::atomic::{AtomicUsize, Ordering};

use perfuse_record::store::TokenLifetime;
use perfuse_record::{Actor, Role, Store};
use perfuse_server::{Server, ServerConfig};
use serde_json::{Value, json};

/// The sample record of perfuse-record's tests, as the JSON document the API takes.
fn record_json() -> Value {
    let text = include_str!("../../perfuse-record/tests/data/adult_cabg.toml");
    let record = perfuse_record::Record::from_toml_str(text).unwrap();
    serde_json::from_str(&record.to_json_pretty()).unwrap()
}

fn unique(test: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t_{}_{}_{test}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh database location: a SQLite file, or a PostgreSQL schema.
async fn location(backend: &str, test: &str) -> String {
    let name = unique(test);
    match backend {
        "sqlite" => {
            let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.db"));
            path.to_str().unwrap().to_owned()
        }
        _ => {
            let base = std::env::var("PERFUSE_TEST_POSTGRES")
                .expect("PERFUSE_TEST_POSTGRES names the PostgreSQL server of the tests");
            sqlx::any::install_default_drivers();
            let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
                .await
                .unwrap();
            sqlx::query(&format!("CREATE SCHEMA {name}"))
                .execute(&mut admin)
                .await
                .unwrap();
            let separator = if base.contains('?') { '&' } else { '?' };
            format!("{base}{separator}options=-c%20search_path%3D{name}")
        }
    }
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_if(method, path, token, None, body).await
    }

    /// A call with an `If-Match` header.
    async fn call_if(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The `ETag` of a record read.
    async fn etag(&self, id: i64, token: &str) -> String {
        let response = self
            .http
            .get(format!("{}/api/records/{id}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response.headers()["etag"].to_str().unwrap().to_owned()
    }
}

async fn life_cycle_roles_and_case_log(backend: &str) {
    let db = location(backend, "records_api").await;
    // A chief issues tokens locally, as `perfuse record user add` does.
    let store = Store::open(&db).await.unwrap();
    let chief = Actor::new("Pat Chief", Role::Chief).unwrap();
    let author = store
        .issue_token(
            &chief,
            "Alex Morgan",
            Role::Perfusionist,
            TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    let colleague = store
        .issue_token(
            &chief,
            "Sam Lee",
            Role::Perfusionist,
            TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    let auditor = store
        .issue_token(
            &chief,
            "Quinn Auditor",
            Role::ReadOnly,
            TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    store.close().await;

    let db_url = db.clone();
    let sqlx_url = if backend == "sqlite" {
        format!("sqlite://{db}")
    } else {
        db.clone()
    };
    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        records_db: Some(db),
        ..Default::default()
    };
    let server = Server::bind(config).await.unwrap();
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("http://{}", server.local_addr()),
    };
    tokio::spawn(server.run_until(std::future::pending()));
    use reqwest::Method as M;

    // Authentication: no token, unknown token.
    let (status, body) = api.call(M::GET, "/api/records", "", None).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (401, Some("authorization"))
    );
    let (status, body) = api
        .call(M::GET, "/api/records", &"ab".repeat(32), None)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (401, Some("authorization"))
    );
    // An expired token is refused with its date.
    let store = Store::open(&db_url).await.unwrap();
    let expired = store
        .issue_token(
            &chief,
            "Old Hand",
            Role::Perfusionist,
            TokenLifetime::Days(1),
        )
        .await
        .unwrap();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&sqlx_url)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE api_users SET expires_at = '2026-01-02T03:04:05.000Z' WHERE name = 'Old Hand'",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    store.close().await;
    let (status, body) = api.call(M::GET, "/api/records", &expired, None).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (401, Some("authorization"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("token expired on 2026-01-02T03:04:05.000Z; ask a chief for a new one"),
        "{body}"
    );

    // Create: read-only may not; an invalid field is named and nothing is written.
    assert_eq!(
        api.call(M::POST, "/api/records", &auditor, Some(record_json()))
            .await
            .0,
        403
    );
    let mut bad = record_json();
    bad["case"]["patient"]["weight_kg"] = json!(-5);
    let (status, body) = api.call(M::POST, "/api/records", &author, Some(bad)).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "case.patient.weight_kg");
    assert_eq!(
        api.call(M::GET, "/api/records", &auditor, None).await.1,
        json!([])
    );
    let (status, body) = api
        .call(M::POST, "/api/records", &author, Some(record_json()))
        .await;
    assert_eq!(status, 201);
    let id = body["id"].as_i64().unwrap();

    // Read back with plan and indicators, by anyone with a token.
    let (status, stored) = api
        .call(M::GET, &format!("/api/records/{id}"), &auditor, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(stored["status"], "draft");
    assert!(stored["plan"]["bsa_m2"].as_f64().unwrap() > 1.0);
    assert_eq!(
        api.call(M::GET, "/api/records/999999", &auditor, None)
            .await
            .0,
        404
    );

    // Only the author (or a chief) finalises; a finalised record is amended, never replaced.
    // Every write names the version it was based on (the ETag of a read) in If-Match.
    let finalise = format!("/api/records/{id}/finalise");
    let tag = api.etag(id, &auditor).await;
    assert_eq!(tag, "\"1\"");
    assert_eq!(
        api.call_if(M::POST, &finalise, &colleague, Some(&tag), None)
            .await
            .0,
        403
    );
    let (status, body) = api.call(M::POST, &finalise, &author, None).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (428, Some("if-match"))
    );
    let (status, body) = api
        .call_if(M::POST, &finalise, &author, Some("W/\"1\""), None)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("if-match"))
    );
    assert_eq!(
        api.call_if(M::POST, &finalise, &author, Some(&tag), None)
            .await
            .0,
        204
    );
    // A second writer still holding version 1 is refused, and nothing changes.
    let stale = json!({"record": record_json(), "reason": "late edit from an old tab"});
    let amend = format!("/api/records/{id}/amend");
    let (status, body) = api
        .call_if(M::POST, &amend, &author, Some(&tag), Some(stale))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (412, Some("version"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 2")
    );
    let tag = api.etag(id, &auditor).await;
    assert_eq!(tag, "\"2\"");
    let (status, body) = api
        .call_if(
            M::PUT,
            &format!("/api/records/{id}"),
            &author,
            Some(&tag),
            Some(record_json()),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (409, Some("record"))
    );
    let amendment = json!({"record": record_json(), "reason": "urine volume transcribed wrongly"});
    assert_eq!(
        api.call(M::POST, &amend, &author, Some(amendment.clone()))
            .await
            .0,
        428
    );
    assert_eq!(
        api.call_if(M::POST, &amend, &author, Some(&tag), Some(amendment))
            .await
            .0,
        204
    );
    assert_eq!(api.etag(id, &auditor).await, "\"3\"");

    // Every refused write is in the refusal log: who, what, which record, the status and why.
    let (status, refusals) = api.call(M::GET, "/api/refusals", &auditor, None).await;
    assert_eq!(status, 200);
    let seen: Vec<(&str, &str, Option<i64>, i64, &str)> = refusals
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["actor"].as_str().unwrap(),
                r["action"].as_str().unwrap(),
                r["record_id"].as_i64(),
                r["http_status"].as_i64().unwrap(),
                r["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("Quinn Auditor", "create", None, 403, "record"),
            ("Alex Morgan", "create", None, 422, "case.patient.weight_kg"),
            ("Sam Lee", "finalise", Some(id), 403, "record"),
            ("Alex Morgan", "finalise", Some(id), 428, "if-match"),
            ("Alex Morgan", "finalise", Some(id), 400, "if-match"),
            ("Alex Morgan", "amend", Some(id), 412, "version"),
            ("Alex Morgan", "update", Some(id), 409, "record"),
            ("Alex Morgan", "amend", Some(id), 428, "if-match"),
        ]
    );
    assert!(
        refusals[5]["reason"]
            .as_str()
            .unwrap()
            .contains("version 2, not 1")
    );
    let (_, for_record) = api
        .call(
            M::GET,
            &format!("/api/refusals?record_id={id}"),
            &auditor,
            None,
        )
        .await;
    assert_eq!(for_record.as_array().unwrap().len(), 6);
    let (_, audit) = api
        .call(M::GET, &format!("/api/records/{id}/audit"), &auditor, None)
        .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "finalise", "amend"]);
    assert_eq!(audit[2]["reason"], "urine volume transcribed wrongly");

    // The case log counts the finalised record for each team member.
    let year = &stored["record"]["case"]["date"].as_str().unwrap()[..4];
    let (status, summary) = api
        .call(M::GET, &format!("/api/caselog?year={year}"), &auditor, None)
        .await;
    assert_eq!(status, 200);
    let primary = summary["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["perfusionist"] == "Alex Morgan")
        .unwrap();
    assert_eq!(
        (primary["role"].as_str(), primary["cases"].as_i64()),
        (Some("primary"), Some(1))
    );
    let (status, csv) = api
        .call(M::GET, "/api/caselog?format=csv", &auditor, None)
        .await;
    assert_eq!(status, 200);
    assert!(
        csv.as_str()
            .unwrap()
            .starts_with("case_date,record_id,perfusionist,role")
    );

    // Continuing education: your own log only, unless chief.
    let ce = json!({"perfusionist": "Sam Lee", "title": "ECMO course", "provider": "AmSECT", "units": 8, "date": "2026-05-01"});
    assert_eq!(
        api.call(M::POST, "/api/ce", &author, Some(ce.clone()))
            .await
            .0,
        403
    );
    assert_eq!(
        api.call(M::POST, "/api/ce", &colleague, Some(ce)).await.0,
        201
    );
    assert_eq!(
        api.call(M::GET, "/api/ce?year=2026", &auditor, None)
            .await
            .1[0]["units"],
        8.0
    );

    // A live session (run at ×20 for a few seconds) saved as a training record of the student.
    let (status, created) = api
        .call(
            M::POST,
            "/api/sessions",
            "",
            Some(json!({"scenario_id": "adult-cabg-routine", "speed": 20})),
        )
        .await;
    assert_eq!(status, 201);
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    // The instructor rates the non-technical skills (PINTS) and rewinds once: the record keeps
    // the rating and notes the branch.
    let code = created["code"].as_str().unwrap();
    let instructor = created["instructor_token"].as_str().unwrap();
    let pints = json!({"decision_making": 3.5, "situation_awareness": 3.0,
        "task_management_leadership": 2.5, "teamwork_communication": 4.0});
    let (status, rated) = api
        .call(
            M::PUT,
            &format!("/api/sessions/{code}/pints"),
            instructor,
            Some(pints),
        )
        .await;
    assert_eq!(status, 200, "{rated}");
    let (status, rewound) = api
        .call(
            M::POST,
            &format!("/api/sessions/{code}/rewind"),
            instructor,
            Some(json!({"to_s": 20})),
        )
        .await;
    assert_eq!(status, 200, "{rewound}");
    let path = format!("/api/sessions/{code}/training-record");
    let body = json!({"trainee": "Jo Student", "supervisor": "Alex Morgan", "finalise": true});
    assert_eq!(
        api.call(M::POST, &path, "", Some(body.clone())).await.0,
        401
    );
    assert_eq!(
        api.call(M::POST, &path, &auditor, Some(body.clone()))
            .await
            .0,
        403
    );
    let (status, saved) = api.call(M::POST, &path, &author, Some(body)).await;
    assert_eq!(status, 201, "{saved}");
    let (_, training) = api
        .call(
            M::GET,
            &format!("/api/records/{}", saved["id"]),
            &auditor,
            None,
        )
        .await;
    assert_eq!(training["record"]["case"]["kind"], "training");
    assert_eq!(
        training["record"]["case"]["procedure"],
        "Adult CABG, routine"
    );
    assert_eq!(training["status"], "final");
    assert_eq!(training["record"]["pints"]["decision_making"], 3.5);
    assert_eq!(training["record"]["pints"]["teamwork_communication"], 4.0);
    let notes = training["record"]["notes"].as_str().unwrap();
    assert!(notes.contains("Branch 1 (rewound): 0:00:20 to "), "{notes}");
    // The vitals trend of the run, one sample a minute from its start: the routine scenario's
    // patient starts normothermic (core 36.5 °C) and normotensive, before bypass (no flow).
    let vitals = training["record"]["vitals"].as_array().unwrap();
    assert!(!vitals.is_empty(), "{training}");
    let first = &vitals[0];
    assert_eq!(first["time_s"], 0.0);
    assert_eq!(first["temp_core_c"], 36.5);
    assert_eq!(first["flow_l_min"], 0.0);
    let map = first["map_mmhg"].as_f64().unwrap();
    assert!((65.0..=100.0).contains(&map), "{map}");
    for sample in vitals {
        assert_eq!(sample["time_s"].as_f64().unwrap() % 60.0, 0.0, "{sample}");
    }
    let (status, _) = api
        .call(
            M::POST,
            "/api/sessions/NOSUCH/training-record",
            &author,
            Some(json!({"trainee": "X"})),
        )
        .await;
    assert_eq!(status, 404);

    // Bad queries name the parameter.
    let (status, body) = api
        .call(M::GET, "/api/records/export?format=xml", &auditor, None)
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("format"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_api_on_sqlite() {
    life_cycle_roles_and_case_log("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    perfuse_no_postgres,
    ignore = "PERFUSE_TEST_POSTGRES is not set (.ci/postgres.sh starts a server)"
)]
async fn records_api_on_postgres() {
    life_cycle_roles_and_case_log("postgres").await;
}

#[tokio::test]
async fn without_a_database_records_answer_503() {
    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    let server = Server::bind(config).await.unwrap();
    let base = format!("http://{}", server.local_addr());
    tokio::spawn(server.run_until(std::future::pending()));
    let response = reqwest::get(format!("{base}/api/records")).await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
}
