//! The instructor's PINTS rating of the student's non-technical skills (Dias et al. 2023, see
//! [`perfuse_record::model::Pints`]): given in the debrief, saved with the session for a
//! restart and with its training record. A rating is not an input to the simulation, so a
//! rewind keeps it.

use perfuse_record::model::Pints;

use super::{Session, clock};

impl Session {
    /// Rates (or rates again) the session's non-technical skills; an invalid rating names its
    /// category and the scale.
    pub fn rate(&self, pints: Pints) -> Result<(), perfuse_record::Error> {
        perfuse_record::validate::validate_pints(&pints, "")?;
        let mut state = self.state();
        state.pints = Some(pints);
        state.changes += 1;
        drop(state);
        self.forget_debrief();
        Ok(())
    }

    /// The PINTS rating, once given.
    pub fn pints(&self) -> Option<Pints> {
        self.state().pints
    }

    /// What a training record notes of the session beyond its observations: the branches the
    /// instructor rewound away from (its scores are the final line's).
    pub fn record_notes(&self) -> Option<String> {
        let state = self.state();
        let lines: Vec<String> = state
            .branches
            .iter()
            .map(|b| {
                let met = b.objectives.iter().filter(|o| o.met).count();
                format!(
                    "Branch {} (rewound): {} to {}, objectives met {met} of {}",
                    b.number,
                    clock(b.from_s),
                    clock(b.until_s),
                    b.objectives.len()
                )
            })
            .collect();
        (!lines.is_empty()).then(|| {
            format!(
                "Simulator session {}; the record is its final line.\n{}",
                self.code,
                lines.join("\n")
            )
        })
    }
}
