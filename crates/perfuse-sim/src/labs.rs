//! Point-of-care samples: an ACT is drawn and its result is known when the clot forms; a blood
//! gas is analysed after a fixed delay. Results report the blood as it was when drawn. What a
//! perfusionist manages is what they measured, so alarms about anticoagulation read these
//! results, never the hidden true value.

use crate::observe::BloodGas;

/// Delay from sending an arterial blood gas to its result, s (bedside analysers report in
/// 1–2 min; the console's delay since wave 1).
pub const ABG_DELAY_S: f64 = 90.0;
/// Handling time of an ACT on top of the clotting time itself, s (drawing, loading the
/// cartridge; assumption). A 480 s ACT is known 8.5 min after it is drawn, as at the pump.
pub const ACT_HANDLING_S: f64 = 30.0;
/// Samples of one kind that may wait for a result at once.
pub const MAX_PENDING: usize = 4;

/// Samples in the analysers and the last results.
#[derive(Clone, Debug, Default)]
pub struct Labs {
    /// ACTs waiting: (result time, value).
    acts: [Option<(f64, f64)>; MAX_PENDING],
    /// Blood gases waiting: (result time, values at drawing).
    abgs: [Option<(f64, BloodGas)>; MAX_PENDING],
    /// Last ACT result, s.
    pub act_s: Option<f64>,
    /// When the last ACT was drawn (result or not), s.
    pub act_drawn_at_s: Option<f64>,
    /// Last blood-gas result.
    pub abg: Option<BloodGas>,
}

/// A sample could not be taken.
pub const ANALYSER_BUSY: &str = "four samples of that kind are already waiting for results";

impl Labs {
    /// Draws an ACT whose true value now is `act_s`.
    pub fn draw_act(&mut self, now_s: f64, act_s: f64) -> Result<(), &'static str> {
        let slot = self
            .acts
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(ANALYSER_BUSY)?;
        *slot = Some((now_s + act_s + ACT_HANDLING_S, act_s));
        self.act_drawn_at_s = Some(now_s);
        Ok(())
    }

    /// Sends a blood gas whose values now are `gas`.
    pub fn send_abg(&mut self, now_s: f64, gas: BloodGas) -> Result<(), &'static str> {
        let slot = self
            .abgs
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(ANALYSER_BUSY)?;
        *slot = Some((now_s + ABG_DELAY_S, gas));
        Ok(())
    }

    /// Publishes the results due by `now_s` (the latest drawn wins).
    pub fn update(&mut self, now_s: f64) {
        for slot in &mut self.acts {
            if let Some((ready_s, value)) = *slot
                && ready_s <= now_s
            {
                self.act_s = Some(value);
                *slot = None;
            }
        }
        for slot in &mut self.abgs {
            if let Some((ready_s, gas)) = *slot
                && ready_s <= now_s
            {
                if self
                    .abg
                    .is_none_or(|last| last.drawn_at_s <= gas.drawn_at_s)
                {
                    self.abg = Some(gas);
                }
                *slot = None;
            }
        }
    }

    /// Seconds since the last ACT was drawn (`None` if never).
    pub fn since_act_drawn_s(&self, now_s: f64) -> Option<f64> {
        self.act_drawn_at_s.map(|t| now_s - t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_after_their_delay() {
        let mut labs = Labs::default();
        labs.draw_act(100.0, 480.0).unwrap();
        labs.update(600.0);
        assert_eq!(labs.act_s, None);
        labs.update(610.0);
        assert_eq!(labs.act_s, Some(480.0));
        for _ in 0..MAX_PENDING {
            labs.draw_act(700.0, 400.0).unwrap();
        }
        assert_eq!(labs.draw_act(700.0, 400.0), Err(ANALYSER_BUSY));
    }
}
