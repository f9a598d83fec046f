//! The heart-lung machine as a perfusionist runs it (issue 10), end to end: a scenario →
//! `perfuse run` → CSV. Each test is one behaviour of a real machine, with its source.

mod common;

use common::{Table, seconds, within};

/// An 80 kg adult, 1500 mL crystalloid prime, heparinised at 0:02 and on bypass at 0:05
/// (4.7 L/min, sweep 3.3), then `events` (TOML `[[events]]` tables).
fn adult(name: &str, duration: &str, circuit: &str, events: &str) -> (Table, String) {
    let toml = format!(
        r#"[scenario]
name = "{name}"
duration = "{duration}"
[patient]
sex = "male"
age_years = 65
height_cm = 175
weight_kg = 80
hct_pct = 40
[circuit]
pump = "roller"
prime_ml = 1500
sweep_l_min = 3.3
{circuit}
[[events]]
at = "0:02:00"
action = "heparin"
units = 32000
[[events]]
at = "0:05:00"
action = "start-bypass"
flow_l_min = 4.7
{events}"#
    );
    Table::run_text(name, &toml, "1s")
}

/// `[[events]]` table for `action` at `at` with `fields` (TOML lines).
fn event(at: &str, action: &str, fields: &str) -> String {
    format!("[[events]]\nat = \"{at}\"\naction = \"{action}\"\n{fields}\n")
}

fn arrested() -> String {
    event("0:07:00", "cross-clamp-on", "") + &event("0:07:00", "cardioplegia", "ml = 1000")
}

/// Every second of `column` in `from..=to` (h:mm:ss).
fn values(t: &Table, from: &str, to: &str, column: &str) -> Vec<f64> {
    t.series(from, to, column)
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

/// Two pressures and a drop: the post-oxygenator (line) pressure is what the patient side
/// loads, the pre-oxygenator pressure adds the membrane's ΔP (Fried 1998: ≈ 91 mmHg at
/// 5 L/min). A failing oxygenator raises the pressure before it, not after; a clamped line
/// raises both.
#[test]
fn pre_and_post_oxygenator_pressures() {
    let events = arrested()
        + &event("0:20:00", "fault", "kind = \"oxygenator-failure\"")
        + &event("0:25:00", "clear-fault", "kind = \"oxygenator-failure\"")
        + &event("0:30:00", "clamp-arterial-line", "");
    let (t, _) = adult("pressures", "0:31:00", "", &events);
    let (pre, post, dp) = (
        t.at("0:19:00", "pre_oxygenator_pressure_mmhg"),
        t.at("0:19:00", "post_oxygenator_pressure_mmhg"),
        t.at("0:19:00", "oxygenator_dp_mmhg"),
    );
    assert_eq!(post, t.at("0:19:00", "arterial_line_pressure_mmhg"));
    within(
        post,
        150.0,
        250.0,
        "post-oxygenator (line) pressure at full flow",
    );
    within(dp, 70.0, 100.0, "oxygenator ΔP at 4.7 L/min");
    within(pre - post - dp, -0.2, 0.2, "pre − post − ΔP");
    let failing = t.at("0:24:00", "pre_oxygenator_pressure_mmhg");
    assert!(failing > pre + 80.0, "pre-oxygenator {pre} → {failing}");
    within(
        t.at("0:24:00", "post_oxygenator_pressure_mmhg") - post,
        -10.0,
        10.0,
        "post-oxygenator change with a failing membrane",
    );
    // Clamped: the roller is held at the servo limit, both gauges read it.
    within(
        t.at("0:30:30", "post_oxygenator_pressure_mmhg"),
        295.0,
        305.0,
        "clamped line",
    );
    assert!(t.at("0:30:30", "pre_oxygenator_pressure_mmhg") >= 295.0);
    assert_eq!(t.at("0:30:30", "pump_flow_l_min"), 0.0);
}

/// Pressure servo: at 7.5 L/min a roller pump would drive the line far above 300 mmHg (wave 1
/// ran at 407–410); with the servo the post-oxygenator pressure stays within 10 mmHg of the
/// limit, the flow is cut, and a high alarm sounds while it limits. A lower limit holds lower.
#[test]
fn pressure_servo_limits_the_line() {
    let events = arrested()
        + &event("0:10:00", "set-flow", "flow_l_min = 7.5")
        + &event("0:15:00", "set-pressure-limit", "mmhg = 250");
    let (t, _) = adult("servo", "0:20:00", "", &events);
    for p in values(&t, "0:10:30", "0:14:59", "post_oxygenator_pressure_mmhg") {
        assert!(p <= 310.0, "line pressure {p} above the 300 limit");
    }
    assert!(t.at("0:14:00", "pump_flow_l_min") < 7.0);
    assert!(
        t.text(seconds("0:14:00"), "alarms")
            .contains("high:high-line-pressure")
    );
    for p in values(&t, "0:15:30", "0:20:00", "post_oxygenator_pressure_mmhg") {
        assert!(p <= 260.0, "line pressure {p} above the 250 limit");
    }
}

/// Venous occluder: closing the venous line stops drainage, so at the same pump flow the
/// reservoir empties into the patient at the pump's rate; opening it again restores it.
#[test]
fn venous_occluder_holds_volume_in_the_patient() {
    let events = arrested()
        + &event("0:15:00", "set-venous-occlusion", "pct = 100")
        + &event("0:15:20", "set-venous-occlusion", "pct = 0");
    let (t, _) = adult("occluder", "0:17:00", "", &events);
    let fall = t.at("0:15:00", "reservoir_volume_ml") - t.at("0:15:20", "reservoir_volume_ml");
    // 20 s at 4.7 L/min = 1567 mL pumped with nothing coming back (the level detector stops
    // the pump first if the reservoir would run dry).
    within(
        fall,
        1000.0,
        1600.0,
        "reservoir fall in 20 s with the venous line occluded",
    );
    assert_eq!(t.at("0:15:10", "venous_occlusion_pct"), 100.0);
    assert!(t.at("0:17:00", "reservoir_volume_ml") > t.at("0:15:20", "reservoir_volume_ml"));
}

/// Detectors: a tripped level detector keeps the pump stopped after the cause is gone until it
/// is reset; the bubble detector the same after arterial air. Disarmed, the detectors let the
/// reservoir run dry and pump air into the patient, counted in `air_to_patient_ml`.
#[test]
fn detectors_latch_until_reset_and_disarmed_ones_let_air_through() {
    let events = arrested()
        + &event("0:10:00", "fault", "kind = \"venous-airlock\"")
        + &event("0:11:00", "clear-fault", "kind = \"venous-airlock\"")
        + &event("0:12:00", "reset-detector", "kind = \"level\"")
        + &event("0:14:00", "fault", "kind = \"arterial-air\"")
        + &event("0:14:10", "clear-fault", "kind = \"arterial-air\"")
        + &event("0:15:00", "reset-detector", "kind = \"bubble\"");
    let (t, summary) = adult("detectors", "0:16:00", "", &events);
    assert!(summary.contains("events applied 10/10"), "{summary}");
    assert_eq!(
        t.at("0:10:50", "pump_flow_l_min"),
        0.0,
        "level detector stopped the pump"
    );
    assert_eq!(
        t.at("0:11:50", "pump_flow_l_min"),
        0.0,
        "still stopped after the cause"
    );
    assert!(
        t.text(seconds("0:11:50"), "alarms")
            .contains("high:reservoir-empty")
    );
    assert!(
        t.at("0:13:00", "pump_flow_l_min") > 4.0,
        "running again after reset"
    );
    assert_eq!(
        t.at("0:14:05", "pump_flow_l_min"),
        0.0,
        "bubble detector stopped the pump"
    );
    assert!(
        t.text(seconds("0:14:05"), "alarms")
            .contains("high:arterial-air")
    );
    assert_eq!(
        t.at("0:14:50", "pump_flow_l_min"),
        0.0,
        "air cleared: still stopped"
    );
    assert!(t.at("0:15:30", "pump_flow_l_min") > 4.0);
    assert_eq!(
        t.at("0:16:00", "air_to_patient_ml"),
        0.0,
        "no air past armed detectors"
    );

    // Both disarmed, the same air lock empties the reservoir and the pump pumps air.
    let events = arrested()
        + &event("0:09:00", "disarm-detector", "kind = \"level\"")
        + &event("0:09:00", "disarm-detector", "kind = \"bubble\"")
        + &event("0:10:00", "fault", "kind = \"venous-airlock\"");
    let (t, _) = adult("detectors-disarmed", "0:11:00", "", &events);
    assert!(
        t.text(seconds("0:09:30"), "alarms")
            .contains("low:detector-disarmed")
    );
    let air = t.at("0:11:00", "air_to_patient_ml");
    assert!(air > 100.0, "air to patient {air} mL");
    assert!(
        t.text(seconds("0:11:00"), "alarms")
            .contains("high:air-embolism")
    );
}

/// Weaning: `end-bypass` stops the pump and closes the venous line without moving the
/// reservoir (wave 1 emptied it into the patient in one step); `return-volume` gives it back
/// at a rate. A by-the-book wean ends with CI 2.0–3.0, MAP 60–90, CVP 6–14 (Gravlee).
#[test]
fn weaning_by_the_book() {
    let mut events = arrested() + &event("0:40:00", "cross-clamp-off", "");
    for (i, (occlusion, flow)) in [(50, 3.5), (70, 2.5), (85, 1.5), (95, 0.8)]
        .iter()
        .enumerate()
    {
        let at = format!("0:5{i}:00");
        events += &event(&at, "set-venous-occlusion", &format!("pct = {occlusion}"));
        events += &event(&at, "set-flow", &format!("flow_l_min = {flow}"));
    }
    events += &event("0:55:00", "end-bypass", "");
    events += &event("0:56:00", "return-volume", "ml = 400");
    events += &event("0:56:00", "protamine", "mg = 320");
    let (t, _) = adult("wean", "1:10:00", "", &events);
    within(
        t.at("0:55:59", "reservoir_volume_ml") - t.at("0:55:00", "reservoir_volume_ml"),
        -1.0,
        1.0,
        "reservoir change after end-bypass",
    );
    assert_eq!(t.at("0:55:30", "pump_flow_l_min"), 0.0);
    let returned = t.at("0:56:00", "reservoir_volume_ml") - t.at("0:58:00", "reservoir_volume_ml");
    within(returned, 395.0, 405.0, "volume returned");
    // Not in one step: a quarter of full flow per minute.
    assert!(
        t.at("0:56:10", "reservoir_volume_ml") > t.at("0:56:00", "reservoir_volume_ml") - 250.0
    );
    let ci = t.at("1:05:00", "cardiac_output_l_min") / 1.97;
    within(ci, 2.0, 3.0, "CI after weaning");
    within(t.at("1:05:00", "map_mmhg"), 60.0, 90.0, "MAP after weaning");
    within(t.at("1:05:00", "cvp_mmhg"), 6.0, 14.0, "CVP after weaning");
    assert_eq!(t.text(seconds("1:05:00"), "phase"), "post-bypass");
}

/// Anticoagulation is a safety system: bypass without heparin clots the circuit within minutes
/// (oxygenator ΔP up, gas transfer down, a visible-thrombus high alarm; Young 1978: clots below
/// ACT 300 s). The `low-act` alarm reads the last *measured* ACT, whose result comes when the
/// clot forms, and `act-due` sounds when none was drawn in 30 min on bypass.
#[test]
fn low_act_clots_the_circuit_and_alarms_read_measured_values() {
    let toml = r#"[scenario]
name = "no heparin"
duration = "0:20:00"
[patient]
sex = "male"
age_years = 65
height_cm = 175
weight_kg = 80
hct_pct = 40
[circuit]
prime_ml = 1500
sweep_l_min = 3.3
[[events]]
at = "0:02:00"
action = "start-bypass"
flow_l_min = 4.7
[[events]]
at = "0:03:00"
action = "draw-act"
"#;
    let (t, _) = Table::run_text("no-heparin", toml, "1s");
    let dp = t.at("0:03:00", "oxygenator_dp_mmhg");
    assert!(
        t.at("0:15:00", "oxygenator_dp_mmhg") > 2.0 * dp,
        "ΔP did not rise"
    );
    assert!(t.at("0:15:00", "pao2_mmhg") < 0.6 * t.at("0:03:00", "pao2_mmhg"));
    assert!(
        t.text(seconds("0:12:00"), "alarms")
            .contains("high:circuit-thrombosis")
    );
    // The ACT drawn at 0:03 (≈ 140 s) reports ≈ 170 s later; before it, no low-act alarm.
    assert!(!t.text(seconds("0:04:00"), "alarms").contains("low-act"));
    assert_eq!(t.text(seconds("0:04:00"), "measured_act_s"), "");
    assert!(t.at("0:06:00", "measured_act_s") < 200.0);
    assert!(
        t.text(seconds("0:06:00"), "alarms")
            .contains("medium:low-act")
    );

    // With heparin and no ACT drawn, act-due sounds from the start of bypass.
    let (t, _) = adult("act-due", "0:40:00", "", &arrested());
    assert!(
        t.text(seconds("0:06:00"), "alarms")
            .contains("medium:act-due")
    );
    assert!(!t.text(seconds("0:06:00"), "alarms").contains("low-act"));
    let events = arrested() + &event("0:04:00", "draw-act", "");
    let (t, _) = adult("act-drawn", "0:40:00", "", &events);
    assert!(!t.text(seconds("0:20:00"), "alarms").contains("act-due"));
    assert!(
        t.text(seconds("0:35:00"), "alarms")
            .contains("medium:act-due")
    );
    assert!(t.at("0:20:00", "measured_act_s") > 480.0);
}

/// Blood gases are measured too: `send-abg` reports after 90 s in the `measured_*` columns,
/// the values as they were when drawn.
#[test]
fn blood_gas_results_arrive_after_the_analyser_delay() {
    let events = arrested() + &event("0:10:00", "send-abg", "");
    let (t, _) = adult("abg", "0:13:00", "", &events);
    assert_eq!(t.text(seconds("0:11:29"), "measured_pao2_mmhg"), "");
    within(
        t.at("0:11:31", "measured_pao2_mmhg") - t.at("0:10:00", "pao2_mmhg"),
        -1.0,
        1.0,
        "measured PaO2 vs PaO2 when drawn",
    );
    within(
        t.at("0:11:31", "measured_hct_pct") - t.at("0:10:00", "hct_pct"),
        -0.2,
        0.2,
        "measured Hct",
    );
}

/// Cardioplegia is delivered at a rate (Searles 2021: 250–400 mL/min antegrade), not in one
/// step; without a cross-clamp it is systemic potassium and the run says so.
#[test]
fn cardioplegia_is_timed_and_needs_a_clamp() {
    let (t, summary) = adult("plegia", "0:20:00", "", &arrested());
    within(
        t.at("0:08:00", "cardioplegia_ml"),
        250.0,
        350.0,
        "delivered after 1 min",
    );
    within(
        t.at("0:11:00", "cardioplegia_ml"),
        999.0,
        1001.0,
        "the whole dose",
    );
    assert!(t.at("0:08:00", "cardioplegia_pressure_mmhg") > 40.0);
    assert_eq!(t.at("0:08:00", "minutes_since_cardioplegia"), 0.0);
    within(
        t.at("0:20:00", "minutes_since_cardioplegia"),
        9.0,
        11.0,
        "minutes since",
    );
    assert_eq!(t.text(seconds("0:10:00"), "rhythm"), "asystole");
    assert!(!summary.contains("warning"), "{summary}");

    let events = event("0:07:00", "cardioplegia", "ml = 1000");
    let (t, summary) = adult("plegia-no-clamp", "0:12:00", "", &events);
    assert!(summary.contains("(cardioplegia) warning: cardioplegia without a cross-clamp"));
    assert!(t.at("0:11:00", "k_mmol_l") > t.at("0:06:00", "k_mmol_l") + 0.8);
    assert_ne!(
        t.text(seconds("0:11:00"), "rhythm"),
        "asystole",
        "no clamp, no arrest"
    );
}

/// Ultrafiltration removes at a rate (default 150 mL/min; hemoconcentrators ≤ 200), not 1 L in
/// one step; a rate above the device's is refused with the field named.
#[test]
fn ultrafiltration_takes_time() {
    let events = arrested() + &event("0:15:00", "ultrafiltrate", "ml = 1000");
    let (t, _) = adult("uf", "0:25:00", "", &events);
    within(
        t.at("0:16:00", "ultrafiltrate_ml"),
        140.0,
        160.0,
        "removed in 1 min",
    );
    within(
        t.at("0:22:00", "ultrafiltrate_ml"),
        990.0,
        1000.0,
        "removed in 7 min",
    );
    assert!(t.at("0:22:00", "hct_pct") > t.at("0:15:00", "hct_pct") + 2.0);
}

/// Alarm hysteresis (IEC 60601-1-8 practice): on a steady trajectory no alarm sounds twice
/// within 10 s. Wave 1 raised `high-line-pressure` 4 times in 15 s at 7.5 L/min and
/// `high-arterial-temp` 4 times in 5 s while rewarming.
#[test]
fn alarms_do_not_chatter() {
    let events = arrested()
        + &event("0:08:00", "set-flow", "flow_l_min = 7.5")
        + &event("0:12:00", "set-flow", "flow_l_min = 4.7")
        + &event("0:12:00", "set-water-temp", "temp_c = 39")
        + &event("0:30:00", "set-water-temp", "temp_c = 37");
    let (t, _) = adult("chatter", "0:40:00", "", &events);
    let time = t.header["time_s"];
    let alarms = t.header["alarms"];
    let mut last_onset: std::collections::HashMap<String, f64> = Default::default();
    let mut active = std::collections::HashSet::<String>::new();
    for row in &t.rows {
        let now: f64 = row[time].parse().unwrap();
        let current: std::collections::HashSet<String> = row[alarms]
            .split(';')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        for alarm in current.difference(&active) {
            if let Some(before) = last_onset.insert(alarm.clone(), now) {
                assert!(
                    now - before >= 10.0,
                    "{alarm} sounded at {before} and again at {now} s"
                );
            }
        }
        active = current;
    }
    assert!(last_onset.contains_key("high:high-line-pressure"));
    assert!(last_onset.contains_key("medium:high-arterial-temp"));
}
