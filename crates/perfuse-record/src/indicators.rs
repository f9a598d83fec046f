//! Quality indicators derived from a record: bypass and cross-clamp times, nadir haematocrit and
//! DO2i, time below the critical DO2i, maximum lactate, transfusions.
//!
//! Definitions (also in `docs/records.md`):
//! - A *run* is a `bypass_on` … `bypass_off` interval (likewise for the cross-clamp); times are
//!   summed over runs. A run still open (a draft) ends at the last time in the record.
//! - Nadir Hct and DO2i consider only lab samples taken on bypass (run ends included).
//! - DO2i of a sample = `do2i_ml_min_m2(Hb, SaO2, PaO2, flow, BSA)` with the last `pump_flow`
//!   set at or before the sample and the DuBois BSA; samples missing Hb, SaO2, PaO2 or a flow
//!   are skipped.
//! - A DO2i value holds until the next DO2i sample of the same run or the end of the run; the
//!   time below [`CRITICAL_DO2I_ML_MIN_M2`] is the sum of the spans whose value is below it.
//! - Maximum lactate is over every sample of the record.

use perfuse_clinical::oxygen::{CRITICAL_DO2I_ML_MIN_M2, do2i_ml_min_m2};
use serde::{Deserialize, Serialize};

use crate::model::{BloodProductKind, Event, LabSample, Record};

/// Quality indicators of one record. `None` where the record holds no data for it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    /// Total bypass time, min.
    pub bypass_time_min: Option<f64>,
    /// Total aortic cross-clamp time, min.
    pub cross_clamp_time_min: Option<f64>,
    /// Lowest haematocrit on bypass, %.
    pub nadir_hct_pct: Option<f64>,
    /// Lowest DO2i on bypass, mL/min/m².
    pub nadir_do2i_ml_min_m2: Option<f64>,
    /// Time on bypass with DO2i below 272 mL/min/m², min.
    pub time_below_do2i_272_min: Option<f64>,
    /// Highest lactate, mmol/L.
    pub max_lactate_mmol_l: Option<f64>,
    /// Packed red cells transfused, units.
    pub prbc_units: f64,
    /// Fresh frozen plasma transfused, units.
    pub ffp_units: f64,
    /// Platelets transfused, units.
    pub platelet_units: f64,
    /// Cryoprecipitate transfused, units.
    pub cryo_units: f64,
    /// Whole blood transfused, units.
    pub whole_blood_units: f64,
    /// Total cardioplegia volume, mL.
    pub cardioplegia_volume_ml: f64,
    /// Total urine, mL.
    pub urine_volume_ml: f64,
}

impl Indicators {
    /// True when any blood product was given.
    pub fn transfused(&self) -> bool {
        self.prbc_units
            + self.ffp_units
            + self.platelet_units
            + self.cryo_units
            + self.whole_blood_units
            > 0.0
    }

    /// Computes the indicators of a (validated) record.
    pub fn of(record: &Record) -> Indicators {
        let bypass_runs = bypass_runs(record);
        let clamp_runs = cross_clamp_runs(record);
        let total_min = |runs: &[(f64, f64)]| {
            (!runs.is_empty()).then(|| runs.iter().map(|(on, off)| off - on).sum::<f64>() / 60.0)
        };

        let mut indicators = Indicators {
            bypass_time_min: total_min(&bypass_runs),
            cross_clamp_time_min: total_min(&clamp_runs),
            ..Indicators::default()
        };
        let on_bypass = |time_s: f64| {
            bypass_runs
                .iter()
                .any(|&(on, off)| (on..=off).contains(&time_s))
        };
        indicators.nadir_hct_pct = min_of(
            record
                .labs
                .iter()
                .filter(|sample| on_bypass(sample.time_s))
                .filter_map(|sample| sample.hct_pct),
        );
        indicators.max_lactate_mmol_l = record
            .labs
            .iter()
            .filter_map(|sample| sample.lactate_mmol_l)
            .reduce(f64::max);

        let mut nadir_do2i: Option<f64> = None;
        let mut below_s: Option<f64> = None;
        for &(on, off) in &bypass_runs {
            let do2i_points: Vec<(f64, f64)> = record
                .labs
                .iter()
                .filter(|sample| (on..=off).contains(&sample.time_s))
                .filter_map(|sample| Some((sample.time_s, sample_do2i(record, sample)?)))
                .collect();
            for (i, &(time_s, value)) in do2i_points.iter().enumerate() {
                nadir_do2i = Some(nadir_do2i.map_or(value, |nadir| nadir.min(value)));
                let until_s = do2i_points.get(i + 1).map_or(off, |next| next.0);
                let span_s = if value < CRITICAL_DO2I_ML_MIN_M2 {
                    until_s - time_s
                } else {
                    0.0
                };
                below_s = Some(below_s.unwrap_or(0.0) + span_s);
            }
        }
        indicators.nadir_do2i_ml_min_m2 = nadir_do2i;
        indicators.time_below_do2i_272_min = below_s.map(|seconds| seconds / 60.0);

        for entry in &record.timeline {
            match &entry.event {
                Event::BloodProduct { product, units, .. } => {
                    let total = match product {
                        BloodProductKind::Prbc => &mut indicators.prbc_units,
                        BloodProductKind::Ffp => &mut indicators.ffp_units,
                        BloodProductKind::Platelets => &mut indicators.platelet_units,
                        BloodProductKind::Cryo => &mut indicators.cryo_units,
                        BloodProductKind::WholeBlood => &mut indicators.whole_blood_units,
                    };
                    *total += units;
                }
                Event::Cardioplegia { volume_ml, .. } => {
                    indicators.cardioplegia_volume_ml += volume_ml
                }
                Event::Urine { volume_ml } => indicators.urine_volume_ml += volume_ml,
                _ => {}
            }
        }
        indicators
    }
}

/// The last time in the record (timeline or labs), s: where a run still open ends.
fn end_s(record: &Record) -> f64 {
    record
        .timeline
        .iter()
        .map(|entry| entry.time_s)
        .chain(record.labs.iter().map(|sample| sample.time_s))
        .fold(0.0, f64::max)
}

/// The bypass runs of a record, `(on_s, off_s)`; one still open ends at the record's last time.
pub fn bypass_runs(record: &Record) -> Vec<(f64, f64)> {
    runs(
        record,
        |event| matches!(event, Event::BypassOn),
        |event| matches!(event, Event::BypassOff),
        end_s(record),
    )
}

/// The aortic cross-clamp periods of a record, `(on_s, off_s)`, as [`bypass_runs`].
pub fn cross_clamp_runs(record: &Record) -> Vec<(f64, f64)> {
    runs(
        record,
        |event| matches!(event, Event::CrossClampOn),
        |event| matches!(event, Event::CrossClampOff),
        end_s(record),
    )
}

/// DO2i of one lab sample, mL/min/m²: `do2i_ml_min_m2(Hb, SaO2, PaO2, flow, BSA)` with the pump
/// flow in effect at the sample ([`flow_at`]) and the DuBois BSA; `None` when the sample lacks
/// Hb, SaO2 or PaO2 or no flow was set before it. Whether the sample was on bypass is the
/// caller's question (the indicators count only those).
pub fn sample_do2i(record: &Record, sample: &LabSample) -> Option<f64> {
    Some(do2i_ml_min_m2(
        sample.hb_g_dl?,
        sample.sao2_pct?,
        sample.pao2_mmhg?,
        flow_at(record, sample.time_s)?,
        record.case.patient.bsa_m2(),
    ))
}

fn min_of(values: impl Iterator<Item = f64>) -> Option<f64> {
    values.reduce(f64::min)
}

/// `(start_s, end_s)` intervals between matching start and stop events; an open one ends at `end_s`.
fn runs(
    record: &Record,
    starts: impl Fn(&Event) -> bool,
    stops: impl Fn(&Event) -> bool,
    end_s: f64,
) -> Vec<(f64, f64)> {
    let mut runs = Vec::new();
    let mut open: Option<f64> = None;
    for entry in &record.timeline {
        if starts(&entry.event) {
            open = Some(entry.time_s);
        } else if stops(&entry.event) {
            if let Some(start_s) = open.take() {
                runs.push((start_s, entry.time_s));
            }
        }
    }
    if let Some(start_s) = open {
        runs.push((start_s, end_s));
    }
    runs
}

/// The pump flow in effect at `time_s`, L/min: the last `pump_flow` event at or before it.
pub fn flow_at(record: &Record, time_s: f64) -> Option<f64> {
    record
        .timeline
        .iter()
        .take_while(|entry| entry.time_s <= time_s)
        .filter_map(|entry| match entry.event {
            Event::PumpFlow { flow_l_min } => Some(flow_l_min),
            _ => None,
        })
        .last()
}
