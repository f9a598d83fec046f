//! Random crisis mode: a session of a routine scenario in which one crisis of a chosen set
//! (the scenarios of `scenarios/crises/`) fires at a random second of a window, drawn from a
//! seeded ChaCha8 stream (the same seed gives the same crisis at the same second). The crisis
//! brings its instructor's events (the fault and what the instructor does later, shifted to the
//! drawn onset) and its checklist objectives, anchored on the fault; the student's console is
//! told neither (`Session` hides both until the session ends).

use perfuse_scenario::{Anchor, Event, ObjectiveKind, Scenario};
use perfuse_sim::{Action, ActionSpec, Actor};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// What `POST /api/sessions` asks for: the set, the window and, optionally, the seed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomCrisisRequest {
    /// Crisis names (file stems of `scenarios/crises/`), at least one.
    from: Vec<String>,
    /// Earliest and latest onset, simulated s (`[600, 3600]`).
    window_s: [u64; 2],
    /// Seed of the draw (default: a random one, reported to the instructor).
    seed: Option<u64>,
}

/// The crisis drawn for a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RandomCrisis {
    /// The crisis (file stem in `scenarios/crises/`).
    pub crisis: String,
    /// Simulated time of the fault, s.
    pub onset_s: u64,
    /// Seed of the draw.
    pub seed: u64,
    /// The set it was drawn from.
    pub from: Vec<String>,
    /// The window it was drawn in, s.
    pub window_s: [u64; 2],
}

/// The crisis library: `(name, text)`.
fn library() -> Vec<(&'static str, &'static str)> {
    crate::assets::crises()
}

/// A uniform draw in `0..n` (Lemire's multiply-shift: no modulo bias worth naming).
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

/// Checks the request against the crisis library and `scenario`, draws the crisis and adds it
/// to `scenario`; returns the draw and the crisis's instructor events.
pub fn draw(
    request: RandomCrisisRequest,
    scenario: &mut Scenario,
) -> Result<(RandomCrisis, Vec<Event>), ApiError> {
    let known: Vec<&str> = library().iter().map(|(name, _)| *name).collect();
    if request.from.is_empty() {
        return Err(ApiError::bad_request(
            "random_crisis.from",
            format!("name at least one crisis of: {}", known.join(", ")),
        ));
    }
    if let Some(unknown) = request.from.iter().find(|n| !known.contains(&n.as_str())) {
        return Err(ApiError::bad_request(
            "random_crisis.from",
            format!("no crisis {unknown:?}; accepted: {}", known.join(", ")),
        ));
    }
    let [earliest_s, latest_s] = request.window_s;
    let duration_s = scenario.duration_ms / 1000;
    if earliest_s > latest_s || latest_s >= duration_s {
        return Err(ApiError::bad_request(
            "random_crisis.window_s",
            format!(
                "[{earliest_s}, {latest_s}]: must be [earliest, latest] with 0 ≤ earliest ≤ latest < {duration_s} s (the scenario's length)"
            ),
        ));
    }
    let seed = match request.seed {
        Some(seed) => seed,
        None => {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).map_err(|e| {
                ApiError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "random_crisis.seed",
                    format!("no random seed: {e}"),
                )
            })?;
            u64::from_le_bytes(bytes)
        }
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let chosen = &request.from[below(&mut rng, request.from.len() as u64) as usize];
    let onset_s = earliest_s + below(&mut rng, latest_s - earliest_s + 1);
    let crisis = RandomCrisis {
        crisis: chosen.clone(),
        onset_s,
        seed,
        from: request.from,
        window_s: request.window_s,
    };
    let events = apply(scenario, &crisis)
        .map_err(|message| ApiError::bad_request("random_crisis.from", message))?;
    Ok((crisis, events))
}

/// Adds `crisis` to `scenario`: its checklist objectives, anchored on its fault (those the
/// crisis file anchors on the start apply from the fault). Returns its instructor's events
/// from the fault on, shifted to the onset (those past the scenario's end are dropped).
pub fn apply(scenario: &mut Scenario, crisis: &RandomCrisis) -> Result<Vec<Event>, String> {
    let (name, text) = library()
        .into_iter()
        .find(|(name, _)| *name == crisis.crisis)
        .ok_or_else(|| format!("crisis {:?} is no longer shipped", crisis.crisis))?;
    let file = perfuse_scenario::parse(text, &format!("scenarios/crises/{name}.toml"))
        .map_err(|e| e.to_string())?;
    let fault = file
        .events
        .iter()
        .find(|e| matches!(e.action, Action::Fault { .. }))
        .copied()
        .ok_or_else(|| format!("crisis {name:?} injects no fault"))?;
    let onset_ms = crisis.onset_s * 1000;
    let events: Vec<Event> = file
        .events
        .iter()
        .filter(|e| e.at_ms >= fault.at_ms)
        .filter(|e| ActionSpec::find(e.action.name()).is_some_and(|s| s.actor == Actor::Instructor))
        .map(|e| Event {
            at_ms: e.at_ms - fault.at_ms + onset_ms,
            action: e.action,
        })
        .filter(|e| e.at_ms < scenario.duration_ms)
        .collect();
    let anchor = Anchor::Action(perfuse_scenario::ActionPattern {
        name: fault.action.name(),
        choice: fault.action.fields().iter().find_map(|(_, v)| match v {
            perfuse_sim::FieldValue::Text(t) => Some((*t).to_owned()),
            _ => None,
        }),
    });
    for mut objective in file.objectives {
        let after = match &mut objective.kind {
            ObjectiveKind::Range(r) => &mut r.after,
            ObjectiveKind::Action(a) => &mut a.after,
        };
        if *after == Anchor::Start {
            *after = anchor.clone();
        }
        scenario.objectives.push(objective);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Session, SessionOptions};

    #[test]
    fn a_random_crisis_fires_and_a_restart_replays_it() {
        let routine = || {
            perfuse_scenario::parse(
                include_str!("../../../scenarios/adult-cabg-routine.toml"),
                "adult-cabg-routine.toml",
            )
            .unwrap()
        };
        let mut scenario = routine();
        let base_objectives = scenario.objectives.len();
        let request = RandomCrisisRequest {
            from: vec!["power-failure-hand-crank".to_owned()],
            window_s: [30, 30],
            seed: Some(3),
        };
        let (crisis, events) = draw(request, &mut scenario).unwrap();
        assert_eq!((crisis.onset_s, events[0].at_ms), (30, 30_000));
        assert!(scenario.objectives.len() > base_objectives);
        let options = SessionOptions {
            scripted_events: false,
            speed: 20,
            paused: false,
            max_session_s: 3600,
        };
        let session = Session::new(
            "CRISISAA".into(),
            "s".repeat(32),
            "i".repeat(32),
            scenario,
            Some("adult-cabg-routine".into()),
            None,
            &options,
        )
        .unwrap()
        .with_random_crisis(crisis, events, base_objectives);
        for _ in 0..40 {
            session.tick(0.05);
        }
        let csv = session.csv();
        let last = csv.lines().last().unwrap();
        assert!(last.contains("power-loss"), "the fault fired: {last}");
        let (_, json) = session.snapshot().unwrap();
        let restored =
            Session::restore(serde_json::from_str(&json).unwrap(), routine(), 3600).unwrap();
        assert_eq!(
            restored.csv(),
            csv,
            "a restart draws nothing again: it replays"
        );
    }
}
