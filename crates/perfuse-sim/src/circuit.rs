//! The bypass circuit's mechanics: gravity/vacuum venous drainage, roller and centrifugal
//! arterial pumps, arterial line pressure and the heat exchanger.

use crate::config::{CircuitConfig, PumpKind};

/// mmHg per cm of blood column: 0.7356 mmHg/cmH2O × blood density 1.05 g/mL.
const MMHG_PER_CM_BLOOD: f64 = 0.7356 * 1.05;

/// Oxygenator blood-side ΔP slope, mmHg per L/min for a 1.8 m² device: Capiox SX18 ΔP ≈ 91
/// mmHg at 5 L/min (Fried DW et al., Perfusion 1998;13:119), taken through the origin.
const OXYGENATOR_DP_MMHG_PER_L_MIN_AT_1_8_M2: f64 = 91.0 / 5.0;

/// Pressure drop from the oxygenator outlet to the aorta at the patient's full flow, mmHg
/// (turbulent, ∝ Q²): arterial cannula ≈ 60–80 (a cannula is chosen so that full flow costs
/// that; Gravlee, cannulation chapter), arterial filter ≈ 10–20 and tubing ≈ 10–20 (assumptions),
/// so that the post-oxygenator "line pressure" reads 150–250 mmHg at full flow (Gravlee,
/// arterial line monitoring; model-reference §5).
const CANNULA_DP_AT_FULL_FLOW_MMHG: f64 = 100.0;

/// Full ("100 %") bypass flow index, L/min/m² (EACTS/EACTA/EBCP 2019: 2.2–2.5 at 37 °C).
pub const FULL_FLOW_INDEX_L_MIN_M2: f64 = 2.4;

/// Venous drainage capacity at φ = 1 relative to full flow (assumption: a venous cannula sized
/// for the patient drains about twice full flow on a 50 cm siphon).
const DRAINAGE_CAPACITY_RATIO: f64 = 2.0;

/// Right-atrial pressure at which the collapsible cannula/atrium drains half its capacity,
/// mmHg (assumption).
const DRAINAGE_HALF_MMHG: f64 = 1.0;

/// Reference siphon height for the drainage capacity, cm (Gravlee: 40–70 cm typical).
const REFERENCE_SIPHON_CM: f64 = 50.0;

/// Centrifugal head curve ΔP = a·N² − b·Q² − c·Q·N (affinity-law form, ecmosimulation.com
/// model page), N in 1/min and Q in L/min. Coefficients for a Rotaflow-class head: shut-off
/// ≈ 300 mmHg at 3000 rpm, ≈ 210 mmHg at 5 L/min, and a flat curve near the operating point
/// (−22 mmHg per L/min) so that flow at a fixed speed falls markedly with afterload, as
/// centrifugal pumps do (Tayama E et al., in Gravlee ch. 3; ⚠ not fitted to an IFU chart).
const CENTRIFUGAL_A: f64 = 3.3e-5;
const CENTRIFUGAL_B: f64 = 1.0;
const CENTRIFUGAL_C: f64 = 0.004;

/// Size-dependent circuit constants.
#[derive(Clone, Debug)]
pub struct CircuitParams {
    /// Pump head.
    pub pump: PumpKind,
    /// Roller stroke volume, mL/rev.
    pub roller_ml_per_rev: f64,
    /// Volume of tubing, oxygenator and filter (not in the reservoir), mL.
    pub static_volume_ml: f64,
    /// Drainage coefficient, mL/s per √mmHg.
    pub drainage_ml_s_per_sqrt_mmhg: f64,
    /// Gravity siphon, mmHg.
    pub siphon_mmhg: f64,
    /// Cannula + line ΔP coefficient, mmHg/(L/min)².
    pub cannula_mmhg_per_l_min2: f64,
    /// Oxygenator ΔP coefficient (intact), mmHg per L/min.
    pub oxygenator_mmhg_per_l_min: f64,
    /// Level-detector threshold, mL.
    pub reservoir_min_ml: f64,
    /// Level below which the level servo stops the pump, mL.
    pub reservoir_floor_ml: f64,
    /// Reservoir capacity, mL.
    pub reservoir_capacity_ml: f64,
    /// Heat-exchanger performance factor.
    pub heat_exchanger_pf: f64,
}

impl CircuitParams {
    /// Constants for this circuit on a patient of this BSA.
    pub fn new(c: &CircuitConfig, bsa_m2: f64) -> Self {
        let full_flow_l_min = FULL_FLOW_INDEX_L_MIN_M2 * bsa_m2;
        let full_flow_ml_s = full_flow_l_min * 1000.0 / 60.0;
        let reference_mmhg = REFERENCE_SIPHON_CM * MMHG_PER_CM_BLOOD;
        CircuitParams {
            pump: c.pump,
            roller_ml_per_rev: c.roller_ml_per_rev,
            // Tubing + oxygenator + filter ≈ 45 % of the prime (Perfusion 2016;31:15: functional
            // prime 956–1426 mL of which the reservoir holds the rest; assumption).
            static_volume_ml: 0.45 * c.prime_ml,
            drainage_ml_s_per_sqrt_mmhg: DRAINAGE_CAPACITY_RATIO * full_flow_ml_s
                / reference_mmhg.sqrt(),
            siphon_mmhg: c.siphon_height_cm * MMHG_PER_CM_BLOOD,
            cannula_mmhg_per_l_min2: CANNULA_DP_AT_FULL_FLOW_MMHG
                / (full_flow_l_min * full_flow_l_min),
            oxygenator_mmhg_per_l_min: OXYGENATOR_DP_MMHG_PER_L_MIN_AT_1_8_M2 * 1.8
                / c.oxygenator_area_m2,
            reservoir_min_ml: c.reservoir_min_ml,
            reservoir_floor_ml: 0.25 * c.reservoir_min_ml,
            reservoir_capacity_ml: c.reservoir_capacity_ml,
            heat_exchanger_pf: c.heat_exchanger_pf,
        }
    }

    /// Venous drainage, mL/s, from the right atrium to the reservoir. Capacity ∝ √(siphon +
    /// vacuum) (Sistino J et al., JECT 2002;34:111: +42 % flow per extra −40 mmHg, which the
    /// square root reproduces from a 50 cm siphon), times the fraction of the collapsible
    /// atrium/cava that stays open, x/(1 + x) with x = P_RA/1 mmHg.
    pub fn drainage_ml_s(&self, ra_mmhg: f64, vavd_mmhg: f64) -> f64 {
        let x = ra_mmhg.max(0.0) / DRAINAGE_HALF_MMHG;
        self.drainage_ml_s_per_sqrt_mmhg * (self.siphon_mmhg + vavd_mmhg).sqrt() * x / (1.0 + x)
    }

    /// Resistive load coefficients of the arterial side: (quadratic, linear) in L/min.
    fn load(&self, oxygenator_dp_factor: f64) -> (f64, f64) {
        (
            self.cannula_mmhg_per_l_min2,
            self.oxygenator_mmhg_per_l_min * oxygenator_dp_factor,
        )
    }

    /// Post-oxygenator (arterial line) pressure, mmHg: the patient's arterial pressure plus the
    /// cannula and line ΔP.
    pub fn post_oxygenator_mmhg(&self, sa_mmhg: f64, flow_l_min: f64) -> f64 {
        sa_mmhg + self.cannula_mmhg_per_l_min2 * flow_l_min * flow_l_min.abs()
    }

    /// Pressure drop across the oxygenator at this flow, mmHg (× `dp_factor` when clotted or
    /// failing). The pre-oxygenator (system) pressure is the post-oxygenator pressure plus it.
    pub fn oxygenator_dp_mmhg(&self, flow_l_min: f64, dp_factor: f64) -> f64 {
        self.oxygenator_mmhg_per_l_min * dp_factor * flow_l_min
    }

    /// Flow at which the post-oxygenator pressure reaches `limit_mmhg`, L/min (0 when the
    /// patient's pressure alone is at the limit): what the pressure servo lets the pump give.
    pub fn flow_at_post_oxygenator_mmhg(&self, limit_mmhg: f64, sa_mmhg: f64) -> f64 {
        ((limit_mmhg - sa_mmhg).max(0.0) / self.cannula_mmhg_per_l_min2).sqrt()
    }

    /// Roller flow, L/min: occlusive, rpm × stroke volume whatever the afterload.
    pub fn roller_flow_l_min(&self, rpm: f64) -> f64 {
        rpm * self.roller_ml_per_rev / 1000.0
    }

    /// Roller speed for a flow, 1/min.
    pub fn roller_rpm(&self, flow_l_min: f64) -> f64 {
        flow_l_min * 1000.0 / self.roller_ml_per_rev
    }

    /// Centrifugal flow, L/min, where the head curve meets the load:
    /// a·N² − b·Q|Q| − c·Q·N = P_SA + k_c·Q|Q| + k_o·Q. Negative (retrograde) when the head
    /// cannot overcome the patient's pressure, e.g. a stopped pump on an open line.
    pub fn centrifugal_flow_l_min(&self, rpm: f64, sa_mmhg: f64, dp_factor: f64) -> f64 {
        let (quad, lin) = self.load(dp_factor);
        let b = CENTRIFUGAL_B + quad;
        let l = CENTRIFUGAL_C * rpm + lin;
        let d = CENTRIFUGAL_A * rpm * rpm - sa_mmhg;
        d.signum() * (-l + (l * l + 4.0 * b * d.abs()).sqrt()) / (2.0 * b)
    }

    /// Centrifugal speed delivering `flow_l_min` against the present load, 1/min.
    pub fn centrifugal_rpm(&self, flow_l_min: f64, sa_mmhg: f64, dp_factor: f64) -> f64 {
        let (quad, lin) = self.load(dp_factor);
        let q = flow_l_min;
        let head = ((CENTRIFUGAL_B + quad) * q * q + lin * q + sa_mmhg).max(0.0);
        let cq = CENTRIFUGAL_C * q;
        (cq + (cq * cq + 4.0 * CENTRIFUGAL_A * head).sqrt()) / (2.0 * CENTRIFUGAL_A)
    }

    /// Pressure of a centrifugal head at zero flow (clamped line), mmHg: a·N².
    pub fn centrifugal_shutoff_mmhg(&self, rpm: f64) -> f64 {
        CENTRIFUGAL_A * rpm * rpm
    }

    /// Speed whose shut-off pressure is `mmhg`, 1/min.
    pub fn centrifugal_rpm_for_shutoff(&self, mmhg: f64) -> f64 {
        (mmhg.max(0.0) / CENTRIFUGAL_A).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adult() -> CircuitParams {
        let c = CircuitConfig {
            pump: PumpKind::Centrifugal,
            ..CircuitConfig::default()
        };
        CircuitParams::new(&c, 1.97)
    }

    #[test]
    fn centrifugal_rpm_and_flow_are_inverse() {
        let p = adult();
        let rpm = p.centrifugal_rpm(4.7, 65.0, 1.0);
        assert!(rpm > 2000.0 && rpm < 4000.0, "{rpm}");
        assert!((p.centrifugal_flow_l_min(rpm, 65.0, 1.0) - 4.7).abs() < 1e-9);
        // Flow falls with afterload; a stopped head flows backwards.
        assert!(p.centrifugal_flow_l_min(rpm, 100.0, 1.0) < 4.7);
        assert!(p.centrifugal_flow_l_min(0.0, 60.0, 1.0) < -0.5);
    }

    #[test]
    fn vavd_adds_about_forty_percent() {
        let p = adult();
        let gravity = p.drainage_ml_s(3.0, 0.0);
        let vacuum = p.drainage_ml_s(3.0, 40.0);
        let gain = vacuum / gravity - 1.0;
        assert!((0.3..0.55).contains(&gain), "{gain}");
    }
}
