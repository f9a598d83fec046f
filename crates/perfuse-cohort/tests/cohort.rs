//! Specs with their errors, and patients through arms: the scaling rules and determinism.

use perfuse_cohort::{Cohort, Param, parse};
use perfuse_sim::Action;

const SCENARIO: &str = r#"
[scenario]
name = "short bypass"
duration = "0:20:00"
seed = 1

[patient]
sex = "male"
age_years = 65
height_cm = 175
weight_kg = 80
hct_pct = 40

[circuit]
prime_ml = 1500
sweep_l_min = 3.0

[[events]]
at = "0:01:00"
action = "heparin"
units = 32000

[[events]]
at = "0:04:00"
action = "start-bypass"
flow_l_min = 4.7

[[events]]
at = "0:05:00"
action = "set-water-temp"
temp_c = 34

[[events]]
at = "0:15:00"
action = "set-flow"
flow_l_min = 2.35

[[objectives]]
observe = "map_mmhg"
min = 50
during = "bypass"
"#;

const SPEC: &str = r#"
[cohort]
name = "test"
scenario = "short.toml"
patients = 4
seed = 42

[population]
female_pct = 50
age_years = { dist = "normal", mean = 70, sd = 8, min = 60, max = 85 }
height_cm.male = { dist = "normal", mean = 175, sd = 7, min = 155, max = 195 }
height_cm.female = { dist = "normal", mean = 162, sd = 6, min = 145, max = 180 }
bmi_kg_m2 = { dist = "lognormal", median = 27, gsd = 1.15, min = 18, max = 40 }
hct_pct = { dist = "uniform", min = 30, max = 38 }
contractility = { dist = "fixed", value = 0.8 }

[[arms]]
name = "CI 2.2"
flow_index_l_min_m2 = 2.2

[[arms]]
name = "CI 2.6 cold"
flow_index_l_min_m2 = 2.6
remove_actions = ["set-water-temp"]
circuit = { prime_ml = 1200 }

[[arms.events]]
at = "0:05:00"
action = "set-water-temp"
temp_c = 28
"#;

fn cohort(spec: &str) -> Cohort {
    Cohort::new(parse(spec, "spec.toml").unwrap(), SCENARIO, "short.toml").unwrap()
}

#[test]
fn arms_scale_flows_and_doses_to_the_patient() {
    let cohort = cohort(SPEC);
    let patient = cohort.patient(2).unwrap();
    let bsa = patient.bsa_m2();
    let weight = patient.weight_kg();
    for (arm, index) in [(0, 2.2), (1, 2.6)] {
        let scenario = cohort.scenario(&patient, arm).unwrap();
        assert_eq!(scenario.patient.weight_kg, weight);
        assert_eq!(scenario.patient.height_cm, patient.get(Param::HeightCm));
        let find = |name: &str| -> Vec<Action> {
            scenario
                .events
                .iter()
                .filter(|e| e.action.name() == name)
                .map(|e| e.action)
                .collect()
        };
        let flows: Vec<f64> = find("start-bypass")
            .into_iter()
            .chain(find("set-flow"))
            .map(|a| match a {
                Action::StartBypass { flow_l_min } | Action::SetFlow { flow_l_min } => flow_l_min,
                _ => unreachable!(),
            })
            .collect();
        // Full flow is the arm's index × BSA; the wean step keeps its half.
        assert!((flows[0] - index * bsa).abs() < 1e-9, "{flows:?}");
        assert!((flows[1] - flows[0] / 2.0).abs() < 1e-9);
        let heparin = find("heparin")[0];
        assert!(
            matches!(heparin, Action::Heparin { units } if (units - 400.0 * weight).abs() < 1e-6)
        );
        assert_eq!(find("set-contractility").len(), 1);
        let water = find("set-water-temp");
        assert_eq!(water.len(), 1);
        assert!(
            matches!(water[0], Action::SetWaterTemp { temp_c } if temp_c == if arm == 0 { 34.0 } else { 28.0 })
        );
        assert_eq!(
            scenario.circuit.prime_ml,
            if arm == 0 { 1500.0 } else { 1200.0 }
        );
        assert_eq!(scenario.seed, cohort.sim_seed(2));
    }
}

#[test]
fn a_run_is_reproducible_and_its_metrics_are_physiological() {
    let cohort = cohort(SPEC);
    let patient = cohort.patient(1).unwrap();
    let mut samples = 0;
    let first = cohort.run(&patient, 0, |_| samples += 1);
    assert_eq!(samples, 20 * 60 + 1);
    assert_eq!(first, cohort.run(&patient, 0, |_| {}));
    let m = first.outcome.unwrap();
    // Dilution by 1.5 L of crystalloid prime lowers the Hct below the pre-operative value.
    let nadir = m.nadir_hct_pct.unwrap();
    assert!(
        nadir < patient.get(Param::HctPct) && nadir > 15.0,
        "{nadir}"
    );
    assert!(m.nadir_do2i_ml_min_m2.unwrap() > 100.0);
    assert!(m.peak_lactate_mmol_l >= 1.0 && m.objectives_total == 1);
    // A higher flow index delivers more oxygen to the same patient.
    let high = cohort.run(&patient, 1, |_| {}).outcome.unwrap();
    assert!(high.nadir_do2i_ml_min_m2 > m.nadir_do2i_ml_min_m2);
}

fn error(spec: &str) -> String {
    match parse(spec, "spec.toml") {
        Ok(spec) => match Cohort::new(spec, SCENARIO, "short.toml") {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        },
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_specs_name_the_line_field_and_range() {
    let cases = [
        (
            SPEC.replace("patients = 4", "patients = 0"),
            "spec.toml:5: cohort.patients: 0: must be between 1 and 1000000",
        ),
        (
            SPEC.replace("sd = 8, min = 60", "sd = -8, min = 60"),
            "spec.toml:10: population.age_years.sd: -8: must be greater than 0",
        ),
        (
            SPEC.replace("min = 30, max = 38", "min = 38, max = 30"),
            "spec.toml:14: population.hct_pct.min: 38 is above max 30",
        ),
        (
            SPEC.replace("min = 30, max = 38", "min = 10, max = 38"),
            "spec.toml:14: population.hct_pct: draws values in 10–38; hct_pct must stay between 15 and 65 %",
        ),
        (
            SPEC.replace("flow_index_l_min_m2 = 2.2", "flow_index_l_min_m2 = 6"),
            "spec.toml:19: arms[0].flow_index_l_min_m2: 6: must be between 1 and 3.5 L/min/m2",
        ),
        (
            SPEC.replace("prime_ml = 1200", "prime_ml = 50"),
            "short.toml: arms[1] (CI 2.6 cold): circuit.prime_ml: 50: must be between 100 and 5000 mL",
        ),
        (
            SPEC.replace("temp_c = 28", "temp_c = 60"),
            "short.toml: arms[1] (CI 2.6 cold): events[0].temp_c",
        ),
        (
            SPEC.replace("hct_pct = {", "hematocrit = {"),
            "spec.toml:14: population.hematocrit: unknown field `hematocrit`, expected one of",
        ),
        (
            SPEC.replace("dist = \"uniform\"", "dist = \"beta\""),
            "population.hct_pct.dist: unknown distribution \"beta\"",
        ),
    ];
    for (spec, expected) in cases {
        let message = error(&spec);
        assert!(message.contains(expected), "{message}\nexpected {expected}");
    }
}

#[test]
fn del_nido_follows_its_capped_per_kg_rule() {
    // The base gives the adult cap, 1000 mL, to its 80 kg patient; a 46 kg patient gets
    // 20 mL/kg = 920 mL (Matte & del Nido 2012), not 1000 × 46/80 = 575; a 120 kg patient
    // stays at the cap; blood cardioplegia is scaled by weight alone.
    let base = SCENARIO.replace(
        "[[objectives]]",
        "[[events]]\nat = \"0:06:00\"\naction = \"cardioplegia\"\nml = 1000\n\n\
         [[events]]\nat = \"0:07:00\"\naction = \"cardioplegia\"\nml = 400\nkind = \"blood-4-1\"\n\n[[objectives]]",
    );
    for (height_cm, bmi, weight_kg, del_nido_ml, blood_ml) in [
        ("150", "20.4", 45.9, 918.0, 400.0 * 45.9 / 80.0),
        ("190", "33.2", 119.9, 1000.0, 400.0 * 119.9 / 80.0),
    ] {
        let spec = SPEC
            .replace("female_pct = 50", "female_pct = 0")
            .replace(
                "height_cm.male = { dist = \"normal\", mean = 175, sd = 7, min = 155, max = 195 }",
                &format!("height_cm.male = {{ dist = \"fixed\", value = {height_cm} }}"),
            )
            .replace(
                "bmi_kg_m2 = { dist = \"lognormal\", median = 27, gsd = 1.15, min = 18, max = 40 }",
                &format!("bmi_kg_m2 = {{ dist = \"fixed\", value = {bmi} }}"),
            );
        let cohort = Cohort::new(parse(&spec, "spec.toml").unwrap(), &base, "short.toml").unwrap();
        let patient = cohort.patient(0).unwrap();
        assert_eq!(patient.weight_kg(), weight_kg);
        let scenario = cohort.scenario(&patient, 0).unwrap();
        let doses: Vec<f64> = scenario
            .events
            .iter()
            .filter_map(|e| match e.action {
                Action::Cardioplegia { ml, .. } => Some(ml),
                _ => None,
            })
            .collect();
        assert_eq!(doses.len(), 2);
        assert!((doses[0] - del_nido_ml).abs() < 1e-9, "{doses:?}");
        assert!((doses[1] - blood_ml).abs() < 1e-9, "{doses:?}");
    }
}

#[test]
fn empirical_distributions_read_inline_tables_and_csv_files() {
    let spec = SPEC
        .replace(
            "age_years = { dist = \"normal\", mean = 70, sd = 8, min = 60, max = 85 }",
            "age_years = { dist = \"empirical\", file = \"ages.csv\" }\n\
         hct_pct.male = { dist = \"empirical\", values = [33, 36], weights = [0, 1] }\n\
         hct_pct.female = { dist = \"fixed\", value = 34 }",
        )
        .replace("hct_pct = { dist = \"uniform\", min = 30, max = 38 }\n", "");
    let files = |text: &'static str| {
        move |name: &str| -> Result<(String, String), String> {
            assert_eq!(name, "ages.csv");
            Ok((format!("cohorts/{name}"), text.to_owned()))
        }
    };
    let good = files("value,weight,source\n64,1,registry\n\n71,2,registry\n");
    let read = &good;
    let parsed = perfuse_cohort::parse_with_files(&spec, "spec.toml", read).unwrap();
    let cohort = Cohort::new(parsed, SCENARIO, "short.toml").unwrap();
    for id in 0..20 {
        let p = cohort.patient(id).unwrap();
        assert!([64.0, 71.0].contains(&p.get(Param::AgeYears)));
        let hct = p.get(Param::HctPct);
        assert!(hct == 36.0 || hct == 34.0, "{hct}");
    }
    // Errors point into the CSV (its line) or the spec (the key).
    let read = files("value,weight\n64,1\n71,heavy\n");
    let e = perfuse_cohort::parse_with_files(&spec, "spec.toml", &read).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cohorts/ages.csv:3: population.age_years.file: weight \"heavy\": not a finite number"
    );
    let read = files("value,weight\n64,0\n");
    let e = perfuse_cohort::parse_with_files(&spec, "spec.toml", &read).unwrap_err();
    assert!(e.to_string().contains("weights: are all 0"), "{e}");
    let bad = spec.replace("weights = [0, 1]", "weights = [0, 1], sd = 2");
    let e = perfuse_cohort::parse_with_files(&bad, "spec.toml", &good).unwrap_err();
    assert_eq!(e.field, "population.hct_pct.male.sd");
    // Out of the simulator's range: refused when the spec is read.
    let bad = spec.replace("values = [33, 36]", "values = [33, 80]");
    let e = perfuse_cohort::parse_with_files(&bad, "spec.toml", &good).unwrap_err();
    assert!(
        e.message.contains("hct_pct must stay between 15 and 65"),
        "{e}"
    );
    // The plain `parse` reads no files and says so.
    let e = parse(&spec, "spec.toml").unwrap_err();
    assert_eq!(e.field, "population.age_years.file");
}

#[test]
fn every_shipped_spec_binds_to_its_base_scenario() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cohorts");
    let mut specs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        if path.extension().is_none_or(|e| e != "toml") || !text.contains("[cohort]") {
            continue;
        }
        let file = path.display().to_string();
        let spec = parse(&text, &file).unwrap_or_else(|e| panic!("{e}"));
        let scenario_path = dir.join(&spec.scenario);
        let scenario = std::fs::read_to_string(&scenario_path).unwrap();
        Cohort::new(spec, &scenario, &scenario_path.display().to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        specs += 1;
    }
    assert!(specs >= 3, "{specs} specs in {}", dir.display());
}

/// summary.md keeps 8 numbers a run, not the rows: its medians are those of the runs, whatever
/// order the rows arrive in, and a failed run is counted.
#[test]
fn summary_md_medians_are_the_runs_in_any_order() {
    use perfuse_cohort::stats::{MetricTable, markdown, quantile};
    use perfuse_cohort::table::{Cell, SUMMARY_COLUMNS, summary_row};
    let cohort = cohort(&SPEC.replace("patients = 4", "patients = 3"));
    let spec = cohort.spec();
    let mut rows = Vec::new();
    let mut nadir_hct = Vec::new();
    for id in 0..3 {
        let patient = cohort.patient(id).unwrap();
        for arm in 0..2 {
            let run = cohort.run(&patient, arm, |_| {});
            if arm == 0 {
                nadir_hct.push(run.outcome.as_ref().unwrap().nadir_hct_pct.unwrap());
            }
            rows.push(summary_row(spec, &run));
        }
    }
    // A run that failed: its row carries the error and no metrics.
    let error = SUMMARY_COLUMNS
        .iter()
        .position(|c| c.name == "error")
        .unwrap();
    let mut failed = rows[0].clone();
    for cell in &mut failed[3..] {
        *cell = Cell::Null;
    }
    failed[error] = Cell::Text("simulation diverged".into());
    let table = |rows: &mut dyn Iterator<Item = &Vec<Cell>>| {
        let mut t = MetricTable::new(spec, 3);
        rows.for_each(|r| t.add(r));
        markdown(spec, 3, &t)
    };
    let forward = table(&mut rows.iter());
    assert_eq!(forward, table(&mut rows.iter().rev()));
    nadir_hct.sort_by(f64::total_cmp);
    let median = quantile(&nadir_hct, 0.5).unwrap();
    assert!(
        forward.contains(&format!("| nadir_hct_pct | {median:.1} [")),
        "{median}\n{forward}"
    );
    assert!(forward.contains("Runs that failed: 0"));
    let with_failure = table(&mut rows[1..].iter().chain([&failed]));
    assert!(
        with_failure.contains("Runs that failed: 1"),
        "{with_failure}"
    );
}
