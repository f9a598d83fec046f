//! The pre-bypass plan of a record, computed from the record with `perfuse-clinical`.

use perfuse_clinical::anticoagulation::heparin_dose_units;
use perfuse_clinical::blood::on_bypass_hct_pct;
use perfuse_clinical::body::ebv_ml;
use perfuse_clinical::flow::target_flow_l_min;
use serde::{Deserialize, Serialize};

use crate::model::Record;

/// Numbers planned before bypass. Always recomputed from the record, never stored apart from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Body-surface area (DuBois), m².
    pub bsa_m2: f64,
    /// Target pump flow = BSA × cardiac index, L/min.
    pub target_flow_l_min: f64,
    /// Estimated blood volume, mL.
    pub ebv_ml: f64,
    /// Prime volume (sum of the prime components), mL.
    pub prime_volume_ml: f64,
    /// Predicted haematocrit once on bypass, %.
    pub predicted_hct_pct: f64,
    /// Initial heparin dose, units.
    pub heparin_dose_units: f64,
}

impl Plan {
    /// Computes the plan of a (validated) record.
    pub fn of(record: &Record) -> Plan {
        let patient = &record.case.patient;
        let settings = &record.plan;
        let bsa = patient.bsa_m2();
        let ebv = ebv_ml(patient.weight_kg, settings.ebv_ml_per_kg);
        let prime_volume_ml = record.circuit.prime_volume_ml();
        Plan {
            bsa_m2: bsa,
            target_flow_l_min: target_flow_l_min(bsa, settings.cardiac_index_l_min_m2),
            ebv_ml: ebv,
            prime_volume_ml,
            predicted_hct_pct: on_bypass_hct_pct(
                ebv,
                patient.hct_pct,
                prime_volume_ml,
                record.circuit.prime_hct_pct,
                settings.planned_fluids_ml,
            ),
            heparin_dose_units: heparin_dose_units(
                patient.weight_kg,
                settings.heparin_units_per_kg,
            ),
        }
    }
}
