//! Drill results: stored answers summarised per section (weakest first) and per day, on both
//! backends.

mod common;

use perfuse_record::Store;
use perfuse_record::store::drill::DrillResult;

fn result(learner: &str, section: &str, outcome: &str, seconds: f64, at: &str) -> DrillResult {
    DrillResult {
        learner: learner.to_owned(),
        item_id: "3-1".to_owned(),
        item_type: "heparin-protamine".to_owned(),
        section: section.to_owned(),
        outcome: outcome.to_owned(),
        seconds_taken: seconds,
        answered_at: at.to_owned(),
    }
}

async fn summarises_per_section_and_day(store: Store, _url: String) {
    let day1 = "2026-12-01T09:00:00.000Z";
    let day2 = "2026-12-02T09:00:00.000Z";
    for r in [
        // pharmacology: 3 of 4 correct, mean 40 s.
        result("Kim", "pharmacology", "correct", 30.0, day1),
        result("Kim", "pharmacology", "wrong", 50.0, day1),
        result("Kim", "pharmacology", "correct", 40.0, day2),
        result("Kim", "pharmacology", "correct", 40.0, day2),
        // monitoring: 1 of 3 correct (a wrong unit counts as not correct), mean 60 s.
        result("Kim", "monitoring", "wrong-unit", 60.0, day1),
        result("Kim", "monitoring", "missing-unit", 90.0, day2),
        result("Kim", "monitoring", "correct", 30.0, day2),
        // Another learner's answers are not Kim's.
        result("Lee", "monitoring", "wrong", 5.0, day1),
    ] {
        store.record_drill_result(&r).await.unwrap();
    }
    let sections = store.drill_progress_by_section("Kim").await.unwrap();
    let summary: Vec<(&str, i64, i64)> = sections
        .iter()
        .map(|s| (s.section.as_str(), s.answered, s.correct))
        .collect();
    assert_eq!(summary, [("monitoring", 3, 1), ("pharmacology", 4, 3)]);
    assert!((sections[0].accuracy - 1.0 / 3.0).abs() < 1e-12);
    assert!((sections[0].mean_seconds - 60.0).abs() < 1e-9);
    assert!((sections[1].accuracy - 0.75).abs() < 1e-12);
    assert!((sections[1].mean_seconds - 40.0).abs() < 1e-9);

    let days = store.drill_progress_by_day("Kim").await.unwrap();
    let summary: Vec<(&str, i64, i64)> = days
        .iter()
        .map(|d| (d.day.as_str(), d.answered, d.correct))
        .collect();
    assert_eq!(summary, [("2026-12-01", 3, 1), ("2026-12-02", 4, 3)]);
    assert!((days[0].mean_seconds - 140.0 / 3.0).abs() < 1e-9);

    assert!(
        store
            .drill_progress_by_section("Nobody")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn rejects_bad_results(store: Store, _url: String) {
    let good = result(
        "Kim",
        "pharmacology",
        "correct",
        30.0,
        "2026-12-01T09:00:00.000Z",
    );
    let cases = [
        (
            "learner",
            DrillResult {
                learner: " ".into(),
                ..good.clone()
            },
        ),
        (
            "outcome",
            DrillResult {
                outcome: "not-a-number".into(),
                ..good.clone()
            },
        ),
        (
            "seconds_taken",
            DrillResult {
                seconds_taken: -1.0,
                ..good.clone()
            },
        ),
        (
            "seconds_taken",
            DrillResult {
                seconds_taken: f64::NAN,
                ..good.clone()
            },
        ),
        (
            "answered_at",
            DrillResult {
                answered_at: "2026-02-30T09:00:00.000Z".into(),
                ..good.clone()
            },
        ),
        (
            "answered_at",
            DrillResult {
                answered_at: "yesterday".into(),
                ..good.clone()
            },
        ),
    ];
    for (field, bad) in cases {
        match store.record_drill_result(&bad).await {
            Err(perfuse_record::Error::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{bad:?}: expected invalid {field}, got {other:?}"),
        }
    }
    assert!(
        store
            .drill_progress_by_section("Kim")
            .await
            .unwrap()
            .is_empty()
    );
}

backend_tests!(summarises_per_section_and_day, rejects_bad_results);
