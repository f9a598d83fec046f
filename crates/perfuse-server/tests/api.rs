//! The HTTP and WebSocket API against a real server on an ephemeral loopback port, with real
//! clients (reqwest, tokio-tungstenite).

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use perfuse_server::{Limits, Server, ServerConfig};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

async fn start(limits: Limits) -> SocketAddr {
    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        limits,
        ..ServerConfig::default()
    };
    let server = Server::bind(config).await.unwrap();
    let addr = server.local_addr();
    tokio::spawn(server.run_until(std::future::pending()));
    addr
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn new() -> (Client, SocketAddr) {
        let addr = start(Limits::default()).await;
        (
            Client {
                http: reqwest::Client::new(),
                base: format!("http://{addr}"),
            },
            addr,
        )
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn create(&self, body: Value) -> Value {
        let (status, created) = self.post("/api/sessions", None, body).await;
        assert_eq!(status, 201, "{created}");
        created
    }
}

fn field(error: &Value) -> &str {
    error["error"]["field"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn health_scenarios_and_openapi() {
    let (client, _) = Client::new().await;
    let (status, body) = client.get("/api/health", None).await;
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));

    let (_, body) = client.get("/api/scenarios", None).await;
    let scenarios: Value = serde_json::from_str(&body).unwrap();
    assert!(
        scenarios.as_array().unwrap().len() >= 3,
        "shipped scenarios are embedded"
    );
    // Every scenario names its exam sections, each one of the catalog's (the landing page
    // filters by them).
    let (_, body) = client.get("/api/catalog", None).await;
    let catalog: Value = serde_json::from_str(&body).unwrap();
    let sections: Vec<&str> = catalog["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(sections.len(), 11);
    for scenario in scenarios.as_array().unwrap() {
        let named = scenario["sections"].as_array().unwrap();
        assert!(!named.is_empty(), "{}", scenario["id"]);
        assert!(
            named
                .iter()
                .all(|s| sections.contains(&s.as_str().unwrap())),
            "{}",
            scenario["id"]
        );
    }

    let (_, body) = client.get("/api/openapi.json", None).await;
    let openapi: Value = serde_json::from_str(&body).unwrap();
    for path in [
        "/api/health",
        "/api/sessions",
        "/api/sessions/{code}/actions",
        "/api/sessions/{code}/ws",
    ] {
        assert!(
            openapi["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let (status, page) = client.get("/", None).await;
    assert_eq!(status, 200);
    assert!(page.contains("perfuse"));
    let (status, _) = client.get("/js/console.js", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bad_requests_name_their_field() {
    let (client, _) = Client::new().await;
    let (status, error) = client
        .post("/api/sessions", None, json!({"scenario_id": "nope"}))
        .await;
    assert_eq!((status, field(&error)), (400, "scenario_id"));
    let (status, error) = client.post("/api/sessions", None, json!({})).await;
    assert_eq!(status, 400, "{error}");
    let (status, error) = client
        .post(
            "/api/sessions",
            None,
            json!({"scenario_id": "x", "colour": 1}),
        )
        .await;
    assert_eq!((status, field(&error)), (400, "colour"));
    let bad = "[scenario]\nname = \"x\"\nduration = \"10m\"\n[patient]\nsex = \"male\"\nage_years = 60\nheight_cm = 175\nweight_kg = -5\nhct_pct = 40\n[circuit]\npump = \"roller\"\nprime_ml = 1500\n";
    let (status, error) = client
        .post(
            "/api/sessions",
            None,
            json!({"scenario_toml": bad, "file_name": "bad.toml"}),
        )
        .await;
    assert_eq!(status, 422, "{error}");
    assert!(error["error"]["line"].as_u64().unwrap() > 0, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bad.toml")
    );
    let huge = "#".repeat(300 * 1024);
    let (status, error) = client
        .post("/api/sessions", None, json!({"scenario_toml": huge}))
        .await;
    assert_eq!(status, 413, "{error}");
    let (status, error) = client
        .post("/api/sessions/ZZZZZZ/join", None, json!({}))
        .await;
    assert_eq!((status, field(&error)), (404, "code"));
}

#[tokio::test]
async fn tokens_guard_every_change() {
    let (client, _) = Client::new().await;
    let created = client
        .create(json!({"scenario_id": "adult-cabg-routine", "scripted_events": false}))
        .await;
    let code = created["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    let instructor = created["instructor_token"].as_str().unwrap();
    let (_, joined) = client
        .post(&format!("/api/sessions/{code}/join"), None, json!({}))
        .await;
    let student = joined["student_token"].as_str().unwrap();
    assert!(joined.get("instructor_token").is_none());

    let actions = format!("/api/sessions/{code}/actions");
    let go = json!({"action": "start-bypass", "flow_l_min": 4.5});
    assert_eq!(client.post(&actions, None, go.clone()).await.0, 401);
    assert_eq!(client.post(&actions, Some("0123"), go.clone()).await.0, 403);
    let (status, applied) = client.post(&actions, Some(student), go).await;
    assert_eq!(status, 200, "{applied}");
    assert!(applied["applied_at_s"].is_number());

    let fault = json!({"action": "fault", "kind": "pump-failure"});
    assert_eq!(
        client.post(&actions, Some(student), fault.clone()).await.0,
        403
    );
    assert_eq!(client.post(&actions, Some(instructor), fault).await.0, 200);
    let (status, error) = client
        .post(
            &actions,
            Some(student),
            json!({"action": "set-flow", "flow_l_min": 40}),
        )
        .await;
    assert_eq!((status, field(&error)), (400, "flow_l_min"));
    let (status, error) = client
        .post(&actions, Some(student), json!({"action": "go-on-pump"}))
        .await;
    assert_eq!((status, field(&error)), (400, "action"));
    let (status, error) = client
        .post(
            &actions,
            Some(student),
            json!({"action": "fault", "kind": "gremlins"}),
        )
        .await;
    assert_eq!(status, 403, "{error}");

    let control = format!("/api/sessions/{code}/control");
    assert_eq!(
        client
            .post(&control, Some(student), json!({"speed": 7}))
            .await
            .0,
        400
    );
    assert_eq!(
        client
            .post(&control, Some(student), json!({"scripted_events": true}))
            .await
            .0,
        403
    );
    let (status, state) = client
        .post(&control, Some(student), json!({"speed": 5, "paused": true}))
        .await;
    assert_eq!(
        (status, state["speed"].as_u64(), state["paused"].as_bool()),
        (200, Some(5), Some(true))
    );

    let notes = format!("/api/sessions/{code}/annotations");
    assert_eq!(
        client
            .post(&notes, Some(student), json!({"text": "hi"}))
            .await
            .0,
        403
    );
    assert_eq!(
        client
            .post(&notes, Some(instructor), json!({"text": ""}))
            .await
            .0,
        400
    );
    assert_eq!(
        client
            .post(&notes, Some(instructor), json!({"text": "good catch"}))
            .await
            .0,
        204
    );
    assert_eq!(
        client
            .post(
                &format!("/api/sessions/{code}/end"),
                Some(student),
                json!({})
            )
            .await
            .0,
        403
    );
    assert_eq!(
        client
            .post(
                &format!("/api/sessions/{code}/end"),
                Some(instructor),
                json!({})
            )
            .await
            .0,
        200
    );
    let (status, error) = client
        .post(&actions, Some(student), json!({"action": "end-bypass"}))
        .await;
    assert_eq!(status, 409, "{error}");
}

#[tokio::test]
async fn session_limit_is_enforced() {
    let addr = start(Limits {
        max_sessions: 2,
        ..Limits::default()
    })
    .await;
    let client = Client {
        http: reqwest::Client::new(),
        base: format!("http://{addr}"),
    };
    for _ in 0..2 {
        client
            .create(json!({"scenario_id": "adult-cabg-routine"}))
            .await;
    }
    let (status, error) = client
        .post(
            "/api/sessions",
            None,
            json!({"scenario_id": "adult-cabg-routine"}),
        )
        .await;
    assert_eq!((status, field(&error)), (503, "session"));
}

async fn next_json(
    socket: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
    kind: &str,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("timed out")
            .unwrap()
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == kind {
                return value;
            }
        }
    }
}

#[tokio::test]
async fn websocket_pushes_frames_and_takes_actions() {
    let (client, addr) = Client::new().await;
    let created = client
        .create(json!({"scenario_id": "adult-cabg-routine", "scripted_events": false, "speed": 20}))
        .await;
    let code = created["code"].as_str().unwrap();
    let student = created["student_token"].as_str().unwrap();

    let refused =
        tokio_tungstenite::connect_async(format!("ws://{addr}/api/sessions/{code}/ws?token=bad"))
            .await;
    assert!(refused.is_err(), "a bad token gets no WebSocket");

    let (mut socket, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/sessions/{code}/ws?token={student}"
    ))
    .await
    .unwrap();
    let hello = next_json(&mut socket, "hello").await;
    assert_eq!(hello["role"], "student");
    assert!(
        hello["catalog"]["faults"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "pump-failure")
    );
    let frame = next_json(&mut socket, "frame").await;
    assert_eq!(frame["phase"], "pre-bypass");
    assert!(frame["server_time_ms"].as_f64().unwrap() > 1.0e12);
    assert!(frame["obs"]["map_mmhg"].as_f64().unwrap() > 30.0);
    assert!(
        frame.get("active_faults").is_none(),
        "students do not see the fault list"
    );

    // Malformed messages get an error reply and the connection goes on.
    for junk in [
        "not json",
        "{\"type\": \"action\", \"action\": \"set-flow\"}",
        "{\"type\": \"warp\"}",
        "[]",
    ] {
        socket.send(Message::text(junk)).await.unwrap();
        let error = next_json(&mut socket, "error").await;
        assert!(error["error"]["field"].is_string(), "{error}");
    }
    socket
        .send(Message::binary(vec![0u8, 159, 146, 150]))
        .await
        .unwrap();
    next_json(&mut socket, "error").await;

    let go = json!({"type": "action", "action": "start-bypass", "flow_l_min": 4.8});
    socket.send(Message::text(go.to_string())).await.unwrap();
    next_json(&mut socket, "ack").await;
    socket
        .send(Message::text(
            json!({"type": "sample", "kind": "abg"}).to_string(),
        ))
        .await
        .unwrap();
    next_json(&mut socket, "ack").await;
    let mut waveform_samples = 0;
    let mut saw_bypass = false;
    for _ in 0..40 {
        let frame = next_json(&mut socket, "frame").await;
        waveform_samples += frame["wave"]["arterial_pressure_mmhg"]
            .as_array()
            .unwrap()
            .len();
        if frame["phase"] == "bypass" && frame["obs"]["pump_flow_l_min"].as_f64().unwrap() > 1.0 {
            saw_bypass = true;
            break;
        }
    }
    assert!(saw_bypass, "pump flow rises after start-bypass");
    for _ in 0..3 {
        waveform_samples += next_json(&mut socket, "frame").await["wave"]["pump_flow_l_min"]
            .as_array()
            .unwrap()
            .len();
    }
    assert!(waveform_samples > 10, "waveforms are batched into frames");
}

#[tokio::test]
async fn debrief_and_csv_after_the_end() {
    let (client, addr) = Client::new().await;
    let created = client
        .create(json!({"scenario_id": "pump-failure-arrested-heart", "speed": 20}))
        .await;
    let code = created["code"].as_str().unwrap();
    let instructor = created["instructor_token"].as_str().unwrap();
    let (mut socket, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/sessions/{code}/ws?token={instructor}"
    ))
    .await
    .unwrap();
    let frame = next_json(&mut socket, "frame").await;
    assert!(
        frame["active_faults"].is_array(),
        "instructors see the fault list"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, _) = client
        .post(
            &format!("/api/sessions/{code}/end"),
            Some(instructor),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    loop {
        if next_json(&mut socket, "frame").await["ended"] == true {
            break;
        }
    }

    let (status, body) = client
        .get(&format!("/api/sessions/{code}/debrief"), Some(instructor))
        .await;
    assert_eq!(status, 200);
    let debrief: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(debrief["ended"], true);
    let objectives = debrief["objectives"].as_array().unwrap();
    let objective = objectives
        .iter()
        .find(|o| o["observe"] == "map_mmhg")
        .expect("a MAP objective");
    assert!(objective["label"].as_str().unwrap().contains("MAP"));
    // Every action objective reports its outcome in the debrief.
    assert!(
        objectives
            .iter()
            .filter(|o| o["kind"] == "action")
            .all(|o| o["outcome"].is_string())
    );
    assert_eq!(
        objective["met"].as_bool().unwrap(),
        objective["out_of_range_s"] == 0
    );
    assert!(debrief["trend"]["time_s"].as_array().unwrap().len() >= 20);
    assert!(
        debrief["log"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["text"].as_str().unwrap().contains("ended"))
    );

    let (status, csv) = client
        .get(&format!("/api/sessions/{code}/csv"), Some(instructor))
        .await;
    assert_eq!(status, 200);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        perfuse_scenario::observations::csv_header()
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.len() >= 20,
        "one row per simulated second at ×20 for 1.5 s"
    );
    assert!(rows[0].starts_with("0.000,pre-bypass,"));
    assert!(rows[1].starts_with("1.000,"));
    assert_eq!(
        client
            .get(&format!("/api/sessions/{code}/csv"), None)
            .await
            .0,
        401
    );
}

#[test]
fn docs_api_md_names_every_endpoint() {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
    let openapi = perfuse_server::api::openapi();
    for (path, item) in &openapi.paths.paths {
        let methods = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in methods {
            if present {
                let row = format!("`{method} {path}");
                assert!(docs.contains(&row), "docs/api.md lacks {row}`");
            }
        }
    }
}

#[tokio::test]
async fn a_scenario_question_pauses_the_session_until_answered() {
    let (client, addr) = Client::new().await;
    let text = format!(
        "{}\n[[questions]]\nat = \"0:00:10\"\nprompt = \"Which drug reverses heparin?\"\nchoices = [\"Phenylephrine\", \"Protamine\"]\ncorrect = 2\n",
        include_str!("../../../scenarios/adult-cabg-routine.toml")
    );
    let created = client
        .create(json!({"scenario_toml": text, "file_name": "q.toml", "speed": 20}))
        .await;
    let code = created["code"].as_str().unwrap();
    let student = created["student_token"].as_str().unwrap();
    let (mut socket, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/sessions/{code}/ws?token={student}"
    ))
    .await
    .unwrap();
    let question = loop {
        let frame = next_json(&mut socket, "frame").await;
        if !frame["question"].is_null() {
            assert_eq!(frame["paused"], true, "{frame}");
            break frame["question"].clone();
        }
    };
    assert_eq!(question["number"], 1);
    assert_eq!(question["choices"][1], "Protamine");
    assert!(question.get("expected").is_none(), "the answer is not sent");
    let answers = format!("/api/sessions/{code}/answers");
    let (status, answer) = client
        .post(
            &answers,
            Some(student),
            json!({"question": 1, "answer": "2"}),
        )
        .await;
    assert_eq!(
        (status, answer["correct"].as_bool()),
        (200, Some(true)),
        "{answer}"
    );
    let (status, again) = client
        .post(
            &answers,
            Some(student),
            json!({"question": 1, "answer": "1"}),
        )
        .await;
    assert_eq!((status, field(&again)), (409, "answer"));
    let (_, body) = client
        .get(&format!("/api/sessions/{code}/debrief"), Some(student))
        .await;
    let debrief: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(debrief["questions"][0]["answer"]["given"], "2");
    assert_eq!(debrief["questions"][0]["answer"]["expected"], "Protamine");
    let (_, body) = client
        .get(&format!("/api/sessions/{code}"), Some(student))
        .await;
    let status: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["paused"], false, "an answer resumes the session");
}

#[tokio::test]
async fn the_instructor_rewinds_and_rates_and_students_cannot() {
    let (client, addr) = Client::new().await;
    let created = client
        .create(json!({"scenario_id": "adult-cabg-routine", "speed": 20}))
        .await;
    let code = created["code"].as_str().unwrap();
    let student = created["student_token"].as_str().unwrap();
    let instructor = created["instructor_token"].as_str().unwrap();
    let (mut socket, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/sessions/{code}/ws?token={student}"
    ))
    .await
    .unwrap();
    next_json(&mut socket, "hello").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rewind = format!("/api/sessions/{code}/rewind");

    let (status, error) = client
        .post(&rewind, Some(student), json!({"to_s": 5}))
        .await;
    assert_eq!((status, field(&error)), (403, "authorization"), "{error}");
    let (status, error) = client
        .post(&rewind, Some(instructor), json!({"to_s": 86_400}))
        .await;
    assert_eq!((status, field(&error)), (409, "to_s"), "{error}");
    let range = error["error"]["range_s"].as_array().unwrap();
    assert_eq!(range[0], 0.0);
    assert!(range[1].as_f64().unwrap() > 10.0, "{error}");
    let (status, error) = client
        .post(&rewind, Some(instructor), json!({"to": 5}))
        .await;
    assert_eq!((status, field(&error)), (400, "to"), "{error}");

    let (status, rewound) = client
        .post(&rewind, Some(instructor), json!({"to_s": 5}))
        .await;
    assert_eq!(status, 200, "{rewound}");
    assert_eq!(rewound["sim_time_s"], 5.0);
    assert_eq!(rewound["paused"], true);
    // Connected consoles start over from a fresh hello of the rewound session.
    let hello = next_json(&mut socket, "hello").await;
    assert_eq!(hello["status"]["sim_time_s"], 5.0);
    assert!(
        hello["log"].as_array().unwrap().last().unwrap()["text"]
            .as_str()
            .unwrap()
            .contains("kept as branch 1")
    );
    let (_, debrief) = client
        .get(&format!("/api/sessions/{code}/debrief"), Some(student))
        .await;
    let debrief: Value = serde_json::from_str(&debrief).unwrap();
    assert_eq!(debrief["branches"][0]["from_s"], 5.0);
    assert!(debrief["branches"][0]["until_s"].as_f64().unwrap() > 10.0);

    // PINTS: the instructor's, on the tool's scale; the debrief shows it to everyone.
    let pints = format!("/api/sessions/{code}/pints");
    let put = |token: &str, body: Value| {
        client
            .http
            .put(format!("{}{pints}", client.base))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };
    let rating = json!({"decision_making": 3.5, "situation_awareness": 3.0,
        "task_management_leadership": 2.5, "teamwork_communication": 4.0});
    assert_eq!(put(student, rating.clone()).await.unwrap().status(), 403);
    for (field_name, bad) in [("situation_awareness", 4.5), ("decision_making", 2.25)] {
        let mut wrong = rating.clone();
        wrong[field_name] = json!(bad);
        let response = put(instructor, wrong).await.unwrap();
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.unwrap();
        assert_eq!(field(&error), field_name, "{error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("0.5 to 4 in steps of 0.5"),
            "{error}"
        );
    }
    assert_eq!(put(instructor, rating).await.unwrap().status(), 200);
    let (_, debrief) = client
        .get(&format!("/api/sessions/{code}/debrief"), Some(student))
        .await;
    let debrief: Value = serde_json::from_str(&debrief).unwrap();
    assert_eq!(debrief["pints"]["task_management_leadership"], 2.5);

    // A rewound session ends as any other: the consoles are told.
    let (status, _) = client
        .post(
            &format!("/api/sessions/{code}/end"),
            Some(instructor),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    loop {
        if next_json(&mut socket, "frame").await["ended"] == true {
            break;
        }
    }
}

#[tokio::test]
async fn a_random_crisis_is_reproducible_by_seed_and_hidden_from_the_student() {
    let (client, addr) = Client::new().await;
    let crisis = json!({"from": ["kinked-arterial-line", "arterial-air", "gas-supply-failure"],
        "window_s": [20, 40], "seed": 7});
    let (status, error) = client
        .post(
            "/api/sessions",
            None,
            json!({"scenario_id": "adult-cabg-routine",
                "random_crisis": {"from": ["arterial-air", "meteor-strike"], "window_s": [20, 40]}}),
        )
        .await;
    assert_eq!(
        (status, field(&error)),
        (400, "random_crisis.from"),
        "{error}"
    );
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("meteor-strike") && message.contains("kinked-arterial-line"),
        "{message}"
    );

    let mut drawn = Vec::new();
    for _ in 0..2 {
        let created = client
            .create(
                json!({"scenario_id": "adult-cabg-routine", "speed": 20, "random_crisis": crisis}),
            )
            .await;
        let token = |name: &str| created[name].as_str().unwrap().to_owned();
        let (code, instructor) = (token("code"), token("instructor_token"));
        let (mut socket, _) = tokio_tungstenite::connect_async(format!(
            "ws://{addr}/api/sessions/{code}/ws?token={instructor}"
        ))
        .await
        .unwrap();
        let hello = next_json(&mut socket, "hello").await;
        let objectives = hello["objectives"].as_array().unwrap().len();
        drawn.push((
            code,
            token("student_token"),
            instructor,
            hello["random_crisis"].clone(),
            objectives,
        ));
    }
    assert_eq!(
        drawn[0].3, drawn[1].3,
        "the same seed draws the same crisis at the same second"
    );
    let (code, student, instructor, chosen, all_objectives) = drawn.swap_remove(0);
    let name = chosen["crisis"].as_str().unwrap();
    let onset_s = chosen["onset_s"].as_f64().unwrap();
    assert!((20.0..=40.0).contains(&onset_s), "{chosen}");
    assert_eq!(chosen["seed"], 7);

    // The student: neither the crisis nor its checklist, in the hello or the frames, until
    // the end; then the debrief tells.
    let (mut socket, _) = tokio_tungstenite::connect_async(format!(
        "ws://{addr}/api/sessions/{code}/ws?token={student}"
    ))
    .await
    .unwrap();
    let hello = next_json(&mut socket, "hello").await;
    assert!(hello.get("random_crisis").is_none());
    assert!(hello["objectives"].as_array().unwrap().len() < all_objectives);
    assert!(!hello.to_string().contains(name));
    loop {
        let frame = next_json(&mut socket, "frame").await;
        assert!(!frame.to_string().contains(name), "{frame}");
        assert!(frame.get("active_faults").is_none());
        if frame["sim_time_s"].as_f64().unwrap() > onset_s + 5.0 {
            break;
        }
    }
    let debrief = || async {
        let (_, text) = client
            .get(&format!("/api/sessions/{code}/debrief"), Some(&student))
            .await;
        serde_json::from_str::<Value>(&text).unwrap()
    };
    let before = debrief().await;
    assert!(before["random_crisis"].is_null() && !before.to_string().contains(name));
    let (status, _) = client
        .post(
            &format!("/api/sessions/{code}/end"),
            Some(&instructor),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let after = debrief().await;
    assert_eq!(after["random_crisis"], chosen);
    assert_eq!(
        after["objectives"].as_array().unwrap().len(),
        all_objectives
    );
}
