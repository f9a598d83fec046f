//! Objectives are scored once per simulated second, whatever the sampling interval.

use perfuse_scenario::{Run, RunOptions, parse};

const SCENARIO: &str = r#"[scenario]
name = "scoring"
duration = "0:02:00"

[patient]
sex = "female"
age_years = 50
height_cm = 165
weight_kg = 65
hct_pct = 38

[circuit]
prime_ml = 1400

[[objectives]]
observe = "map_mmhg"
max = 10
during = "pre-bypass"
grace_s = 0

[[objectives]]
observe = "hct_pct"
min = 20
max = 50

[[objectives]]
observe = "map_mmhg"
min = 50
during = "bypass"
"#;

fn scores(every_ms: u64) -> Vec<(u64, u64, bool)> {
    let scenario = parse(SCENARIO, "scoring.toml").unwrap();
    let mut run = Run::new(
        &scenario,
        &RunOptions {
            every_ms,
            ..RunOptions::default()
        },
    )
    .unwrap();
    while run.next_sample().is_some() {}
    run.scores()
        .iter()
        .map(|s| (s.applicable_s, s.out_of_range_s, s.met()))
        .collect()
}

#[test]
fn seconds_in_and_out_of_range() {
    let scores = scores(10_000);
    // A pre-bypass MAP never below 10 mmHg: every one of the 120 s is out of range.
    assert_eq!(scores[0], (120, 120, false));
    // A normal Hct stays within 20–50 %: met; it is judged after the default 60 s grace.
    assert_eq!(scores[1], (60, 0, true));
    // Never on bypass: the objective never applies, so it is (vacuously) met.
    assert_eq!(scores[2], (0, 0, true));
}

#[test]
fn scores_do_not_depend_on_the_sampling_interval() {
    assert_eq!(scores(1000), scores(60_000));
}
