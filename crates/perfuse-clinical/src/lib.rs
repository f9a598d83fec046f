//! Clinical arithmetic of cardiopulmonary bypass: pure, cited, unit-named functions.
//!
//! # Brief overview
//! Each module holds the formulas of one topic as plain `f64` functions whose parameter
//! names carry their units (`height_cm`, `flow_l_min`). They do no validation: they are
//! the formulas as published. [`catalog`] wraps them with the accepted input ranges, defaults
//! and citations of `calc.md`, and is what user-facing code (the CLI, the web UI) calls.
//!
//! # Example
//! ```
//! use perfuse_clinical::{body, catalog};
//! let bsa_m2 = body::bsa_m2(body::BsaMethod::DuBois, 175.0, 80.0);
//! assert!((bsa_m2 - 1.956).abs() < 1e-3);
//!
//! let bsa = catalog::find("bsa").unwrap();
//! let given = catalog::Given::default().number("height-cm", 175.0).number("weight-kg", -5.0);
//! let error = bsa.evaluate(&given).unwrap_err();
//! assert_eq!(error.to_string(), "--weight-kg -5: must be between 0.3 and 650 kg");
//! ```

pub mod acid_base;
pub mod anticoagulation;
pub mod blood;
pub mod body;
pub mod catalog;
pub mod flow;
pub mod oxygen;
