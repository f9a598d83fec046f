//! The item types: for each, a clinically plausible patient or circuit drawn from the seeded
//! stream, a vignette, and the chain of catalog calculations that answers it.
//!
//! Inputs are drawn on the grid a chart would show (whole cm and kg, Hct in whole %, flows in
//! 0.1 L/min), inside ranges narrower than the catalog's accepted ones so a vignette describes
//! a patient one could meet.

use perfuse_clinical::catalog::InputError;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::RngCore;

use crate::Section;
use crate::item::{Arg, Chain, Item, Tolerance, default_of, round_to};

/// One kind of question.
pub struct ItemType {
    /// Its name (`bsa-target-flow`), a valid `--topic`.
    pub name: &'static str,
    /// ABCP knowledge-base section.
    pub section: Section,
    /// Catalog calculations used, in order (also valid `--topic` values).
    pub calculations: &'static [&'static str],
    /// What it drills.
    pub summary: &'static str,
    build: fn(&mut Draw) -> Result<Item, InputError>,
}

impl ItemType {
    pub(crate) fn build(&self, draw: &mut Draw) -> Result<Item, InputError> {
        (self.build)(draw)
    }
}

/// The seeded stream items are drawn from. ChaCha8 is specified bit for bit, so a seed gives
/// the same items on any machine.
pub(crate) struct Draw(ChaCha8Rng);

impl Draw {
    pub(crate) fn new(rng: ChaCha8Rng) -> Self {
        Draw(rng)
    }

    /// An index below `n` (n ≥ 1).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        // Modulo bias is below 2^-50 for the small n used here.
        (self.0.next_u64() % n as u64) as usize
    }

    /// One of `options`.
    fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len())]
    }

    /// A value on the grid `min, min + step, …, max`.
    fn grid(&mut self, min: f64, max: f64, step: f64) -> f64 {
        let steps = ((max - min) / step).round() as usize;
        round_to(min + self.below(steps + 1) as f64 * step, 4)
    }
}

/// An adult on a cardiac surgical list.
struct Adult {
    male: bool,
    age_years: f64,
    height_cm: f64,
    weight_kg: f64,
}

impl Adult {
    /// Height within about ±2 SD of adult means (men 176 ± 7 cm, women 163 ± 7 cm;
    /// NCD-RisC, eLife 2016) and a BMI of 19–34 kg/m² (WHO classes normal to obese I), so the
    /// weight fits the height.
    fn draw(draw: &mut Draw) -> Adult {
        let male = draw.below(2) == 0;
        let height_cm = if male {
            draw.grid(162.0, 190.0, 1.0)
        } else {
            draw.grid(150.0, 177.0, 1.0)
        };
        let bmi_kg_m2 = draw.grid(19.0, 34.0, 0.5);
        Adult {
            male,
            age_years: draw.grid(40.0, 82.0, 1.0),
            height_cm,
            weight_kg: (bmi_kg_m2 * (height_cm / 100.0).powi(2)).round(),
        }
    }

    /// "A 64-year-old man, 178 cm, 82 kg".
    fn describe(&self) -> String {
        format!(
            "A {}-year-old {}, {} cm, {} kg",
            self.age_years,
            if self.male { "man" } else { "woman" },
            self.height_cm,
            self.weight_kg
        )
    }

    /// Blood volume per kg: 70 mL/kg in men, 65 mL/kg in women (Gravlee, Cardiopulmonary
    /// Bypass: Principles and Practice, hemodilution chapter).
    fn ebv_ml_per_kg(&self) -> f64 {
        if self.male { 70.0 } else { 65.0 }
    }
}

/// Roller stroke volumes of a 150 mm head by boot size: 3/8″ ≈ 27, 1/2″ ≈ 60 mL/rev (Gravlee
/// ch. 3; manufacturer calibration tables, rounded; as in perfuse-sim's circuit sizing).
const ROLLER_BOOTS: [(&str, f64); 2] = [("3/8-inch", 27.0), ("1/2-inch", 60.0)];

/// Full-flow cardiac index at normothermia, 2.2–2.6 L/min/m² (catalog `target-flow` source).
const CI_MIN_L_MIN_M2: f64 = 2.2;
const CI_MAX_L_MIN_M2: f64 = 2.6;

/// Heparin loading dose for CPB, 300–400 U/kg (Bull 1975, catalog `heparin-dose`).
const HEPARIN_U_PER_KG: [f64; 3] = [300.0, 350.0, 400.0];

/// Neonatal full flow, 150 mL/kg/min (catalog `weight-flow` source: pediatric practice).
const NEONATAL_FLOW_ML_KG_MIN: f64 = 150.0;

/// ACT wanted before going on bypass, 480 s (Bull 1975).
const TARGET_ACT_S: f64 = 480.0;

/// BSA by DuBois or Mosteller, the two a perfusionist computes by hand.
fn bsa_method(draw: &mut Draw) -> (&'static str, &'static str) {
    draw.pick(&[("dubois", "DuBois"), ("mosteller", "Mosteller")])
}

fn bsa_target_flow(draw: &mut Draw) -> Result<Item, InputError> {
    let patient = Adult::draw(draw);
    let (method, method_title) = bsa_method(draw);
    let ci = draw.grid(CI_MIN_L_MIN_M2, CI_MAX_L_MIN_M2, 0.1);
    let mut chain = Chain::default();
    let bsa = chain.step(
        "bsa",
        &[
            Arg::Given("height-cm", patient.height_cm),
            Arg::Given("weight-kg", patient.weight_kg),
            Arg::Choice("method", method),
        ],
    )?;
    chain.step(
        "target-flow",
        &[
            Arg::Earlier("bsa-m2", bsa),
            Arg::Given("cardiac-index-l-min-m2", ci),
        ],
    )?;
    let vignette = format!(
        "{} is scheduled for normothermic bypass. Using the {method_title} formula for body-surface \
         area and a cardiac index of {ci} L/min/m2, what full pump flow do you aim for?",
        patient.describe()
    );
    Ok(chain.finish(
        "bsa-target-flow",
        Section::ClinicalManagement,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

fn bsa_flow_do2i(draw: &mut Draw) -> Result<Item, InputError> {
    let patient = Adult::draw(draw);
    let ci = draw.grid(CI_MIN_L_MIN_M2, CI_MAX_L_MIN_M2, 0.1);
    let hb_g_dl = draw.grid(6.5, 10.0, 0.1);
    let sao2_pct = draw.grid(97.0, 100.0, 1.0);
    let pao2_mmhg = draw.grid(150.0, 300.0, 10.0);
    let mut chain = Chain::default();
    let bsa = chain.step(
        "bsa",
        &[
            Arg::Given("height-cm", patient.height_cm),
            Arg::Given("weight-kg", patient.weight_kg),
            Arg::Choice("method", "dubois"),
        ],
    )?;
    let flow = chain.step(
        "target-flow",
        &[
            Arg::Earlier("bsa-m2", bsa),
            Arg::Given("cardiac-index-l-min-m2", ci),
        ],
    )?;
    chain.step(
        "do2i",
        &[
            Arg::Given("hb-g-dl", hb_g_dl),
            Arg::Given("sao2-pct", sao2_pct),
            Arg::Given("pao2-mmhg", pao2_mmhg),
            Arg::Earlier("flow-l-min", flow),
            Arg::Earlier("bsa-m2", bsa),
        ],
    )?;
    let vignette = format!(
        "{} is on bypass at a cardiac index of {ci} L/min/m2 (BSA by DuBois). The blood gas \
         shows Hb {hb_g_dl} g/dL, SaO2 {sao2_pct} %, PaO2 {pao2_mmhg} mmHg. What is the indexed \
         oxygen delivery (DO2i)?",
        patient.describe()
    );
    Ok(chain.finish(
        "bsa-flow-do2i",
        Section::Monitoring,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn ebv_on_bypass_hct(draw: &mut Draw) -> Result<Item, InputError> {
    let patient = Adult::draw(draw);
    let hct_pct = draw.grid(30.0, 45.0, 1.0);
    let prime_ml = draw.grid(1200.0, 1800.0, 100.0);
    let fluids_ml = draw.grid(0.0, 1000.0, 250.0);
    let per_kg = patient.ebv_ml_per_kg();
    let mut chain = Chain::default();
    let ebv = chain.step(
        "ebv",
        &[
            Arg::Given("weight-kg", patient.weight_kg),
            Arg::Given("ml-per-kg", per_kg),
            Arg::Choice("method", "per-kg"),
        ],
    )?;
    chain.step(
        "on-bypass-hct",
        &[
            Arg::Earlier("ebv-ml", ebv),
            Arg::Given("hct-pct", hct_pct),
            Arg::Given("prime-ml", prime_ml),
            Arg::Given("prime-hct-pct", 0.0),
            Arg::Given("fluids-ml", fluids_ml),
        ],
    )?;
    let vignette = format!(
        "{} with Hct {hct_pct} % has received {fluids_ml} mL of crystalloid before bypass and \
         goes on bypass with a {prime_ml} mL clear crystalloid prime. Taking a blood volume of \
         {per_kg} mL/kg, what hematocrit do you predict on bypass?",
        patient.describe()
    );
    Ok(chain.finish(
        "ebv-on-bypass-hct",
        Section::ClinicalManagement,
        vignette,
        Tolerance::Absolute(1.0),
    ))
}

fn prbc_to_target_hct(draw: &mut Draw) -> Result<Item, InputError> {
    let patient = Adult::draw(draw);
    let prime_ml = draw.grid(1200.0, 1800.0, 100.0);
    let current_pct = draw.grid(16.0, 20.0, 1.0);
    let target_pct = draw.grid(21.0, 25.0, 1.0);
    let prbc_pct = draw.grid(55.0, 65.0, 5.0);
    let per_kg = patient.ebv_ml_per_kg();
    let mut chain = Chain::default();
    let ebv = chain.step(
        "ebv",
        &[
            Arg::Given("weight-kg", patient.weight_kg),
            Arg::Given("ml-per-kg", per_kg),
            Arg::Choice("method", "per-kg"),
        ],
    )?;
    chain.step(
        "prbc-volume",
        &[
            Arg::Earlier("ebv-ml", ebv),
            Arg::Given("prime-ml", prime_ml),
            Arg::Given("current-hct-pct", current_pct),
            Arg::Given("target-hct-pct", target_pct),
            Arg::Given("prbc-hct-pct", prbc_pct),
        ],
    )?;
    let vignette = format!(
        "{} (blood volume {per_kg} mL/kg) is on bypass with a {prime_ml} mL prime and a Hct of \
         {current_pct} %. How much packed red cells (Hct {prbc_pct} %) raise the Hct to \
         {target_pct} %?",
        patient.describe()
    );
    Ok(chain.finish(
        "prbc-to-target-hct",
        Section::ClinicalManagement,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn heparin_loading(draw: &mut Draw) -> Result<Item, InputError> {
    let patient = Adult::draw(draw);
    let per_kg = draw.pick(&HEPARIN_U_PER_KG);
    let mut chain = Chain::default();
    chain.step(
        "heparin-dose",
        &[
            Arg::Given("weight-kg", patient.weight_kg),
            Arg::Given("units-per-kg", per_kg),
        ],
    )?;
    let vignette = format!(
        "{} is to be anticoagulated for bypass with {per_kg} U/kg of heparin. What loading dose \
         do you draw up?",
        patient.describe()
    );
    Ok(chain.finish(
        "heparin-loading",
        Section::Pharmacology,
        vignette,
        Tolerance::RelativePct(1.0),
    ))
}

fn heparin_protamine(draw: &mut Draw) -> Result<Item, InputError> {
    let patient = Adult::draw(draw);
    let per_kg = draw.pick(&HEPARIN_U_PER_KG);
    let mg_per_100_units = default_of("protamine-dose", "mg-per-100-units")?;
    let mut chain = Chain::default();
    let heparin = chain.step(
        "heparin-dose",
        &[
            Arg::Given("weight-kg", patient.weight_kg),
            Arg::Given("units-per-kg", per_kg),
        ],
    )?;
    chain.step(
        "protamine-dose",
        &[
            Arg::Earlier("heparin-units", heparin),
            Arg::Given("mg-per-100-units", mg_per_100_units),
        ],
    )?;
    let vignette = format!(
        "{} received a heparin loading dose of {per_kg} U/kg and no more. After weaning, you \
         reverse it with protamine at {mg_per_100_units} mg per 100 U of heparin. How much \
         protamine?",
        patient.describe()
    );
    Ok(chain.finish(
        "heparin-protamine",
        Section::Pharmacology,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

fn heparin_additional_act(draw: &mut Draw) -> Result<Item, InputError> {
    let patient = Adult::draw(draw);
    let per_kg = draw.pick(&HEPARIN_U_PER_KG);
    let baseline_s = draw.grid(100.0, 140.0, 5.0);
    let measured_s = draw.grid(300.0, 440.0, 10.0);
    let mut chain = Chain::default();
    let dose = chain.step(
        "heparin-dose",
        &[
            Arg::Given("weight-kg", patient.weight_kg),
            Arg::Given("units-per-kg", per_kg),
        ],
    )?;
    chain.step(
        "heparin-additional",
        &[
            Arg::Given("baseline-act-s", baseline_s),
            Arg::Given("measured-act-s", measured_s),
            Arg::Earlier("dose-units", dose),
            Arg::Given("target-act-s", TARGET_ACT_S),
        ],
    )?;
    let vignette = format!(
        "{} has a baseline ACT of {baseline_s} s. Three minutes after {per_kg} U/kg of heparin \
         the ACT is {measured_s} s. Assuming a linear dose-response, how much more heparin \
         brings the ACT to {TARGET_ACT_S} s?",
        patient.describe()
    );
    Ok(chain.finish(
        "heparin-additional-act",
        Section::Pharmacology,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn delnido_dose(draw: &mut Draw) -> Result<Item, InputError> {
    // A child of 4–40 kg or an adult, so the 1 L cap matters in some items and not in others.
    let (who, weight_kg) = if draw.below(2) == 0 {
        ("A child", draw.grid(4.0, 40.0, 1.0))
    } else {
        let patient = Adult::draw(draw);
        (
            if patient.male { "A man" } else { "A woman" },
            patient.weight_kg,
        )
    };
    let ml_per_kg = default_of("delnido-dose", "ml-per-kg")?;
    let max_ml = default_of("delnido-dose", "max-ml")?;
    let mut chain = Chain::default();
    chain.step(
        "delnido-dose",
        &[
            Arg::Given("weight-kg", weight_kg),
            Arg::Given("ml-per-kg", ml_per_kg),
            Arg::Given("max-ml", max_ml),
        ],
    )?;
    let vignette = format!(
        "{who} of {weight_kg} kg is arrested with del Nido cardioplegia at {ml_per_kg} mL/kg, \
         maximum {max_ml} mL. What arresting dose do you give?"
    );
    Ok(chain.finish(
        "delnido-dose",
        Section::ClinicalManagement,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

fn neonatal_flow(draw: &mut Draw) -> Result<Item, InputError> {
    let weight_kg = draw.grid(2.5, 4.5, 0.1);
    let mut chain = Chain::default();
    chain.step(
        "weight-flow",
        &[
            Arg::Given("weight-kg", weight_kg),
            Arg::Given("ml-per-kg-min", NEONATAL_FLOW_ML_KG_MIN),
        ],
    )?;
    let vignette = format!(
        "A neonate of {weight_kg} kg goes on bypass for an arterial switch. At \
         {NEONATAL_FLOW_ML_KG_MIN} mL/kg/min, \
         what full flow do you run?"
    );
    Ok(chain.finish(
        "neonatal-flow",
        Section::SpecialPatientGroups,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

/// Neonatal VA ECMO runs at 100–150 mL/kg/min (ELSO Neonatal Respiratory Failure Guideline,
/// 2017).
fn neonatal_ecmo_flow(draw: &mut Draw) -> Result<Item, InputError> {
    let weight_kg = draw.grid(2.5, 4.5, 0.1);
    let per_kg = draw.grid(100.0, 150.0, 10.0);
    let mut chain = Chain::default();
    chain.step(
        "weight-flow",
        &[
            Arg::Given("weight-kg", weight_kg),
            Arg::Given("ml-per-kg-min", per_kg),
        ],
    )?;
    let vignette = format!(
        "A {weight_kg} kg neonate with meconium aspiration is cannulated for VA ECMO. What pump \
         flow gives {per_kg} mL/kg/min?"
    );
    Ok(chain.finish(
        "neonatal-ecmo-flow",
        Section::EcmoSpecialProcedures,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

fn ecmo_sweep(draw: &mut Draw) -> Result<Item, InputError> {
    let sweep_l_min = draw.grid(2.0, 5.0, 0.5);
    let paco2_mmhg = draw.grid(46.0, 65.0, 1.0);
    let target_mmhg = draw.grid(38.0, 44.0, 1.0);
    let mut chain = Chain::default();
    chain.step(
        "sweep-for-paco2",
        &[
            Arg::Given("sweep-l-min", sweep_l_min),
            Arg::Given("paco2-mmhg", paco2_mmhg),
            Arg::Given("target-paco2-mmhg", target_mmhg),
        ],
    )?;
    let vignette = format!(
        "An adult on VV ECMO has a PaCO2 of {paco2_mmhg} mmHg with a sweep of {sweep_l_min} \
         L/min. What sweep brings the PaCO2 to {target_mmhg} mmHg?"
    );
    Ok(chain.finish(
        "ecmo-sweep",
        Section::EcmoSpecialProcedures,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn hand_crank_flow(draw: &mut Draw) -> Result<Item, InputError> {
    let (boot, ml_per_rev) = draw.pick(&ROLLER_BOOTS);
    let rpm = draw.grid(40.0, 100.0, 5.0);
    let mut chain = Chain::default();
    chain.step(
        "roller-pump-flow",
        &[Arg::Given("rpm", rpm), Arg::Given("ml-per-rev", ml_per_rev)],
    )?;
    let vignette = format!(
        "The power fails on bypass and the battery is flat. You hand-crank the arterial roller \
         ({boot} boot, {ml_per_rev} mL per revolution) at {rpm} turns a minute. What flow is the \
         patient getting?"
    );
    Ok(chain.finish(
        "hand-crank-flow",
        Section::CatastrophicEvents,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

fn line_volume(draw: &mut Draw) -> Result<Item, InputError> {
    let (size, inches) = draw.pick(&[("1/4", 0.25), ("3/8", 0.375), ("1/2", 0.5)]);
    let length_cm = draw.grid(100.0, 300.0, 10.0);
    let mut chain = Chain::default();
    chain.step(
        "tubing-volume",
        &[
            Arg::Given("inner-diameter-in", inches),
            Arg::Given("length-cm", length_cm),
        ],
    )?;
    let vignette = format!(
        "You build a circuit whose arterial line is {size}-inch inner diameter and {length_cm} cm \
         long. How much prime does that line hold?"
    );
    Ok(chain.finish(
        "line-volume",
        Section::DevicesEquipment,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

fn ultrafiltration(draw: &mut Draw) -> Result<Item, InputError> {
    let volume_ml = draw.grid(4000.0, 6500.0, 100.0);
    let current_pct = draw.grid(19.0, 23.0, 1.0);
    let target_pct = draw.grid(25.0, 28.0, 1.0);
    let mut chain = Chain::default();
    chain.step(
        "ultrafiltration-volume",
        &[
            Arg::Given("circulating-volume-ml", volume_ml),
            Arg::Given("current-hct-pct", current_pct),
            Arg::Given("target-hct-pct", target_pct),
        ],
    )?;
    let vignette = format!(
        "Near the end of bypass the Hct is {current_pct} % with {volume_ml} mL circulating \
         (patient and circuit). How much plasma water must the hemoconcentrator remove to reach \
         {target_pct} %?"
    );
    Ok(chain.finish(
        "ultrafiltration",
        Section::DevicesEquipment,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

fn map_svr(draw: &mut Draw) -> Result<Item, InputError> {
    let systolic = draw.grid(95.0, 160.0, 5.0);
    let diastolic = draw.grid(45.0, 85.0, 5.0);
    let cvp = draw.grid(2.0, 14.0, 1.0);
    let co = draw.grid(3.5, 6.5, 0.1);
    let mut chain = Chain::default();
    let map = chain.step(
        "map",
        &[
            Arg::Given("systolic-mmhg", systolic),
            Arg::Given("diastolic-mmhg", diastolic),
        ],
    )?;
    chain.step(
        "svr",
        &[
            Arg::Earlier("map-mmhg", map),
            Arg::Given("cvp-mmhg", cvp),
            Arg::Given("flow-l-min", co),
        ],
    )?;
    let vignette = format!(
        "After weaning from bypass the arterial pressure is {systolic}/{diastolic} mmHg, the CVP \
         {cvp} mmHg and the thermodilution cardiac output {co} L/min. What is the systemic \
         vascular resistance?"
    );
    Ok(chain.finish(
        "map-svr",
        Section::Monitoring,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn o2_content(draw: &mut Draw) -> Result<Item, InputError> {
    let hb = draw.grid(7.0, 15.0, 0.1);
    let so2 = draw.grid(90.0, 100.0, 1.0);
    let po2 = draw.grid(70.0, 400.0, 10.0);
    let mut chain = Chain::default();
    chain.step(
        "o2-content",
        &[
            Arg::Given("hb-g-dl", hb),
            Arg::Given("so2-pct", so2),
            Arg::Given("po2-mmhg", po2),
        ],
    )?;
    let vignette = format!(
        "An arterial sample shows Hb {hb} g/dL, SaO2 {so2} % and PaO2 {po2} mmHg. What is the \
         arterial oxygen content, dissolved oxygen included?"
    );
    Ok(chain.finish(
        "o2-content",
        Section::AnatomyPhysiology,
        vignette,
        Tolerance::RelativePct(2.0),
    ))
}

/// Mixed-venous blood on bypass: SvO2 65–80 % with PvO2 35–45 mmHg (normal ranges, West,
/// Respiratory Physiology).
fn venous_gas(draw: &mut Draw) -> (f64, f64) {
    (draw.grid(65.0, 80.0, 1.0), draw.grid(35.0, 45.0, 1.0))
}

fn fick_vo2i(draw: &mut Draw) -> Result<Item, InputError> {
    let hb = draw.grid(7.0, 10.0, 0.1);
    let sao2 = draw.grid(97.0, 100.0, 1.0);
    let pao2 = draw.grid(150.0, 300.0, 10.0);
    let (svo2, pvo2) = venous_gas(draw);
    let bsa = draw.grid(1.5, 2.3, 0.01);
    let flow = draw.grid(3.5, 5.5, 0.1);
    let mut chain = Chain::default();
    chain.step(
        "vo2i",
        &[
            Arg::Given("hb-g-dl", hb),
            Arg::Given("sao2-pct", sao2),
            Arg::Given("pao2-mmhg", pao2),
            Arg::Given("svo2-pct", svo2),
            Arg::Given("pvo2-mmhg", pvo2),
            Arg::Given("flow-l-min", flow),
            Arg::Given("bsa-m2", bsa),
        ],
    )?;
    let vignette = format!(
        "A patient of BSA {bsa} m2 is on bypass at {flow} L/min with Hb {hb} g/dL. Arterial: SaO2 \
         {sao2} %, PaO2 {pao2} mmHg; venous: SvO2 {svo2} %, PvO2 {pvo2} mmHg. What is the indexed \
         oxygen consumption?"
    );
    Ok(chain.finish(
        "fick-vo2i",
        Section::AnatomyPhysiology,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn o2_extraction(draw: &mut Draw) -> Result<Item, InputError> {
    let hb = draw.grid(7.0, 10.0, 0.1);
    let sao2 = draw.grid(97.0, 100.0, 1.0);
    let pao2 = draw.grid(150.0, 300.0, 10.0);
    let (svo2, pvo2) = venous_gas(draw);
    let mut chain = Chain::default();
    chain.step(
        "o2er",
        &[
            Arg::Given("hb-g-dl", hb),
            Arg::Given("sao2-pct", sao2),
            Arg::Given("pao2-mmhg", pao2),
            Arg::Given("svo2-pct", svo2),
            Arg::Given("pvo2-mmhg", pvo2),
        ],
    )?;
    let vignette = format!(
        "On bypass, Hb {hb} g/dL; arterial SaO2 {sao2} %, PaO2 {pao2} mmHg; venous SvO2 {svo2} %, \
         PvO2 {pvo2} mmHg. What is the oxygen extraction ratio?"
    );
    Ok(chain.finish(
        "o2-extraction",
        Section::Monitoring,
        vignette,
        Tolerance::Absolute(1.0),
    ))
}

fn hypothermic_vo2(draw: &mut Draw) -> Result<Item, InputError> {
    let vo2 = draw.grid(200.0, 300.0, 10.0);
    let temp = draw.grid(18.0, 32.0, 1.0);
    let q10 = default_of("vo2-at-temp", "q10")?;
    let mut chain = Chain::default();
    chain.step(
        "vo2-at-temp",
        &[
            Arg::Given("vo2-ml-min", vo2),
            Arg::Given("temp-c", temp),
            Arg::Given("q10", q10),
        ],
    )?;
    let vignette = format!(
        "A patient consumes {vo2} mL/min of oxygen at 37 °C. With a Q10 of {q10}, what is the oxygen \
         consumption once cooled to {temp} °C?"
    );
    Ok(chain.finish(
        "hypothermic-vo2",
        Section::AnatomyPhysiology,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn vco2i(draw: &mut Draw) -> Result<Item, InputError> {
    let sweep = draw.grid(2.0, 5.0, 0.5);
    let exhaust = draw.grid(20.0, 38.0, 1.0);
    let bsa = draw.grid(1.5, 2.3, 0.01);
    let barometric_mmhg = default_of("vco2i", "barometric-mmhg")?;
    let mut chain = Chain::default();
    chain.step(
        "vco2i",
        &[
            Arg::Given("sweep-l-min", sweep),
            Arg::Given("exhaust-co2-mmhg", exhaust),
            Arg::Given("bsa-m2", bsa),
            Arg::Given("barometric-mmhg", barometric_mmhg),
        ],
    )?;
    let vignette = format!(
        "A patient of BSA {bsa} m2 is on bypass with a sweep of {sweep} L/min; the capnograph on \
         the oxygenator exhaust reads {exhaust} mmHg at a barometric pressure of {barometric_mmhg} mmHg. What \
         is the indexed CO2 production?"
    );
    Ok(chain.finish(
        "vco2i",
        Section::Monitoring,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn alpha_stat_ph(draw: &mut Draw) -> Result<Item, InputError> {
    let ph = draw.grid(7.35, 7.45, 0.01);
    let temp = draw.grid(20.0, 34.0, 1.0);
    let mut chain = Chain::default();
    chain.step(
        "ph-at-temp",
        &[Arg::Given("ph", ph), Arg::Given("temp-c", temp)],
    )?;
    let vignette = format!(
        "The patient is cooled to {temp} °C. The blood gas analyser, measuring at 37 °C, \
         reports a pH of {ph}. What is the pH at the patient's temperature?"
    );
    Ok(chain.finish(
        "alpha-stat-ph",
        Section::LaboratoryAnalysis,
        vignette,
        Tolerance::Absolute(0.02),
    ))
}

fn alpha_stat_pco2(draw: &mut Draw) -> Result<Item, InputError> {
    let pco2 = draw.grid(35.0, 45.0, 1.0);
    let temp = draw.grid(20.0, 34.0, 1.0);
    let mut chain = Chain::default();
    chain.step(
        "pco2-at-temp",
        &[Arg::Given("pco2-mmhg", pco2), Arg::Given("temp-c", temp)],
    )?;
    let vignette = format!(
        "At {temp} °C the analyser (at 37 °C) reports a PaCO2 of {pco2} mmHg. What is the PaCO2 \
         at the patient's temperature, the value pH-stat management targets?"
    );
    Ok(chain.finish(
        "alpha-stat-pco2",
        Section::LaboratoryAnalysis,
        vignette,
        Tolerance::RelativePct(3.0),
    ))
}

fn hco3_sbe(draw: &mut Draw) -> Result<Item, InputError> {
    let ph = draw.grid(7.20, 7.50, 0.01);
    let pco2 = draw.grid(30.0, 55.0, 1.0);
    let mut chain = Chain::default();
    let hco3 = chain.step(
        "hco3",
        &[Arg::Given("ph", ph), Arg::Given("pco2-mmhg", pco2)],
    )?;
    chain.step(
        "sbe",
        &[Arg::Given("ph", ph), Arg::Earlier("hco3-mmol-l", hco3)],
    )?;
    let vignette = format!(
        "An arterial gas on bypass shows pH {ph} and PaCO2 {pco2} mmHg. Compute the bicarbonate, \
         then the standard base excess. What is the SBE?"
    );
    Ok(chain.finish(
        "hco3-sbe",
        Section::LaboratoryAnalysis,
        vignette,
        Tolerance::Absolute(1.0),
    ))
}

/// High-anion-gap acidosis of shock: gap 12–28 mmol/L (normal 3–11 without potassium, Emmett &
/// Narins 1977), HCO3 10–22 mmol/L; chloride follows, so the numbers add up.
fn anion_gap(draw: &mut Draw) -> Result<Item, InputError> {
    let na = draw.grid(132.0, 146.0, 1.0);
    let hco3 = draw.grid(10.0, 22.0, 1.0);
    let cl = na - hco3 - draw.grid(12.0, 28.0, 1.0);
    let mut chain = Chain::default();
    chain.step(
        "anion-gap",
        &[
            Arg::Given("na-mmol-l", na),
            Arg::Given("cl-mmol-l", cl),
            Arg::Given("hco3-mmol-l", hco3),
            Arg::Given("k-mmol-l", 0.0),
        ],
    )?;
    let vignette = format!(
        "A patient in cardiogenic shock has Na {na}, Cl {cl} and HCO3 {hco3} mmol/L. Leaving \
         potassium out, what is the anion gap?"
    );
    Ok(chain.finish(
        "anion-gap",
        Section::Pathology,
        vignette,
        Tolerance::Absolute(1.0),
    ))
}

/// Every item type, grouped by section in knowledge-base order.
pub static ITEM_TYPES: &[ItemType] = &[
    ItemType {
        name: "o2-content",
        section: Section::AnatomyPhysiology,
        calculations: &["o2-content"],
        summary: "arterial O2 content from Hb, SaO2, PaO2",
        build: o2_content,
    },
    ItemType {
        name: "fick-vo2i",
        section: Section::AnatomyPhysiology,
        calculations: &["vo2i"],
        summary: "indexed O2 consumption by the Fick principle",
        build: fick_vo2i,
    },
    ItemType {
        name: "hypothermic-vo2",
        section: Section::AnatomyPhysiology,
        calculations: &["vo2-at-temp"],
        summary: "O2 consumption after cooling (Q10)",
        build: hypothermic_vo2,
    },
    ItemType {
        name: "heparin-loading",
        section: Section::Pharmacology,
        calculations: &["heparin-dose"],
        summary: "heparin loading dose",
        build: heparin_loading,
    },
    ItemType {
        name: "heparin-protamine",
        section: Section::Pharmacology,
        calculations: &["heparin-dose", "protamine-dose"],
        summary: "heparin dose, then the protamine to reverse it",
        build: heparin_protamine,
    },
    ItemType {
        name: "heparin-additional-act",
        section: Section::Pharmacology,
        calculations: &["heparin-dose", "heparin-additional"],
        summary: "heparin dose, then the extra heparin to reach ACT 480 s",
        build: heparin_additional_act,
    },
    ItemType {
        name: "anion-gap",
        section: Section::Pathology,
        calculations: &["anion-gap"],
        summary: "anion gap in shock",
        build: anion_gap,
    },
    ItemType {
        name: "alpha-stat-ph",
        section: Section::LaboratoryAnalysis,
        calculations: &["ph-at-temp"],
        summary: "pH corrected to patient temperature",
        build: alpha_stat_ph,
    },
    ItemType {
        name: "alpha-stat-pco2",
        section: Section::LaboratoryAnalysis,
        calculations: &["pco2-at-temp"],
        summary: "PCO2 corrected to patient temperature",
        build: alpha_stat_pco2,
    },
    ItemType {
        name: "hco3-sbe",
        section: Section::LaboratoryAnalysis,
        calculations: &["hco3", "sbe"],
        summary: "bicarbonate, then standard base excess",
        build: hco3_sbe,
    },
    ItemType {
        name: "line-volume",
        section: Section::DevicesEquipment,
        calculations: &["tubing-volume"],
        summary: "prime held by a length of tubing",
        build: line_volume,
    },
    ItemType {
        name: "ultrafiltration",
        section: Section::DevicesEquipment,
        calculations: &["ultrafiltration-volume"],
        summary: "plasma water to remove for a target Hct",
        build: ultrafiltration,
    },
    ItemType {
        name: "bsa-target-flow",
        section: Section::ClinicalManagement,
        calculations: &["bsa", "target-flow"],
        summary: "BSA, then full pump flow",
        build: bsa_target_flow,
    },
    ItemType {
        name: "ebv-on-bypass-hct",
        section: Section::ClinicalManagement,
        calculations: &["ebv", "on-bypass-hct"],
        summary: "blood volume, then the Hct on bypass",
        build: ebv_on_bypass_hct,
    },
    ItemType {
        name: "prbc-to-target-hct",
        section: Section::ClinicalManagement,
        calculations: &["ebv", "prbc-volume"],
        summary: "blood volume, then packed cells for a target Hct",
        build: prbc_to_target_hct,
    },
    ItemType {
        name: "delnido-dose",
        section: Section::ClinicalManagement,
        calculations: &["delnido-dose"],
        summary: "del Nido arresting dose (with its cap)",
        build: delnido_dose,
    },
    ItemType {
        name: "neonatal-flow",
        section: Section::SpecialPatientGroups,
        calculations: &["weight-flow"],
        summary: "neonatal full flow per kg",
        build: neonatal_flow,
    },
    ItemType {
        name: "neonatal-ecmo-flow",
        section: Section::EcmoSpecialProcedures,
        calculations: &["weight-flow"],
        summary: "neonatal VA ECMO flow per kg",
        build: neonatal_ecmo_flow,
    },
    ItemType {
        name: "ecmo-sweep",
        section: Section::EcmoSpecialProcedures,
        calculations: &["sweep-for-paco2"],
        summary: "sweep for a target PaCO2",
        build: ecmo_sweep,
    },
    ItemType {
        name: "hand-crank-flow",
        section: Section::CatastrophicEvents,
        calculations: &["roller-pump-flow"],
        summary: "flow of a hand-cranked roller after a power failure",
        build: hand_crank_flow,
    },
    ItemType {
        name: "bsa-flow-do2i",
        section: Section::Monitoring,
        calculations: &["bsa", "target-flow", "do2i"],
        summary: "BSA, then pump flow, then DO2i",
        build: bsa_flow_do2i,
    },
    ItemType {
        name: "map-svr",
        section: Section::Monitoring,
        calculations: &["map", "svr"],
        summary: "MAP, then systemic vascular resistance",
        build: map_svr,
    },
    ItemType {
        name: "o2-extraction",
        section: Section::Monitoring,
        calculations: &["o2er"],
        summary: "O2 extraction ratio",
        build: o2_extraction,
    },
    ItemType {
        name: "vco2i",
        section: Section::Monitoring,
        calculations: &["vco2i"],
        summary: "indexed CO2 production from the exhaust",
        build: vco2i,
    },
];
