//! The live sessions, by join code, with the server's bounds: at most `max_sessions`, and idle
//! sessions (no client connected, no request) removed after `idle_timeout`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::http::StatusCode;
use perfuse_scenario::Scenario;

use crate::Limits;
use crate::error::ApiError;
use crate::session::{Session, SessionOptions, Snapshot, Upload, drive};

/// Join-code alphabet: no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Join-code length: 31^8 ≈ 8.5 × 10^11 codes, so guessing one of 200 live sessions at the
/// join rate limit (60 a minute per address) takes longer than a session lives.
pub const CODE_LEN: usize = 8;

/// All sessions of one server.
pub struct Registry {
    sessions: RwLock<HashMap<String, Arc<Session>>>,
    limits: Limits,
}

fn random_bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "session",
            format!("no randomness for a token: {e}"),
        )
    })?;
    Ok(bytes)
}

fn token() -> Result<String, ApiError> {
    Ok(random_bytes::<16>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

impl Registry {
    /// An empty registry.
    pub fn new(limits: Limits) -> Registry {
        Registry {
            sessions: RwLock::new(HashMap::new()),
            limits,
        }
    }

    /// The server's bounds.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Creates a session and starts stepping it.
    #[allow(clippy::too_many_arguments)] // the options of `POST /api/sessions`, one by one
    pub fn create(
        &self,
        scenario: Scenario,
        scenario_id: Option<String>,
        upload: Option<Upload>,
        scripted_events: bool,
        speed: u32,
        paused: bool,
        random_crisis: Option<(
            crate::crisis::RandomCrisis,
            Vec<perfuse_scenario::Event>,
            usize,
        )>,
    ) -> Result<Arc<Session>, ApiError> {
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= self.limits.max_sessions {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "session",
                format!(
                    "the server already runs {} sessions (its limit); end one first",
                    sessions.len()
                ),
            ));
        }
        let code = loop {
            let bytes = random_bytes::<CODE_LEN>()?;
            let code: String = bytes
                .iter()
                .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
                .collect();
            if !sessions.contains_key(&code) {
                break code;
            }
        };
        let options = SessionOptions {
            scripted_events,
            speed,
            paused,
            max_session_s: self.limits.max_session_s,
        };
        let session = Session::new(
            code.clone(),
            token()?,
            token()?,
            scenario,
            scenario_id,
            upload,
            &options,
        )
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.field, e.to_string()))?;
        let session = match random_crisis {
            Some((crisis, events, base_objectives)) => {
                session.with_random_crisis(crisis, events, base_objectives)
            }
            None => session,
        };
        let session = Arc::new(session);
        session.touch();
        sessions.insert(code, Arc::clone(&session));
        tokio::spawn(drive(Arc::downgrade(&session)));
        Ok(session)
    }

    /// The session with this code (case-insensitive).
    pub fn get(&self, code: &str) -> Result<Arc<Session>, ApiError> {
        let code = code.trim().to_ascii_uppercase();
        let sessions = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        sessions
            .get(&code)
            .cloned()
            .ok_or_else(|| ApiError::no_session(&code))
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Whether there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes sessions nobody has used for the idle timeout.
    pub fn reap_idle(&self) {
        let timeout = self.limits.idle_timeout;
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        sessions.retain(|_, session| session.clients() > 0 || session.idle_for() < timeout);
    }

    /// Every session now.
    pub fn sessions(&self) -> Vec<Arc<Session>> {
        let sessions = self.sessions.read().unwrap_or_else(|p| p.into_inner());
        sessions.values().cloned().collect()
    }

    /// Brings back a session saved by a previous run of the server (paused) and starts
    /// stepping it; the reason when the snapshot cannot be used.
    pub fn restore(&self, snapshot_json: &str) -> Result<(), String> {
        let snapshot: Snapshot =
            serde_json::from_str(snapshot_json).map_err(|e| format!("unreadable snapshot: {e}"))?;
        let code = snapshot.code().to_owned();
        let scenario = match snapshot.scenario() {
            (Some(id), None) => {
                let (_, file_name, text) = crate::assets::scenarios()
                    .into_iter()
                    .find(|(sid, _, _)| *sid == id)
                    .ok_or_else(|| format!("{code}: scenario {id:?} is no longer shipped"))?;
                perfuse_scenario::parse(text, file_name)
            }
            (None, Some(upload)) => perfuse_scenario::parse(&upload.toml, &upload.file_name),
            _ => return Err(format!("{code}: no scenario")),
        }
        .map_err(|e| format!("{code}: {e}"))?;
        let session = Session::restore(snapshot, scenario, self.limits.max_session_s)
            .map_err(|e| format!("{code}: {e}"))?;
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= self.limits.max_sessions || sessions.contains_key(&code) {
            return Err(format!("{code}: no room, or the code is taken"));
        }
        let session = Arc::new(session);
        session.touch();
        sessions.insert(code, Arc::clone(&session));
        tokio::spawn(drive(Arc::downgrade(&session)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SCENARIO: &str = "[scenario]\nname = \"t\"\nduration = \"10m\"\n[patient]\nsex = \"female\"\nage_years = 50\nheight_cm = 165\nweight_kg = 60\nhct_pct = 38\n[circuit]\npump = \"roller\"\nprime_ml = 1400\n";

    #[tokio::test]
    async fn idle_sessions_are_reaped_and_codes_are_short() {
        let registry = Registry::new(Limits {
            idle_timeout: Duration::ZERO,
            ..Limits::default()
        });
        let scenario = perfuse_scenario::parse(SCENARIO, "t.toml").unwrap();
        let session = registry
            .create(scenario, None, None, true, 1, false, None)
            .unwrap();
        assert_eq!(session.code.len(), CODE_LEN);
        assert!(session.code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(
            registry.get(&session.code.to_lowercase()).unwrap().code,
            session.code
        );
        let _client = session.client_joined();
        registry.reap_idle();
        assert_eq!(registry.len(), 1, "a session with a client is never idle");
        drop(_client);
        registry.reap_idle();
        assert!(registry.is_empty());
    }
}
