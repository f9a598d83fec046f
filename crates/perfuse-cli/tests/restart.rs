//! `perfuse serve` killed with SIGKILL mid-session: started again on the same database, it
//! resumes the session (paused) where its last snapshot left it, with the same tokens, the
//! same log and a recording that is a prefix of the one before the kill.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Starts `perfuse serve` on an ephemeral port; the child and its base URL.
fn serve(db: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perfuse"))
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .spawn()
        .expect("perfuse serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    // Keep reading what it prints (the resumed sessions) until it exits.
    std::thread::spawn(move || lines.for_each(drop));
    let url = line
        .trim()
        .strip_prefix("perfuse console: ")
        .expect("the URL line")
        .trim_end_matches('/')
        .to_owned();
    (child, url)
}

async fn get(http: &reqwest::Client, url: String, token: &str) -> reqwest::Response {
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response
}

#[tokio::test]
async fn a_killed_server_resumes_its_sessions_paused() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let db = dir.join(format!("restart-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let http = reqwest::Client::new();

    let (mut first, base) = serve(&db);
    let created: Value = http
        .post(format!("{base}/api/sessions"))
        .json(&json!({"scenario_id": "adult-cabg-routine", "speed": 20}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = created["code"].as_str().unwrap().to_owned();
    let instructor = created["instructor_token"].as_str().unwrap().to_owned();
    let note = http
        .post(format!("{base}/api/sessions/{code}/annotations"))
        .bearer_auth(&instructor)
        .json(&json!({"text": "before the crash"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 204);
    // Two saves (every 5 s), then SIGKILL: no shutdown, no last save.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let before = get(
        &http,
        format!("{base}/api/sessions/{code}/csv"),
        &instructor,
    )
    .await
    .text()
    .await
    .unwrap();
    first.kill().unwrap();
    first.wait().unwrap();

    let (mut second, base) = serve(&db);
    let status: Value = get(&http, format!("{base}/api/sessions/{code}"), &instructor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["paused"], true, "{status}");
    let resumed_at_s = status["sim_time_s"].as_f64().unwrap();
    assert!(resumed_at_s > 60.0, "{status}");
    let after = get(
        &http,
        format!("{base}/api/sessions/{code}/csv"),
        &instructor,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        after.lines().count() > 60 && before.starts_with(&after),
        "the resumed recording is the start of the one before the kill ({} and {} lines)",
        after.lines().count(),
        before.lines().count()
    );
    let log: Value = get(
        &http,
        format!("{base}/api/sessions/{code}/log?from=0"),
        &instructor,
    )
    .await
    .json()
    .await
    .unwrap();
    let texts: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"before the crash"), "{texts:?}");
    assert!(
        texts.last().unwrap().starts_with("Server restarted"),
        "{texts:?}"
    );
    second.kill().unwrap();
    second.wait().unwrap();
    let _ = std::fs::remove_file(&db);
}
