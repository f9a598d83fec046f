//! # perfuse-sim
//!
//! A lumped-parameter model of an adult or paediatric patient on a cardiopulmonary-bypass
//! circuit: circulation with a time-varying-elastance heart and baroreflex, hemodilution,
//! O2/CO2 transport and acid–base, temperature, heparin/ACT, lactate, potassium, and the
//! circuit (venous drainage, reservoir, roller or centrifugal pump, oxygenator, heat
//! exchanger, cardioplegia) with alarms and injectable faults.
//!
//! **Architecture invariant:** no I/O, no clock, no globals, no async. The only input is
//! [`Action`]; the same configuration, seed and actions give bit-identical [`Observations`].
//! Equations and sources: `docs/model.md`.
//!
//! # Example
//! ```
//! use perfuse_sim::{Action, CircuitConfig, PatientConfig, Simulation};
//! let mut sim = Simulation::new(&PatientConfig::default(), &CircuitConfig::default(), 1).unwrap();
//! sim.apply(&Action::Heparin { units: 32000.0 });
//! sim.run_until(60.0);
//! assert!(sim.observe().act_s > 480.0);
//! ```

mod action;
mod alarms;
mod apply;
mod blood;
mod cerebral;
mod circuit;
mod circulation;
mod config;
mod fluids;
mod gas;
mod heart;
mod labs;
mod machine;
mod names;
mod observe;
mod pharm;
mod reflex;
mod rng;
mod sim;
mod thermal;

pub use action::{
    ACTIONS, Action, ActionSpec, Actor, CannulationSite, CardioplegiaKind, CardioplegiaRoute,
    Detector, Drug, FaultKind, FieldKind, FieldSource, FieldSpec, FieldValue, FluidKind,
    NumberDefault, Range,
};
pub use alarms::ALARM_CODES;
pub use config::{
    CircuitConfig, ConfigError, PatientConfig, PumpKind, Sex, resting_ci_l_min_m2, resting_hr_bpm,
    resting_map_mmhg,
};
pub use labs::{ABG_DELAY_S, ACT_HANDLING_S};
pub use observe::{Alarm, BloodGas, Observations, Phase, Priority, Rhythm};
pub use sim::{Applied, Simulation, Snapshot};
