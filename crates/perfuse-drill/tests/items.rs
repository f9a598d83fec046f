//! Generated items: inputs within the catalog's ranges and plausible, answers the catalog
//! recomputes, the same items for the same seed, filters that do what they say.

use perfuse_clinical::catalog::{self, Given, InputKind};
use perfuse_drill::{
    DrillError, Filter, Item, Outcome, Section, Tolerance, decimals, generate, grade, item_types,
    topics,
};
use proptest::prelude::*;

/// Re-evaluates every step through the catalog from its recorded inputs alone.
fn check_item(item: &Item) {
    // Only a base excess may be negative; every other answer is a dose, flow, volume or level.
    assert!(item.answer.is_finite(), "{item:?}");
    assert!(item.answer > 0.0 || item.calculation == "sbe", "{item:?}");
    assert!(!item.steps.is_empty());
    for (i, step) in item.steps.iter().enumerate() {
        let calculation = catalog::find(step.calculation).expect("a catalog calculation");
        let mut given = Given::default();
        for q in &step.numbers {
            let input = calculation
                .inputs
                .iter()
                .find(|input| input.flag == q.name)
                .unwrap_or_else(|| panic!("{}: no input {}", step.calculation, q.name));
            let InputKind::Number { unit, range, .. } = &input.kind else {
                panic!("{} is not a number", q.name)
            };
            assert!(
                range.contains(q.value),
                "{}: {} = {}",
                item.id,
                q.name,
                q.value
            );
            assert_eq!(*unit, q.unit);
            given = given.number(q.name, q.value);
        }
        for (flag, name) in &step.choices {
            given = given.choice(flag, name);
        }
        let value = calculation.evaluate(&given).expect("catalog accepts").value;
        let scale = 10f64.powi(decimals(step.unit) as i32);
        assert_eq!(
            (value * scale).round() / scale,
            step.result,
            "{} step {i}",
            item.id
        );
        // A later step uses an earlier result only as written down.
        if i > 0 {
            let earlier: Vec<f64> = item.steps[..i].iter().map(|s| s.result).collect();
            let derived = step.numbers.iter().filter(|q| {
                !item
                    .inputs
                    .iter()
                    .any(|g| g.name == q.name && g.value == q.value)
            });
            for q in derived {
                assert!(
                    earlier.contains(&q.value),
                    "{}: {} from nowhere",
                    item.id,
                    q.name
                );
            }
        }
    }
    // A learner who carries full precision through the chain is right too.
    let mut exact: Vec<f64> = Vec::new();
    for step in &item.steps {
        let calculation = catalog::find(step.calculation).unwrap();
        let mut given = Given::default();
        for q in &step.numbers {
            let is_given = item
                .inputs
                .iter()
                .any(|g| g.name == q.name && g.value == q.value);
            let value = match item.steps.iter().position(|s| s.result == q.value) {
                Some(k) if !is_given && k < exact.len() => exact[k],
                _ => q.value,
            };
            given = given.number(q.name, value);
        }
        for (flag, name) in &step.choices {
            given = given.choice(flag, name);
        }
        exact.push(calculation.evaluate(&given).unwrap().value);
    }
    let unrounded = format!("{} {}", exact.last().unwrap(), item.unit);
    assert_eq!(
        grade(item, &unrounded).outcome,
        Outcome::Correct,
        "{}: {unrounded}",
        item.id
    );
    let last = item.steps.last().unwrap();
    assert_eq!(
        (item.answer, item.unit, item.calculation),
        (last.result, last.unit, last.calculation)
    );
    // Plausible patients: the weight fits the height (BMI 18.5–35, WHO classes).
    let given = |name: &str| item.inputs.iter().find(|q| q.name == name).map(|q| q.value);
    if let (Some(height_cm), Some(weight_kg)) = (given("height-cm"), given("weight-kg")) {
        let bmi = weight_kg / (height_cm / 100.0).powi(2);
        assert!((18.5..=35.0).contains(&bmi), "{}: BMI {bmi}", item.id);
    }
    // The answer as written is right; just beyond the tolerance it is wrong.
    let written = format!("{} {}", item.answer_text(), item.unit);
    assert_eq!(grade(item, &written).outcome, Outcome::Correct, "{written}");
    let beyond = item.answer + item.tolerance.allowed(item.answer) * 1.01 + 1e-6;
    assert_eq!(
        grade(item, &format!("{beyond} {}", item.unit)).outcome,
        Outcome::Wrong
    );
    assert!(item.vignette.ends_with('?'), "{}", item.vignette);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn every_item_is_in_range_and_recomputed_by_the_catalog(seed in any::<u64>()) {
        for item in generate(seed, 40, &Filter::default()).unwrap() {
            check_item(&item);
        }
    }
}

#[test]
fn every_item_type_is_generated_and_checked() {
    for item_type in item_types() {
        let filter = Filter {
            topic: Some(item_type.name.to_owned()),
            ..Filter::default()
        };
        let items = generate(1, 200, &filter).unwrap();
        for item in &items {
            assert_eq!(item.kind, item_type.name);
            assert_eq!(item.section, item_type.section);
            let used: Vec<&str> = item.steps.iter().map(|s| s.calculation).collect();
            assert_eq!(used, item_type.calculations);
            check_item(item);
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_items() {
    let filter = Filter::default();
    let a = generate(42, 50, &filter).unwrap();
    assert_eq!(a, generate(42, 50, &filter).unwrap());
    assert_ne!(a, generate(43, 50, &filter).unwrap());
    // A longer set starts with the shorter one.
    assert_eq!(a[..10], generate(42, 10, &filter).unwrap()[..]);
    assert_eq!(a[0].id, "42-1");
}

/// Pins the stream: ChaCha8 is portable, so this holds on every machine; a change here means
/// every published seed now gives different items.
#[test]
fn seed_1_is_pinned() {
    let kinds: Vec<&str> = generate(1, 5, &Filter::default())
        .unwrap()
        .iter()
        .map(|i| i.kind)
        .collect();
    assert_eq!(kinds, PINNED_SEED_1);
}
const PINNED_SEED_1: [&str; 5] = [
    "fick-vo2i",
    "heparin-loading",
    "line-volume",
    "ultrafiltration",
    "prbc-to-target-hct",
];

#[test]
fn filters_select_and_errors_name_the_accepted_values() {
    let filter = Filter {
        section: Some(Section::Pharmacology),
        topic: None,
    };
    for item in generate(3, 60, &filter).unwrap() {
        assert_eq!(item.section, Section::Pharmacology);
    }
    let filter = Filter {
        section: None,
        topic: Some("protamine-dose".to_owned()),
    };
    for item in generate(3, 20, &filter).unwrap() {
        assert_eq!(item.kind, "heparin-protamine");
    }
    let unknown = Filter {
        section: None,
        topic: Some("cardiac-output".to_owned()),
    };
    let error = generate(3, 1, &unknown).unwrap_err();
    assert!(matches!(error, DrillError::UnknownTopic { .. }));
    assert!(error.to_string().contains("bsa-target-flow"), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("--topic cardiac-output: expected one of")
    );
    let mismatched = Filter {
        section: Some(Section::Monitoring),
        topic: Some("heparin-loading".to_owned()),
    };
    let error = generate(3, 1, &mismatched).unwrap_err().to_string();
    assert!(error.contains("map-svr"), "{error}");
    let empty = Filter {
        section: Some(Section::QualityAssurance),
        topic: None,
    };
    assert_eq!(
        generate(3, 1, &empty).unwrap_err(),
        DrillError::EmptySection {
            section: Section::QualityAssurance
        }
    );
    assert!(topics().contains(&"do2i"));
}

/// A hand-made item: grading depends only on answer, unit and tolerance.
fn item(answer: f64, unit: &'static str, tolerance: Tolerance) -> Item {
    let mut item = generate(1, 1, &Filter::default()).unwrap().remove(0);
    item.answer = answer;
    item.unit = unit;
    item.tolerance = tolerance;
    item
}

#[test]
fn tolerance_boundaries_are_inclusive_and_exact() {
    // ±2 % of 4.80 L/min is ±0.096 L/min.
    let flow = item(4.8, "L/min", Tolerance::RelativePct(2.0));
    for (answer, outcome) in [
        ("4.896 L/min", Outcome::Correct),
        ("4.704 L/min", Outcome::Correct),
        ("4.8961 L/min", Outcome::Wrong),
        ("4.7039 L/min", Outcome::Wrong),
        ("4896 mL/min", Outcome::Correct),
        ("4897 mL/min", Outcome::Wrong),
    ] {
        assert_eq!(grade(&flow, answer).outcome, outcome, "{answer}");
    }
    // ±1 % (absolute, Hct points) around 28.0 %.
    let hct = item(28.0, "%", Tolerance::Absolute(1.0));
    for (answer, outcome) in [
        ("29 %", Outcome::Correct),
        ("27%", Outcome::Correct),
        ("29.01 %", Outcome::Wrong),
        ("26.99 %", Outcome::Wrong),
    ] {
        assert_eq!(grade(&hct, answer).outcome, outcome, "{answer}");
    }
    // ±0.02 around pH 7.53: 0.02 is not exact in binary, the boundary still holds.
    let ph = item(7.53, "pH", Tolerance::Absolute(0.02));
    assert_eq!(grade(&ph, "7.55").outcome, Outcome::Correct);
    assert_eq!(grade(&ph, "7.51").outcome, Outcome::Correct);
    assert_eq!(grade(&ph, "7.5501").outcome, Outcome::Wrong);
    assert_eq!(grade(&ph, "7.5099").outcome, Outcome::Wrong);
}

#[test]
fn units_are_converted_checked_or_missed() {
    let flow = item(4.8, "L/min", Tolerance::RelativePct(2.0));
    for (answer, outcome) in [
        ("4.8 L/min", Outcome::Correct),
        ("  4.8l/MIN ", Outcome::Correct),
        ("4.8 lpm", Outcome::Correct),
        ("4800 mL/min", Outcome::Correct),
        ("480 mL/min", Outcome::Wrong),
        ("4.8", Outcome::MissingUnit),
        ("4.8 mL", Outcome::WrongUnit),
        ("4.8 L/min please", Outcome::WrongUnit),
        ("abc", Outcome::NotANumber),
        ("", Outcome::NotANumber),
        ("-", Outcome::NotANumber),
        ("4,8 L/min", Outcome::NotANumber),
    ] {
        assert_eq!(grade(&flow, answer).outcome, outcome, "{answer:?}");
    }
    assert_eq!(grade(&flow, "4.8").value, Some(4.8));
    assert!(grade(&flow, "4.8").number_matches);
    assert!(grade(&flow, "4.8 mL").number_matches);
    assert!(!grade(&flow, "5.8 mL").number_matches);
    assert!(!grade(&flow, "480 mL/min").number_matches);
    assert_eq!(grade(&flow, "abc").value, None);
    let volume = item(1500.0, "mL", Tolerance::RelativePct(2.0));
    assert_eq!(grade(&volume, "1,500 mL").outcome, Outcome::Correct);
    assert_eq!(grade(&volume, "1.5 L").outcome, Outcome::Correct);
    assert_eq!(grade(&volume, "1,50 mL").outcome, Outcome::NotANumber);
    let svr = item(1200.0, "dyn*s/cm5", Tolerance::RelativePct(3.0));
    assert_eq!(grade(&svr, "1200 dyn·s/cm⁵").outcome, Outcome::Correct);
    assert_eq!(grade(&svr, "15 WU").outcome, Outcome::Correct);
    let do2i = item(300.0, "mL/min/m2", Tolerance::RelativePct(3.0));
    assert_eq!(grade(&do2i, "300 mL/min/m²").outcome, Outcome::Correct);
    assert_eq!(grade(&do2i, "300 mL/min").outcome, Outcome::WrongUnit);
    let ph = item(7.53, "pH", Tolerance::Absolute(0.02));
    assert_eq!(grade(&ph, "7.53 pH").outcome, Outcome::Correct);
    assert_eq!(grade(&ph, "7.53 mmHg").outcome, Outcome::WrongUnit);
    let heparin = item(32000.0, "units", Tolerance::RelativePct(1.0));
    assert_eq!(grade(&heparin, "32,000 U").outcome, Outcome::Correct);
    assert_eq!(grade(&heparin, "320 mg").outcome, Outcome::WrongUnit);
}
