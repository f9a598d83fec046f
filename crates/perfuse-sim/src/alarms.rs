//! Alarm conditions (detectors, pressure limits, monitored values, rhythm and faults) with
//! IEC 60601-1-8 priorities, an onset delay and a clear band each, so that an alarm neither
//! fires on a transient nor chatters around its limit. Kept as a bit set plus one timer per
//! alarm, so evaluating them never allocates.

use crate::observe::{Alarm, Priority};

/// One alarm: priority, stable code and how long its condition must hold before it sounds.
#[derive(Clone, Copy, Debug)]
pub struct AlarmDef {
    /// IEC 60601-1-8 priority and code.
    pub alarm: Alarm,
    /// Alarm-condition delay, s (IEC 60601-1-8 §6.4: a delay keeps short transients from
    /// alarming; values are assumptions after patient-monitor defaults: 2–10 s for physiological
    /// values, none for equipment and safety systems).
    pub onset_s: f64,
}

const fn def(priority: Priority, code: &'static str, onset_s: f64) -> AlarmDef {
    AlarmDef {
        alarm: Alarm { priority, code },
        onset_s,
    }
}

use Priority::{High, Low, Medium};

/// Number of alarms.
pub const COUNT: usize = 23;

/// Every alarm the console can raise, in display order within a priority.
pub const ALARMS: [AlarmDef; COUNT] = [
    def(High, "arterial-air", 0.0),
    def(High, "air-embolism", 0.0),
    def(High, "reservoir-empty", 0.0),
    def(High, "pump-failure", 0.0),
    def(High, "power-loss", 0.0),
    def(High, "high-line-pressure", 0.0),
    def(High, "circuit-thrombosis", 0.0),
    def(High, "low-map", 5.0),
    def(High, "low-pao2", 5.0),
    def(High, "ventricular-fibrillation", 2.0),
    // Patient monitors call asystole after ≈ 4 s without a beat.
    def(High, "asystole", 4.0),
    def(Medium, "low-level", 0.0),
    def(Medium, "high-paco2", 10.0),
    def(Medium, "low-svo2", 10.0),
    def(Medium, "low-rso2", 10.0),
    def(Medium, "low-act", 0.0),
    def(Medium, "act-due", 0.0),
    def(Medium, "hyperkalemia", 0.0),
    def(Medium, "high-arterial-temp", 2.0),
    def(Medium, "heater-cooler-off", 0.0),
    def(Low, "high-level", 0.0),
    def(Low, "high-temp-gradient", 5.0),
    def(Low, "detector-disarmed", 0.0),
];

/// Every alarm code, in [`ALARMS`] order (scenario files may name them).
pub const ALARM_CODES: [&str; COUNT] = {
    let mut codes = [""; COUNT];
    let mut i = 0;
    while i < COUNT {
        codes[i] = ALARMS[i].alarm.code;
        i += 1;
    }
    codes
};

/// Index of each alarm in [`ALARMS`].
pub mod id {
    #![allow(missing_docs)]
    pub const ARTERIAL_AIR: usize = 0;
    pub const AIR_EMBOLISM: usize = 1;
    pub const RESERVOIR_EMPTY: usize = 2;
    pub const PUMP_FAILURE: usize = 3;
    pub const POWER_LOSS: usize = 4;
    pub const HIGH_LINE_PRESSURE: usize = 5;
    pub const CIRCUIT_THROMBOSIS: usize = 6;
    pub const LOW_MAP: usize = 7;
    pub const LOW_PAO2: usize = 8;
    pub const VF: usize = 9;
    pub const ASYSTOLE: usize = 10;
    pub const LOW_LEVEL: usize = 11;
    pub const HIGH_PACO2: usize = 12;
    pub const LOW_SVO2: usize = 13;
    pub const LOW_RSO2: usize = 14;
    pub const LOW_ACT: usize = 15;
    pub const ACT_DUE: usize = 16;
    pub const HYPERKALEMIA: usize = 17;
    pub const HIGH_ARTERIAL_TEMP: usize = 18;
    pub const HEATER_COOLER_OFF: usize = 19;
    pub const HIGH_LEVEL: usize = 20;
    pub const HIGH_TEMP_GRADIENT: usize = 21;
    pub const DETECTOR_DISARMED: usize = 22;
}

/// What a monitored value says about its alarm at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Back in range: the alarm clears.
    Clear,
    /// Inside the clear band: an active alarm stays, an inactive one does not start.
    Hold,
    /// Beyond the limit: the alarm sounds once this has lasted its onset delay.
    Raise,
}

impl Condition {
    /// A condition that is simply true or false (a fault, a detector).
    pub fn flag(on: bool) -> Condition {
        if on {
            Condition::Raise
        } else {
            Condition::Clear
        }
    }

    /// Alarm above `limit`, cleared only below `limit − band`.
    pub fn above(value: f64, limit: f64, band: f64) -> Condition {
        if value > limit {
            Condition::Raise
        } else if value > limit - band {
            Condition::Hold
        } else {
            Condition::Clear
        }
    }

    /// Alarm below `limit`, cleared only above `limit + band`.
    pub fn below(value: f64, limit: f64, band: f64) -> Condition {
        if value < limit {
            Condition::Raise
        } else if value < limit + band {
            Condition::Hold
        } else {
            Condition::Clear
        }
    }

    /// Applies only when `applies`; otherwise clear.
    pub fn when(self, applies: bool) -> Condition {
        if applies { self } else { Condition::Clear }
    }
}

/// The active alarms and the time each raise condition has held.
#[derive(Clone, Debug)]
pub struct AlarmState {
    active: u32,
    held_s: [f64; COUNT],
    raised_total: u32,
}

impl Default for AlarmState {
    fn default() -> Self {
        AlarmState {
            active: 0,
            held_s: [0.0; COUNT],
            raised_total: 0,
        }
    }
}

impl AlarmState {
    /// Advances by `dt_s` with this instant's conditions.
    pub fn update(&mut self, dt_s: f64, conditions: &[Condition; COUNT]) {
        for (i, (condition, def)) in conditions.iter().zip(&ALARMS).enumerate() {
            let bit = 1u32 << i;
            match condition {
                Condition::Raise => {
                    self.held_s[i] += dt_s;
                    // The timer sums 0.1 s steps: allow for their rounding.
                    if self.active & bit == 0 && self.held_s[i] >= def.onset_s - 1e-6 {
                        self.active |= bit;
                        self.raised_total += 1;
                    }
                }
                Condition::Hold => self.held_s[i] = 0.0,
                Condition::Clear => {
                    self.held_s[i] = 0.0;
                    self.active &= !bit;
                }
            }
        }
    }

    /// Whether alarm `id` is active.
    pub fn is_active(&self, id: usize) -> bool {
        self.active & (1 << id) != 0
    }

    /// Onsets since the counter was last reset.
    pub fn raised_total(&self) -> u32 {
        self.raised_total
    }

    /// Forgets the onsets counted so far (start-up settling is not part of the case).
    pub fn reset_count(&mut self) {
        self.raised_total = 0;
    }

    /// Active alarms, highest priority first.
    pub fn list(&self) -> Vec<Alarm> {
        let mut out: Vec<Alarm> = ALARMS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.is_active(*i))
            .map(|(_, d)| d.alarm)
            .collect();
        out.sort_by_key(|a| std::cmp::Reverse(a.priority));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(id: usize, condition: Condition) -> [Condition; COUNT] {
        let mut c = [Condition::Clear; COUNT];
        c[id] = condition;
        c
    }

    #[test]
    fn listed_highest_priority_first() {
        let mut s = AlarmState::default();
        let mut c = [Condition::Clear; COUNT];
        c[id::LOW_LEVEL] = Condition::Raise;
        c[id::ARTERIAL_AIR] = Condition::Raise;
        c[id::HIGH_LEVEL] = Condition::Raise;
        s.update(0.1, &c);
        let codes: Vec<_> = s.list().iter().map(|a| a.code).collect();
        assert_eq!(codes, ["arterial-air", "low-level", "high-level"]);
        assert_eq!(s.raised_total(), 3);
    }

    #[test]
    fn onset_delay_and_clear_band() {
        let mut s = AlarmState::default();
        // Low MAP needs 5 s.
        for _ in 0..49 {
            s.update(0.1, &only(id::LOW_MAP, Condition::Raise));
        }
        assert!(!s.is_active(id::LOW_MAP));
        s.update(0.1, &only(id::LOW_MAP, Condition::Raise));
        assert!(s.is_active(id::LOW_MAP));
        // Inside the band it stays; back in range it clears; a new excursion restarts the delay.
        s.update(0.1, &only(id::LOW_MAP, Condition::Hold));
        assert!(s.is_active(id::LOW_MAP));
        s.update(0.1, &only(id::LOW_MAP, Condition::Clear));
        assert!(!s.is_active(id::LOW_MAP));
        s.update(0.1, &only(id::LOW_MAP, Condition::Raise));
        assert!(!s.is_active(id::LOW_MAP));
        assert_eq!(s.raised_total(), 1);
    }

    #[test]
    fn bands() {
        assert_eq!(Condition::above(301.0, 300.0, 10.0), Condition::Raise);
        assert_eq!(Condition::above(295.0, 300.0, 10.0), Condition::Hold);
        assert_eq!(Condition::above(289.0, 300.0, 10.0), Condition::Clear);
        assert_eq!(Condition::below(36.9, 37.0, 0.2), Condition::Raise);
        assert_eq!(Condition::below(37.1, 37.0, 0.2), Condition::Hold);
        assert_eq!(Condition::below(37.3, 37.0, 0.2), Condition::Clear);
        assert_eq!(Condition::Raise.when(false), Condition::Clear);
    }
}
