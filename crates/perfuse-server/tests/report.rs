//! The report endpoints: a stored record's PDF and HTML with a records API token, a live
//! session's with the session's token; refused without.

use perfuse_record::store::TokenLifetime;
use perfuse_record::{Actor, Record, Role, Store};
use perfuse_server::{Server, ServerConfig};
use serde_json::{Value, json};

async fn get(url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_and_session_reports() {
    let db = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("report_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let db = db.to_str().unwrap().to_owned();
    let store = Store::open(&db).await.unwrap();
    let chief = Actor::new("Pat Chief", Role::Chief).unwrap();
    let reader = store
        .issue_token(
            &chief,
            "Quinn Auditor",
            Role::ReadOnly,
            TokenLifetime::DEFAULT,
        )
        .await
        .unwrap();
    let author = Actor::new("A. Perfusionist", Role::Perfusionist).unwrap();
    let record = Record::from_toml_str(include_str!("../../../docs/examples/case.toml")).unwrap();
    let id = store.add(&author, &record, true).await.unwrap();
    store.close().await;

    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        records_db: Some(db),
        ..Default::default()
    };
    let server = Server::bind(config).await.unwrap();
    let base = format!("http://{}", server.local_addr());
    tokio::spawn(server.run_until(std::future::pending()));

    // A read-only user may read the report, as any record.
    let pdf = get(
        &format!("{base}/api/records/{id}/report.pdf?paper=letter"),
        Some(&reader),
    )
    .await;
    assert_eq!(pdf.status().as_u16(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(
        pdf.headers()["content-disposition"],
        format!("attachment; filename=\"perfuse-record-{id}.pdf\"").as_str()
    );
    assert_eq!(pdf.headers()["cache-control"], "no-store");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));

    let page = get(
        &format!("{base}/api/records/{id}/report.html"),
        Some(&reader),
    )
    .await;
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains(&format!(
        "style-src '{}'",
        perfuse_report::style_csp_hash(perfuse_report::Paper::A4)
    )));
    assert!(!csp.contains("unsafe-inline"));
    let text = page.text().await.unwrap();
    assert!(text.contains("Demo Patient") && text.contains("DEMO-0000001"));
    assert!(text.contains(&format!("record {id} · final · version ")));
    assert!(text.contains("<svg"));

    for path in ["report.pdf", "report.html"] {
        let url = format!("{base}/api/records/{id}/{path}");
        assert_eq!(get(&url, None).await.status().as_u16(), 401);
        assert_eq!(
            get(&url, Some(&"ab".repeat(32))).await.status().as_u16(),
            401
        );
    }
    let unknown = get(&format!("{base}/api/records/999/report.pdf"), Some(&reader)).await;
    assert_eq!(unknown.status().as_u16(), 404);
    let bad_paper = get(
        &format!("{base}/api/records/{id}/report.pdf?paper=a3"),
        Some(&reader),
    )
    .await;
    assert_eq!(bad_paper.status().as_u16(), 400);

    // A live session: its debrief as the training record it would be saved as.
    let created: Value = reqwest::Client::new()
        .post(format!("{base}/api/sessions"))
        .json(&json!({"scenario_id": "adult-cabg-routine", "scripted_events": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = created["code"].as_str().unwrap();
    let student = created["student_token"].as_str().unwrap();
    let instructor = created["instructor_token"].as_str().unwrap();
    let url = format!("{base}/api/sessions/{code}/report.html?trainee=Jo%20Student");
    // Nothing recorded yet: no record to report (the store's "no rows").
    assert_eq!(get(&url, Some(student)).await.status().as_u16(), 422);
    let resumed = reqwest::Client::new()
        .post(format!("{base}/api/sessions/{code}/control"))
        .bearer_auth(instructor)
        .json(&json!({"paused": false, "speed": 20}))
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status().as_u16(), 200);
    let mut page = get(&url, Some(student)).await;
    for _ in 0..100 {
        if page.status().as_u16() == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        page = get(&url, Some(student)).await;
    }
    assert_eq!(page.status().as_u16(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("Perfusion record — training session"));
    assert!(text.contains("Jo Student") && text.contains("de-identified"));
    let pdf = get(
        &format!("{base}/api/sessions/{code}/report.pdf?trainee=Jo%20Student"),
        Some(student),
    )
    .await;
    assert_eq!(pdf.status().as_u16(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert_eq!(get(&url, None).await.status().as_u16(), 401);
    // A records token is not this session's token.
    assert_eq!(get(&url, Some(&reader)).await.status().as_u16(), 403);
    let no_trainee = get(
        &format!("{base}/api/sessions/{code}/report.html"),
        Some(student),
    )
    .await;
    assert_eq!(no_trainee.status().as_u16(), 400);
}
