//! Field-by-field validation of a [`Record`]: every rejection names the field path and says what
//! is accepted, so the CLI can print it and a web layer can return it as a 422.

use crate::error::{Error, Result};
use crate::model::{Event, LabSample, Pints, Record, VitalsSample};

/// Longest accepted free text (names, procedure, notes), characters.
const MAX_TEXT_CHARS: usize = 2000;
/// Longest record: 30 days of ECMO, s.
const MAX_TIME_S: f64 = 30.0 * 86_400.0;

/// Checks that `value` is finite and within `min..=max`.
pub(crate) fn check_range(field: &str, value: f64, min: f64, max: f64, unit: &str) -> Result<()> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{value}: must be between {min} and {max} {unit}"),
        ))
    }
}

/// Checks a time of a list kept in time order: within the record's span and not before the
/// `previous_s` of the item before it (then the new `previous_s`); `item` names the item in the
/// message ("sample", "entry").
fn check_time_in_order(field: String, time_s: f64, previous_s: &mut f64, item: &str) -> Result<()> {
    check_range(&field, time_s, 0.0, MAX_TIME_S, "s")?;
    if time_s < *previous_s {
        return Err(Error::invalid(
            field,
            format!("{time_s}: earlier than the {item} before it"),
        ));
    }
    *previous_s = time_s;
    Ok(())
}

/// Checks that a one-line text field (a name, an MRN, a procedure) is not blank, not too long
/// and free of control and invisible format characters.
pub(crate) fn check_text(field: &str, value: &str) -> Result<()> {
    check_text_allowing(field, value, &[])
}

/// As [`check_text`], for free text that may span lines (notes, reasons): newline and tab pass.
pub(crate) fn check_multiline_text(field: &str, value: &str) -> Result<()> {
    check_text_allowing(field, value, &['\n', '\t'])
}

fn check_text_allowing(field: &str, value: &str, allowed: &[char]) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::invalid(
            field,
            format!("longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    let hidden = value
        .chars()
        .enumerate()
        .find(|&(_, c)| is_hidden(c) && !allowed.contains(&c));
    if let Some((position, c)) = hidden {
        return Err(Error::invalid(
            field,
            format!(
                "contains the control or format character U+{:04X} at character {position}; \
                 printed or shown, it would hide or reorder what is written",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// Characters that print nothing or change how the rest prints: C0 and C1 controls (NUL, ESC of
/// ANSI escapes, DEL, …) and the Unicode format characters (general category Cf, Unicode 15)
/// that reorder or hide text — bidi marks, embeddings, overrides and isolates (U+202E, "Trojan
/// Source", Boucher & Anderson 2021), zero-width space, word joiner, BOM, soft hyphen, tags.
/// The zero-width (non-)joiners U+200C/U+200D are allowed: Persian and Indic names need them.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            u32::from(c),
            0x00AD
                | 0x0600..=0x0605
                | 0x061C
                | 0x06DD
                | 0x070F
                | 0x0890..=0x0891
                | 0x08E2
                | 0x180E
                | 0x200B
                | 0x200E..=0x200F
                | 0x202A..=0x202E
                | 0x2060..=0x2064
                | 0x2066..=0x206F
                | 0xFEFF
                | 0xFFF9..=0xFFFB
                | 0x110BD
                | 0x110CD
                | 0x13430..=0x1343F
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0001
                | 0xE0020..=0xE007F
        )
}

/// Validates everything a draft needs: each field present, well-formed and in range, times in
/// order, bypass and cross-clamp on/off alternating.
pub fn validate(record: &Record) -> Result<()> {
    let case = &record.case;
    check_text("case.procedure", &case.procedure)?;
    let patient = &case.patient;
    if let Some(identity) = &patient.identity {
        check_text("case.patient.identity.mrn", &identity.mrn)?;
        check_text("case.patient.identity.name", &identity.name)?;
        if identity.birth_date > case.date {
            return Err(Error::invalid(
                "case.patient.identity.birth_date",
                format!("{}: after the case date {}", identity.birth_date, case.date),
            ));
        }
    }
    check_range(
        "case.patient.age_years",
        patient.age_years,
        0.0,
        120.0,
        "years",
    )?;
    check_range(
        "case.patient.height_cm",
        patient.height_cm,
        20.0,
        250.0,
        "cm",
    )?;
    check_range(
        "case.patient.weight_kg",
        patient.weight_kg,
        0.3,
        650.0,
        "kg",
    )?;
    check_range("case.patient.hct_pct", patient.hct_pct, 5.0, 70.0, "%")?;

    if record.team.is_empty() {
        return Err(Error::invalid(
            "team",
            "must name at least one perfusionist",
        ));
    }
    for (i, member) in record.team.iter().enumerate() {
        check_text(&format!("team[{i}].name"), &member.name)?;
        let duplicate = record.team[..i]
            .iter()
            .any(|earlier| earlier.name == member.name && earlier.role == member.role);
        if duplicate {
            return Err(Error::invalid(
                format!("team[{i}]"),
                format!("{} is listed twice as {}", member.name, member.role.name()),
            ));
        }
    }

    let circuit = &record.circuit;
    if let Some(model) = &circuit.pump_model {
        check_text("circuit.pump_model", model)?;
    }
    check_text("circuit.oxygenator", &circuit.oxygenator)?;
    for (i, component) in circuit.prime.iter().enumerate() {
        check_text(&format!("circuit.prime[{i}].name"), &component.name)?;
        check_range(
            &format!("circuit.prime[{i}].volume_ml"),
            component.volume_ml,
            0.0,
            5000.0,
            "mL",
        )?;
    }
    check_range(
        "circuit.prime_hct_pct",
        circuit.prime_hct_pct,
        0.0,
        70.0,
        "%",
    )?;
    for (i, cannula) in circuit.cannulae.iter().enumerate() {
        check_text(&format!("circuit.cannulae[{i}].site"), &cannula.site)?;
        check_range(
            &format!("circuit.cannulae[{i}].size_fr"),
            cannula.size_fr,
            4.0,
            51.0,
            "Fr",
        )?;
    }

    let plan = &record.plan;
    check_range(
        "plan.cardiac_index_l_min_m2",
        plan.cardiac_index_l_min_m2,
        1.0,
        4.0,
        "L/min/m2",
    )?;
    check_range(
        "plan.ebv_ml_per_kg",
        plan.ebv_ml_per_kg,
        50.0,
        120.0,
        "mL/kg",
    )?;
    check_range(
        "plan.heparin_units_per_kg",
        plan.heparin_units_per_kg,
        0.0,
        1000.0,
        "units/kg",
    )?;
    check_range(
        "plan.planned_fluids_ml",
        plan.planned_fluids_ml,
        0.0,
        10_000.0,
        "mL",
    )?;

    validate_timeline(record)?;
    let mut previous_s = 0.0;
    for (i, sample) in record.labs.iter().enumerate() {
        check_time_in_order(
            format!("labs[{i}].time_s"),
            sample.time_s,
            &mut previous_s,
            "sample",
        )?;
        validate_lab(i, sample)?;
    }
    validate_vitals(&record.vitals)?;
    if let Some(notes) = &record.notes {
        check_multiline_text("notes", notes)?;
    }
    if let Some(pints) = &record.pints {
        validate_pints(pints, "pints.")?;
    }
    Ok(())
}

/// Checks PINTS ratings: each on the tool's scale, 0.5 to 4.0 in steps of 0.5; a rejection
/// names the category as `{prefix}{category}`.
pub fn validate_pints(pints: &Pints, prefix: &str) -> Result<()> {
    for (name, rating) in pints.categories() {
        let steps = rating / Pints::STEP;
        if !(rating.is_finite()
            && (Pints::MIN..=Pints::MAX).contains(&rating)
            && steps == steps.round())
        {
            return Err(Error::invalid(
                format!("{prefix}{name}"),
                format!(
                    "{rating}: must be one of 0.5, 1.0, … 4.0 (the PINTS scale: {} to {} in steps of {})",
                    Pints::MIN,
                    Pints::MAX,
                    Pints::STEP
                ),
            ));
        }
    }
    Ok(())
}

fn validate_timeline(record: &Record) -> Result<()> {
    let mut previous_s = 0.0;
    let (mut on_bypass, mut clamped) = (false, false);
    for (i, entry) in record.timeline.iter().enumerate() {
        let at = |name: &str| format!("timeline[{i}].{name}");
        check_time_in_order(at("time_s"), entry.time_s, &mut previous_s, "entry")?;
        let out_of_order = |what: &str| Err(Error::invalid(at("event.kind"), what.to_owned()));
        match &entry.event {
            Event::BypassOn if on_bypass => {
                return out_of_order("bypass_on while already on bypass");
            }
            Event::BypassOn => on_bypass = true,
            Event::BypassOff if !on_bypass => {
                return out_of_order("bypass_off without a bypass_on before it");
            }
            Event::BypassOff => on_bypass = false,
            Event::CrossClampOn if clamped => {
                return out_of_order("cross_clamp_on while already clamped");
            }
            Event::CrossClampOn => clamped = true,
            Event::CrossClampOff if !clamped => {
                return out_of_order("cross_clamp_off without a cross_clamp_on before it");
            }
            Event::CrossClampOff => clamped = false,
            Event::PumpFlow { flow_l_min } => {
                check_range(&at("event.flow_l_min"), *flow_l_min, 0.0, 10.0, "L/min")?
            }
            Event::Cardioplegia {
                solution,
                volume_ml,
                route,
            } => {
                check_text(&at("event.solution"), solution)?;
                check_range(&at("event.volume_ml"), *volume_ml, 0.0, 5000.0, "mL")?;
                check_text(&at("event.route"), route)?;
            }
            Event::Drug { name, dose, unit } => {
                check_text(&at("event.name"), name)?;
                check_range(&at("event.dose"), *dose, 0.0, 1.0e6, unit)?;
                check_text(&at("event.unit"), unit)?;
            }
            Event::Fluid { name, volume_ml } => {
                check_text(&at("event.name"), name)?;
                check_range(&at("event.volume_ml"), *volume_ml, 0.0, 10_000.0, "mL")?;
            }
            Event::BloodProduct {
                units, volume_ml, ..
            } => {
                check_range(&at("event.units"), *units, 0.0, 100.0, "units")?;
                check_range(&at("event.volume_ml"), *volume_ml, 0.0, 20_000.0, "mL")?;
            }
            Event::Urine { volume_ml } => {
                check_range(&at("event.volume_ml"), *volume_ml, 0.0, 10_000.0, "mL")?
            }
            Event::Note { text } => check_multiline_text(&at("event.text"), text)?,
        }
    }
    Ok(())
}

fn validate_lab(i: usize, sample: &LabSample) -> Result<()> {
    check_lab_values(sample, |name| format!("labs[{i}].{name}"))
}

/// Checks each value a lab sample holds against its accepted range; `field` names the field
/// in the error from the sample field's name (`ph`, `hb_g_dl`, …).
pub(crate) fn check_lab_values(sample: &LabSample, field: impl Fn(&str) -> String) -> Result<()> {
    let checks: [(&str, Option<f64>, f64, f64, &str); 11] = [
        ("ph", sample.ph, 6.5, 8.0, ""),
        ("pao2_mmhg", sample.pao2_mmhg, 0.0, 800.0, "mmHg"),
        ("paco2_mmhg", sample.paco2_mmhg, 5.0, 150.0, "mmHg"),
        ("sao2_pct", sample.sao2_pct, 0.0, 100.0, "%"),
        ("svo2_pct", sample.svo2_pct, 0.0, 100.0, "%"),
        ("hb_g_dl", sample.hb_g_dl, 1.0, 25.0, "g/dL"),
        ("hct_pct", sample.hct_pct, 3.0, 75.0, "%"),
        ("k_mmol_l", sample.k_mmol_l, 1.0, 12.0, "mmol/L"),
        ("glucose_mmol_l", sample.glucose_mmol_l, 0.5, 60.0, "mmol/L"),
        ("lactate_mmol_l", sample.lactate_mmol_l, 0.0, 30.0, "mmol/L"),
        ("act_s", sample.act_s, 0.0, 2000.0, "s"),
    ];
    check_optional_ranges(&checks, field)
}

/// Checks each present value of `(name, value, min, max, unit)` against its range; `field`
/// names the field in the error from `name`.
fn check_optional_ranges(
    checks: &[(&str, Option<f64>, f64, f64, &str)],
    field: impl Fn(&str) -> String,
) -> Result<()> {
    for &(name, value, min, max, unit) in checks {
        if let Some(value) = value {
            check_range(&field(name), value, min, max, unit)?;
        }
    }
    Ok(())
}

/// Checks the vitals trend: at most [`VitalsSample::MAX_SAMPLES`], times in order, each value
/// in a range that admits every physiological and circuit reading (deep hypothermic arrest
/// cools to 15–18 °C; the bounds only catch mis-keyed and mis-scaled values).
fn validate_vitals(vitals: &[VitalsSample]) -> Result<()> {
    if vitals.len() > VitalsSample::MAX_SAMPLES {
        return Err(Error::invalid(
            "vitals",
            format!(
                "{} samples: at most {} (one a minute for 24 hours)",
                vitals.len(),
                VitalsSample::MAX_SAMPLES
            ),
        ));
    }
    let mut previous_s = 0.0;
    for (i, sample) in vitals.iter().enumerate() {
        let field = |name: &str| format!("vitals[{i}].{name}");
        check_time_in_order(field("time_s"), sample.time_s, &mut previous_s, "sample")?;
        let checks: [(&str, Option<f64>, f64, f64, &str); 7] = [
            ("map_mmhg", sample.map_mmhg, 0.0, 300.0, "mmHg"),
            ("flow_l_min", sample.flow_l_min, 0.0, 10.0, "L/min"),
            ("temp_arterial_c", sample.temp_arterial_c, 0.0, 45.0, "°C"),
            ("temp_venous_c", sample.temp_venous_c, 0.0, 45.0, "°C"),
            ("temp_core_c", sample.temp_core_c, 0.0, 45.0, "°C"),
            ("hct_pct", sample.hct_pct, 3.0, 75.0, "%"),
            (
                "do2i_ml_min_m2",
                sample.do2i_ml_min_m2,
                0.0,
                2000.0,
                "mL/min/m2",
            ),
        ];
        check_optional_ranges(&checks, field)?;
    }
    Ok(())
}

/// The stricter checks a record must pass to be finalised: a primary perfusionist (or a
/// student), and every bypass run and cross-clamp closed.
pub fn validate_complete(record: &Record) -> Result<()> {
    validate(record)?;
    if record.primary_perfusionist().is_none() {
        return Err(Error::invalid(
            "team",
            "a finalised record needs a primary perfusionist (or a student)",
        ));
    }
    let mut open_bypass = false;
    let mut open_clamp = false;
    for entry in &record.timeline {
        match entry.event {
            Event::BypassOn => open_bypass = true,
            Event::BypassOff => open_bypass = false,
            Event::CrossClampOn => open_clamp = true,
            Event::CrossClampOff => open_clamp = false,
            _ => {}
        }
    }
    if open_bypass {
        return Err(Error::invalid(
            "timeline",
            "bypass_on has no matching bypass_off",
        ));
    }
    if open_clamp {
        return Err(Error::invalid(
            "timeline",
            "cross_clamp_on has no matching cross_clamp_off",
        ));
    }
    Ok(())
}
