//! Alarm conditions (level and bubble detectors, pressure limits, monitored values and faults)
//! with IEC 60601-1-8 priorities, kept as a bit set so that counting onsets never allocates.

use crate::observe::{Alarm, Priority};

/// Every alarm the console can raise, in display order within a priority.
pub const ALARMS: [Alarm; 16] = [
    Alarm {
        priority: Priority::High,
        code: "arterial-air",
    },
    Alarm {
        priority: Priority::High,
        code: "reservoir-empty",
    },
    Alarm {
        priority: Priority::High,
        code: "pump-failure",
    },
    Alarm {
        priority: Priority::High,
        code: "power-loss",
    },
    Alarm {
        priority: Priority::High,
        code: "high-line-pressure",
    },
    Alarm {
        priority: Priority::High,
        code: "low-map",
    },
    Alarm {
        priority: Priority::High,
        code: "low-pao2",
    },
    Alarm {
        priority: Priority::Medium,
        code: "low-level",
    },
    Alarm {
        priority: Priority::Medium,
        code: "high-paco2",
    },
    Alarm {
        priority: Priority::Medium,
        code: "low-svo2",
    },
    Alarm {
        priority: Priority::Medium,
        code: "low-act",
    },
    Alarm {
        priority: Priority::Medium,
        code: "hyperkalemia",
    },
    Alarm {
        priority: Priority::Medium,
        code: "high-arterial-temp",
    },
    Alarm {
        priority: Priority::Medium,
        code: "heater-cooler-off",
    },
    Alarm {
        priority: Priority::Low,
        code: "high-level",
    },
    Alarm {
        priority: Priority::Low,
        code: "high-temp-gradient",
    },
];

/// Bit of `arterial-air` in an alarm set.
pub const ARTERIAL_AIR: u32 = 1 << 0;
/// Bit of `reservoir-empty` in an alarm set.
pub const RESERVOIR_EMPTY: u32 = 1 << 1;
/// Bit of `pump-failure` in an alarm set.
pub const PUMP_FAILURE: u32 = 1 << 2;
/// Bit of `power-loss` in an alarm set.
pub const POWER_LOSS: u32 = 1 << 3;
/// Bit of `high-line-pressure` in an alarm set.
pub const HIGH_LINE_PRESSURE: u32 = 1 << 4;
/// Bit of `low-map` in an alarm set.
pub const LOW_MAP: u32 = 1 << 5;
/// Bit of `low-pao2` in an alarm set.
pub const LOW_PAO2: u32 = 1 << 6;
/// Bit of `low-level` in an alarm set.
pub const LOW_LEVEL: u32 = 1 << 7;
/// Bit of `high-paco2` in an alarm set.
pub const HIGH_PACO2: u32 = 1 << 8;
/// Bit of `low-svo2` in an alarm set.
pub const LOW_SVO2: u32 = 1 << 9;
/// Bit of `low-act` in an alarm set.
pub const LOW_ACT: u32 = 1 << 10;
/// Bit of `hyperkalemia` in an alarm set.
pub const HYPERKALEMIA: u32 = 1 << 11;
/// Bit of `high-arterial-temp` in an alarm set.
pub const HIGH_ARTERIAL_TEMP: u32 = 1 << 12;
/// Bit of `heater-cooler-off` in an alarm set.
pub const HEATER_COOLER_OFF: u32 = 1 << 13;
/// Bit of `high-level` in an alarm set.
pub const HIGH_LEVEL: u32 = 1 << 14;
/// Bit of `high-temp-gradient` in an alarm set.
pub const HIGH_TEMP_GRADIENT: u32 = 1 << 15;

/// Active alarms of a bit set, highest priority first.
pub fn list(mask: u32) -> Vec<Alarm> {
    let mut out: Vec<Alarm> = ALARMS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, a)| *a)
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.priority));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_highest_priority_first() {
        let l = list(LOW_LEVEL | ARTERIAL_AIR | HIGH_LEVEL);
        let codes: Vec<_> = l.iter().map(|a| a.code).collect();
        assert_eq!(codes, ["arterial-air", "low-level", "high-level"]);
    }
}
