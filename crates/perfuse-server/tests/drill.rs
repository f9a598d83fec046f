//! The drill endpoints against a real server on a loopback port: items without answers, the
//! same as `perfuse_drill::generate`; server-side grading; answers stored for a learner.

use perfuse_drill::{Filter, Section};
use perfuse_record::Store;
use perfuse_server::{Server, ServerConfig};
use serde_json::{Value, json};

async fn start(records_db: Option<String>) -> String {
    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        records_db,
        ..Default::default()
    };
    let server = Server::bind(config).await.unwrap();
    let base = format!("http://{}", server.local_addr());
    tokio::spawn(server.run_until(std::future::pending()));
    base
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn post(base: &str, body: Value) -> (u16, Value) {
    post_as(base, None, body).await
}

async fn post_as(base: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/api/drill/answers"))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn items_are_graded_and_stored_for_a_learner() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("drill-api-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = path.to_str().unwrap().to_owned();
    // Kim's records API token, as `perfuse record user add` issues it.
    let store = Store::open(&db).await.unwrap();
    let chief = perfuse_record::Actor::new("Pat Chief", perfuse_record::Role::Chief).unwrap();
    let kim = store
        .issue_token(
            &chief,
            "Kim",
            perfuse_record::Role::Perfusionist,
            perfuse_record::store::TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    let educator = store
        .issue_token(
            &chief,
            "Pat Chief",
            perfuse_record::Role::Chief,
            perfuse_record::store::TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    store.close().await;
    let base = start(Some(db.clone())).await;

    let (status, set) = get(
        &base,
        "/api/drill/items?seed=5&count=3&section=pharmacology",
    )
    .await;
    assert_eq!(status, 200, "{set}");
    let filter = Filter {
        section: Some(Section::Pharmacology),
        topic: None,
    };
    let items = perfuse_drill::generate(5, 3, &filter).unwrap();
    let shown = set["items"].as_array().unwrap();
    assert_eq!(shown.len(), 3);
    for (item, shown) in items.iter().zip(shown) {
        assert_eq!(shown["id"], item.id.as_str());
        assert_eq!(shown["vignette"], item.vignette.as_str());
        assert_eq!(shown["section"], "pharmacology");
        // The page never receives the answer.
        assert!(shown.get("answer").is_none() && shown.get("solution").is_none());
    }

    let answer = |i: usize, text: String| {
        json!({"item_id": items[i].id, "section": "pharmacology", "answer": text,
               "seconds_taken": 20})
    };
    let right = format!("{} {}", items[0].answer_text(), items[0].unit);
    let wrong = format!("{} {}", items[1].answer * 1.2, items[1].unit);
    let wrong_unit = format!("{} mL/min/m2", items[2].answer_text());
    // Without a token: graded, not stored; a wrong token: 401.
    let (_, verdict) = post(&base, answer(0, right.clone())).await;
    assert_eq!(verdict["stored"], false, "{verdict}");
    let (status, _) = post_as(&base, Some(&"0".repeat(64)), answer(0, right.clone())).await;
    assert_eq!(status, 401);
    let (status, verdict) = post_as(&base, Some(&kim), answer(0, right)).await;
    assert_eq!(
        (
            status,
            verdict["outcome"].as_str(),
            verdict["stored"].as_bool()
        ),
        (200, Some("correct"), Some(true)),
        "{verdict}"
    );
    assert_eq!(
        verdict["solution"].as_array().unwrap().len(),
        items[0].solution().len()
    );
    let (_, verdict) = post_as(&base, Some(&kim), answer(1, wrong)).await;
    assert_eq!(verdict["outcome"], "wrong", "{verdict}");
    let (_, verdict) = post_as(&base, Some(&kim), answer(2, wrong_unit)).await;
    assert_eq!(verdict["outcome"], "wrong-unit", "{verdict}");
    assert_eq!(verdict["number_matches"], true);
    // Not a number: nothing revealed, nothing stored.
    let (_, verdict) = post_as(&base, Some(&kim), answer(2, "no idea".into())).await;
    assert_eq!(verdict["outcome"], "not-a-number");
    assert_eq!(
        (verdict["expected"].is_null(), verdict["stored"].as_bool()),
        (true, Some(false))
    );

    // Kim sees her progress; the educator (a chief) also sees every learner.
    let progress = |token: Option<String>| {
        let base = base.clone();
        async move {
            let mut request = reqwest::Client::new().get(format!("{base}/api/drill/progress"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, mine) = progress(Some(kim.clone())).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["learner"], "Kim");
    assert_eq!(mine["sections"][0]["section"], "pharmacology");
    assert_eq!(
        (
            mine["sections"][0]["answered"].as_i64(),
            mine["sections"][0]["correct"].as_i64()
        ),
        (Some(3), Some(1))
    );
    assert!(mine.get("learners").is_none(), "{mine}");
    let (_, cohort) = progress(Some(educator)).await;
    assert_eq!(cohort["learners"][0]["learner"], "Kim", "{cohort}");
    assert_eq!(cohort["learners"][0]["answered"], 3);
    assert_eq!(progress(None).await.0, 401);

    let store = Store::open(&db).await.unwrap();
    let progress = store.drill_progress_by_section("Kim").await.unwrap();
    assert_eq!(progress.len(), 1);
    assert_eq!(
        (
            progress[0].section.as_str(),
            progress[0].answered,
            progress[0].correct
        ),
        ("pharmacology", 3, 1)
    );
    assert!((progress[0].mean_seconds - 20.0).abs() < 1e-9);
    store.close().await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn bad_requests_name_their_field() {
    let base = start(None).await;
    for (path, field) in [
        ("/api/drill/items?seed=1&section=cardiology", "section"),
        ("/api/drill/items?seed=1&count=0", "count"),
        ("/api/drill/items?seed=1&count=101", "count"),
        ("/api/drill/items?count=3", "query"),
    ] {
        let (status, body) = get(&base, path).await;
        assert_eq!(
            (status, body["error"]["field"].as_str()),
            (400, Some(field)),
            "{path}: {body}"
        );
    }
    let (status, body) = post(&base, json!({"item_id": "five", "answer": "1 mg"})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("item_id"))
    );
    // Graded without a database when no token is given; with one, 503.
    let (status, body) = post(&base, json!({"item_id": "1-1", "answer": "1 mg"})).await;
    assert_eq!(
        (status, body["stored"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
    let (status, body) = post_as(
        &base,
        Some(&"0".repeat(64)),
        json!({"item_id": "1-1", "answer": "1 mg"}),
    )
    .await;
    assert_eq!((status, body["error"]["field"].as_str()), (503, Some("db")));
}

#[test]
fn drill_page_offers_every_section_with_items() {
    let page =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/drill.html"))
            .unwrap();
    let select = &page[page.find(r#"<select id="section">"#).unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    let offered: Vec<&str> = select
        .split(r#"<option value=""#)
        .skip(1)
        .filter_map(|option| option.split('"').next())
        .filter(|value| !value.is_empty())
        .collect();
    let with_items: Vec<&str> = Section::ALL
        .into_iter()
        .filter(|section| {
            perfuse_drill::item_types()
                .iter()
                .any(|t| t.section == *section)
        })
        .map(Section::name)
        .collect();
    assert_eq!(offered, with_items);
}
