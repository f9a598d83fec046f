//! The ranges a report flags lab values against and draws on the chart, each with its source.
//! They are targets for a patient on bypass or plain adult reference intervals, not the
//! validation bounds of
//! `perfuse_record::validate` (which only reject impossible values).

use perfuse_clinical::oxygen::CRITICAL_DO2I_ML_MIN_M2;

/// An accepted interval; either end may be open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Values below are flagged low.
    pub low: Option<f64>,
    /// Values above are flagged high.
    pub high: Option<f64>,
    /// Only samples on bypass are checked (an ACT before heparin is meant to be low).
    pub on_bypass_only: bool,
    /// Where the numbers come from.
    pub source: &'static str,
}

/// Low, high or within the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Below the range.
    Low,
    /// Above the range.
    High,
}

impl Range {
    /// The flag of `value` (sampled on bypass or not).
    pub fn flag(&self, value: f64, on_bypass: bool) -> Option<Flag> {
        if self.on_bypass_only && !on_bypass {
            return None;
        }
        if self.low.is_some_and(|low| value < low) {
            Some(Flag::Low)
        } else if self.high.is_some_and(|high| value > high) {
            Some(Flag::High)
        } else {
            None
        }
    }

    /// The range as written in a report, e.g. `7.35–7.45`, `≥ 480`, `≤ 3`.
    pub fn text(&self) -> String {
        match (self.low, self.high) {
            (Some(low), Some(high)) => format!("{low}–{high}"),
            (Some(low), None) => format!("≥ {low}"),
            (None, Some(high)) => format!("≤ {high}"),
            (None, None) => "—".to_owned(),
        }
    }
}

/// Arterial pH 7.35–7.45 (adult reference interval; alpha-stat management keeps it there on
/// bypass: Gravlee, *Cardiopulmonary Bypass: Principles and Practice*, 3rd ed. 2008).
pub const PH: Range = Range {
    low: Some(7.35),
    high: Some(7.45),
    on_bypass_only: false,
    source: "adult reference interval; alpha-stat (Gravlee 2008)",
};

/// Arterial PCO2 35–45 mmHg (adult reference interval; alpha-stat, Gravlee 2008).
pub const PACO2_MMHG: Range = Range {
    low: Some(35.0),
    high: Some(45.0),
    on_bypass_only: false,
    source: "adult reference interval; alpha-stat (Gravlee 2008)",
};

/// Haematocrit on bypass ≥ 21 % (EACTS/EACTA/EBCP guidelines on cardiopulmonary bypass in
/// adult cardiac surgery, Wahba et al. 2020: Hct 21–24 % with an adequate DO2i).
pub const HCT_PCT: Range = Range {
    low: Some(21.0),
    high: None,
    on_bypass_only: true,
    source: "on bypass (Wahba 2020, EACTS/EACTA/EBCP)",
};

/// Potassium 3.5–5.0 mmol/L (adult serum reference interval, Tietz *Textbook of Clinical
/// Chemistry and Molecular Diagnostics*, 6th ed. 2018).
pub const K_MMOL_L: Range = Range {
    low: Some(3.5),
    high: Some(5.0),
    on_bypass_only: false,
    source: "adult reference interval (Tietz 2018)",
};

/// Glucose ≤ 10 mmol/L (180 mg/dL) during cardiac surgery (STS practice guideline on blood
/// glucose management during adult cardiac surgery, Lazar et al. 2009).
pub const GLUCOSE_MMOL_L: Range = Range {
    low: None,
    high: Some(10.0),
    on_bypass_only: false,
    source: "≤ 180 mg/dL (Lazar 2009, STS)",
};

/// Lactate ≤ 3 mmol/L: above it is hyperlactataemia on bypass (Ranucci et al. 2006, Crit Care
/// 10:R167, peak > 3 mmol/L associated with morbidity).
pub const LACTATE_MMOL_L: Range = Range {
    low: None,
    high: Some(3.0),
    on_bypass_only: false,
    source: "hyperlactataemia > 3 (Ranucci 2006)",
};

/// ACT ≥ 480 s on bypass (Bull et al. 1975; the usual threshold, as `perfuse-drill` and the
/// console's debrief use).
pub const ACT_S: Range = Range {
    low: Some(480.0),
    high: None,
    on_bypass_only: true,
    source: "on bypass (Bull 1975)",
};

/// DO2i on bypass ≥ 272 mL/min/m² (Ranucci et al. 2005, the critical DO2i of
/// `perfuse_clinical::oxygen`).
pub const DO2I_ML_MIN_M2: Range = Range {
    low: Some(CRITICAL_DO2I_ML_MIN_M2),
    high: None,
    on_bypass_only: true,
    source: "on bypass (Ranucci 2005)",
};

/// Mean arterial pressure on bypass 50–80 mmHg (EACTS/EACTA/EBCP guidelines on cardiopulmonary
/// bypass in adult cardiac surgery, Wahba et al. 2020, class IIa).
pub const MAP_MMHG: Range = Range {
    low: Some(50.0),
    high: Some(80.0),
    on_bypass_only: true,
    source: "on bypass (Wahba 2020, EACTS/EACTA/EBCP)",
};

/// Arterial outlet blood temperature ≤ 37 °C, to avoid cerebral hyperthermia on rewarming
/// (STS/SCA/AmSECT temperature management guideline, Engelman et al. 2015, Ann Thorac Surg
/// 100:748–757: arterial outlet temperature below 37 °C).
pub const TEMP_ARTERIAL_C: Range = Range {
    low: None,
    high: Some(37.0),
    on_bypass_only: true,
    source: "on bypass (Engelman 2015, STS/SCA/AmSECT)",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_outside_only_and_respects_on_bypass() {
        assert_eq!(PH.flag(7.30, false), Some(Flag::Low));
        assert_eq!(PH.flag(7.35, false), None);
        assert_eq!(PH.flag(7.46, false), Some(Flag::High));
        // A baseline ACT before heparin is not a finding; on bypass it is.
        assert_eq!(ACT_S.flag(130.0, false), None);
        assert_eq!(ACT_S.flag(430.0, true), Some(Flag::Low));
        assert_eq!(HCT_PCT.flag(19.0, true), Some(Flag::Low));
        assert_eq!(LACTATE_MMOL_L.flag(3.1, false), Some(Flag::High));
        assert_eq!(DO2I_ML_MIN_M2.text(), "≥ 272");
        assert_eq!(K_MMOL_L.text(), "3.5–5");
    }
}
