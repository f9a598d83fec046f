//! Lumped-parameter circulation: ten compartments (systemic arteries, systemic peripheral
//! arterioles, systemic veins, right atrium, right ventricle, pulmonary arteries, pulmonary
//! peripheral, pulmonary veins, left atrium, left ventricle) joined by resistances and four
//! valves. Parameters after Ursino (Am J Physiol 1998;275:H1733) with valve resistances of
//! Smith et al. (Med Eng Phys 2004;26:131), scaled to the patient's blood volume and BSA.
//!
//! Integration: each flow is ΔP/(R + dt·(E_up + E_down)), a linearised backward-Euler step for
//! the two compartments a resistance joins, which keeps the stiff valve/chamber pairs stable
//! at the fixed step; volumes are then advanced explicitly (mass is conserved exactly).

use crate::heart::Ventricle;

/// Systemic arteries.
pub const SA: usize = 0;
/// Systemic peripheral (arteriolar/capillary) bed.
pub const SP: usize = 1;
/// Systemic veins.
pub const SV: usize = 2;
/// Right atrium.
pub const RA: usize = 3;
/// Right ventricle.
pub const RV: usize = 4;
/// Pulmonary arteries.
pub const PA: usize = 5;
/// Pulmonary peripheral bed.
pub const PP: usize = 6;
/// Pulmonary veins.
pub const PV: usize = 7;
/// Left atrium.
pub const LA: usize = 8;
/// Left ventricle.
pub const LV: usize = 9;
/// Number of compartments.
pub const N: usize = 10;

/// Connections (upstream, downstream, is a valve).
const LINKS: [(usize, usize, bool); N] = [
    (LV, SA, true),  // aortic valve
    (SA, SP, false), // large arteries
    (SP, SV, false), // systemic peripheral resistance (reflex, drugs, viscosity)
    (SV, RA, false), // venous return
    (RA, RV, true),  // tricuspid
    (RV, PA, true),  // pulmonary valve
    (PA, PP, false),
    (PP, PV, false),
    (PV, LA, false),
    (LA, LV, true), // mitral
];
/// Index of the aortic valve in [`LINKS`].
pub const AORTIC: usize = 0;
/// Index of the systemic peripheral resistance in [`LINKS`].
pub const PERIPHERAL: usize = 2;
/// Indices of the pulmonary arterial and arteriolar resistances in [`LINKS`] (what a
/// pulmonary vasoconstriction raises).
pub const PULMONARY: [usize; 2] = [6, 7];
const _: () = assert!(LINKS[PULMONARY[0]].0 == PA && LINKS[PULMONARY[1]].1 == PV);

/// Reference blood volume of Ursino's adult, mL (the scale for compliances and volumes).
pub const REFERENCE_BLOOD_VOLUME_ML: f64 = 5300.0;
/// Reference BSA for resistances, m² (a 70 kg, 175 cm adult, DuBois).
pub const REFERENCE_BSA_M2: f64 = 1.85;

/// Ursino 1998 compliances (mL/mmHg); SP lumps splanchnic + extrasplanchnic peripheral
/// (2.05 + 1.67), SV lumps the two venous beds (61.11 + 50.0). Ventricles unused.
const COMPLIANCE_ML_MMHG: [f64; N] = [
    0.28, 3.72, 111.11, 31.25, 0.0, 0.76, 5.80, 25.37, 19.23, 0.0,
];
/// Ursino 1998 unstressed volumes (mL); SP 274.4 + 336.6, SV 1121 + 1375.
const UNSTRESSED_ML: [f64; N] = [0.0, 611.0, 2496.0, 25.0, 0.0, 0.0, 123.0, 120.0, 25.0, 0.0];
/// Resistances (mmHg·s/mL): aortic valve 0.018, tricuspid 0.0237, pulmonary valve 0.0015,
/// mitral 0.0158 (Smith 2004); large arteries 0.06, venous return 0.0113 (two Ursino veins,
/// 0.038 ‖ 0.016), pulmonary 0.023 / 0.0894 / 0.0056 (Ursino 1998). The peripheral value
/// (index 2) is a starting guess calibrated at start-up to the patient's MAP.
const RESISTANCE: [f64; N] = [
    0.018, 0.06, 1.0, 0.0113, 0.0237, 0.0015, 0.023, 0.0894, 0.0056, 0.0158,
];

/// Size-scaled circulation parameters.
#[derive(Clone, Debug)]
pub struct CirculationParams {
    /// Compliance per compartment, mL/mmHg (0 for the ventricles).
    pub compliance_ml_mmhg: [f64; N],
    /// Their reciprocals, mmHg/mL (infinite, and unused, for the ventricles), kept so the step
    /// loop multiplies instead of dividing.
    pub elastance_mmhg_per_ml: [f64; N],
    /// Unstressed volume per compartment, mL (SV is set by calibration).
    pub unstressed_ml: [f64; N],
    /// Resistance per link, mmHg·s/mL.
    pub resistance: [f64; N],
    /// Left ventricle.
    pub lv: Ventricle,
    /// Right ventricle.
    pub rv: Ventricle,
}

impl CirculationParams {
    /// Ursino's adult scaled: volumes and compliances ∝ blood volume, resistances ∝ 1/BSA
    /// (flow ∝ BSA at a constant cardiac index), ventricular elastances ∝ 1/volume.
    pub fn scaled(blood_volume_ml: f64, bsa_m2: f64) -> Self {
        let sv = blood_volume_ml / REFERENCE_BLOOD_VOLUME_ML;
        let sr = REFERENCE_BSA_M2 / bsa_m2;
        CirculationParams {
            compliance_ml_mmhg: COMPLIANCE_ML_MMHG.map(|c| c * sv),
            elastance_mmhg_per_ml: COMPLIANCE_ML_MMHG.map(|c| 1.0 / (c * sv)),
            unstressed_ml: UNSTRESSED_ML.map(|v| v * sv),
            resistance: RESISTANCE.map(|r| r * sr),
            // Ursino 1998: LV Emax 2.95 mmHg/mL, V_u 16.77 mL, P0 1.5 mmHg, kE 0.014 /mL.
            lv: Ventricle {
                emax_mmhg_ml: 2.95 / sv,
                unstressed_ml: 16.77 * sv,
                p0_mmhg: 1.5,
                ke_per_ml: 0.014 / sv,
            },
            // Ursino 1998: RV Emax 1.75 mmHg/mL, V_u 40.8 mL, P0 1.5 mmHg, kE 0.011 /mL.
            rv: Ventricle {
                emax_mmhg_ml: 1.75 / sv,
                unstressed_ml: 40.8 * sv,
                p0_mmhg: 1.5,
                ke_per_ml: 0.011 / sv,
            },
        }
    }
}

/// Time-varying inputs of one hemodynamic step.
#[derive(Clone, Copy, Debug)]
pub struct Drive {
    /// Ventricular activation φ.
    pub activation: f64,
    /// Multiplier on Emax (reflex, drugs, ischaemia).
    pub emax_factor: f64,
    /// Multiplier on the ventricles' diastolic pressure curve (post-ischaemic stiffness).
    pub diastolic_stiffness: f64,
    /// Systemic peripheral resistance, mmHg·s/mL.
    pub peripheral_resistance: f64,
    /// Unstressed volume of the systemic veins, mL.
    pub venous_unstressed_ml: f64,
    /// False while the aortic cross-clamp blocks ejection.
    pub aortic_open: bool,
}

/// Compartment volumes, mL.
#[derive(Clone, Debug)]
pub struct Circulation {
    /// Volume per compartment, mL.
    pub volume_ml: [f64; N],
}

impl Circulation {
    /// Pressures (mmHg) and elastances (mmHg/mL) of every compartment.
    // Inlined into the 5 ms step: returning the two arrays through a call cost ≈ 7 % (bench).
    #[inline]
    pub fn pressures(&self, p: &CirculationParams, d: &Drive) -> ([f64; N], [f64; N]) {
        let mut pressure = [0.0; N];
        let mut elastance = [0.0; N];
        for i in 0..N {
            match i {
                LV => {
                    (pressure[i], elastance[i]) = p.lv.pressure(
                        self.volume_ml[i],
                        d.activation,
                        d.emax_factor,
                        d.diastolic_stiffness,
                    )
                }
                RV => {
                    (pressure[i], elastance[i]) = p.rv.pressure(
                        self.volume_ml[i],
                        d.activation,
                        d.emax_factor,
                        d.diastolic_stiffness,
                    )
                }
                _ => {
                    let vu = if i == SV {
                        d.venous_unstressed_ml
                    } else {
                        p.unstressed_ml[i]
                    };
                    elastance[i] = p.elastance_mmhg_per_ml[i];
                    pressure[i] = (self.volume_ml[i] - vu) * elastance[i];
                }
            }
        }
        (pressure, elastance)
    }

    /// Flows through every link, mL/s (valves never reverse).
    #[inline]
    pub fn flows(
        p: &CirculationParams,
        d: &Drive,
        pressure: &[f64; N],
        elastance: &[f64; N],
        dt_s: f64,
    ) -> [f64; N] {
        let mut q = [0.0; N];
        for (k, &(a, b, valve)) in LINKS.iter().enumerate() {
            let r = if k == PERIPHERAL {
                d.peripheral_resistance
            } else {
                p.resistance[k]
            };
            let flow = (pressure[a] - pressure[b]) / (r + dt_s * (elastance[a] + elastance[b]));
            q[k] = if valve { flow.max(0.0) } else { flow };
        }
        if !d.aortic_open {
            q[AORTIC] = 0.0;
        }
        q
    }

    /// Flows through every link over a long step of `dt_s` while the ventricles are still,
    /// mL/s: backward Euler on the network whose conductances are those of [`Self::flows`] at
    /// the short step `step_s`, 1/(R + `step_s`·(E_up + E_down)). With the same conductances
    /// the steady state is exactly that of the short steps, and the implicit step is stable at
    /// any length: it solves (C + dt·L)·P′ = C·P for the end-of-step pressures P′ (C the
    /// compliances, the ventricles' the reciprocal of their passive slope; L the network's
    /// conductance matrix) and takes the flows from P′. `source_ml_s` is what the circuit adds
    /// to (or takes from) each compartment meanwhile, in the solve as it is in the volumes, so
    /// that it shifts no pressure. A valve conducts in the solve when it is open at the start of
    /// the step, and never reverses.
    pub fn still_flows(
        p: &CirculationParams,
        d: &Drive,
        pressure: &[f64; N],
        elastance: &[f64; N],
        source_ml_s: &[f64; N],
        step_s: f64,
        dt_s: f64,
    ) -> [f64; N] {
        // The links join compartment i to i + 1 and the last to the first (the aortic valve):
        // the symmetric matrix is tridiagonal (`diag`, `upper`: row i, column i + 1) with the
        // aortic link in its corners (`last`: row i, column N − 1, where elimination fills in).
        const LAST: usize = N - 1;
        let mut g = [0.0; N];
        let mut diag = [0.0; N];
        let mut upper = [0.0; N];
        let mut last = [0.0; N];
        let mut rhs = [0.0; N];
        for i in 0..N {
            diag[i] = 1.0 / elastance[i];
            rhs[i] = pressure[i] * diag[i] + source_ml_s[i] * dt_s;
        }
        for (k, &(a, b, valve)) in LINKS.iter().enumerate() {
            let closed = (valve && pressure[a] <= pressure[b]) || (k == AORTIC && !d.aortic_open);
            if closed {
                continue;
            }
            let r = if k == PERIPHERAL {
                d.peripheral_resistance
            } else {
                p.resistance[k]
            };
            g[k] = 1.0 / (r + step_s * (elastance[a] + elastance[b]));
            let h = dt_s * g[k];
            diag[a] += h;
            diag[b] += h;
            let (lo, hi) = (a.min(b), a.max(b));
            if hi == lo + 1 {
                upper[lo] -= h;
            } else {
                last[lo] -= h;
            }
        }
        // Gaussian elimination, symmetric positive definite (no pivoting): the trailing block
        // stays symmetric, so eliminating column c changes only row c + 1 and the last row.
        for c in 0..LAST - 1 {
            let f = upper[c] / diag[c];
            diag[c + 1] -= f * upper[c];
            rhs[c + 1] -= f * rhs[c];
            if c + 1 == LAST - 1 {
                upper[c + 1] -= f * last[c];
            } else {
                last[c + 1] -= f * last[c];
            }
            let h = last[c] / diag[c];
            diag[LAST] -= h * last[c];
            rhs[LAST] -= h * rhs[c];
        }
        let f = upper[LAST - 1] / diag[LAST - 1];
        diag[LAST] -= f * upper[LAST - 1];
        rhs[LAST] -= f * rhs[LAST - 1];
        let mut end = [0.0; N];
        end[LAST] = rhs[LAST] / diag[LAST];
        end[LAST - 1] = (rhs[LAST - 1] - upper[LAST - 1] * end[LAST]) / diag[LAST - 1];
        for r in (0..LAST - 1).rev() {
            end[r] = (rhs[r] - upper[r] * end[r + 1] - last[r] * end[LAST]) / diag[r];
        }
        let mut q = [0.0; N];
        for (k, &(a, b, valve)) in LINKS.iter().enumerate() {
            let flow = g[k] * (end[a] - end[b]);
            q[k] = if valve { flow.max(0.0) } else { flow };
        }
        q
    }

    /// Moves volume along the links for `dt_s`. A compartment never gives more than it holds:
    /// when its outflows in one step would exceed its volume (an emptied heart or vein,
    /// exsanguination) they are scaled down together — a positivity-preserving limiter, so no
    /// volume goes negative and none is created.
    pub fn advance(&mut self, q: &[f64; N], dt_s: f64) {
        let mut outflow_ml = [0.0; N];
        for (k, &(a, b, _)) in LINKS.iter().enumerate() {
            let dv = q[k] * dt_s;
            if dv >= 0.0 {
                outflow_ml[a] += dv;
            } else {
                outflow_ml[b] -= dv;
            }
        }
        // Rare (a compartment nearly empty), so the common step pays one comparison pass.
        let limited = (0..N).any(|i| outflow_ml[i] > self.volume_ml[i]);
        for (k, &(a, b, _)) in LINKS.iter().enumerate() {
            let mut dv = q[k] * dt_s;
            if limited {
                let source = if dv >= 0.0 { a } else { b };
                if outflow_ml[source] > self.volume_ml[source] {
                    dv *= self.volume_ml[source].max(0.0) / outflow_ml[source];
                }
            }
            self.volume_ml[a] -= dv;
            self.volume_ml[b] += dv;
        }
    }

    /// Total blood volume in the patient, mL.
    pub fn total_ml(&self) -> f64 {
        self.volume_ml.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outflows_never_exceed_what_a_compartment_holds() {
        let mut circ = Circulation {
            volume_ml: [5.0, 1.0, 40.0, 0.5, 3.0, 1.0, 2.0, 0.0, 7.0, 9.0],
        };
        let before = circ.total_ml();
        // Huge flows out of every compartment in one step.
        let q = [1e4, -1e4, 1e4, 1e4, -1e4, 1e4, 1e4, 1e4, -1e4, 1e4];
        circ.advance(&q, 0.005);
        assert!(
            circ.volume_ml.iter().all(|&v| v >= -1e-12),
            "{:?}",
            circ.volume_ml
        );
        assert!((circ.total_ml() - before).abs() < 1e-9);
    }

    /// A still heart on bypass: drainage from the right atrium pumped into the aorta.
    fn still_on_bypass(steps: u32, n: u32) -> [f64; N] {
        let p = CirculationParams::scaled(5600.0, 1.95);
        let d = Drive {
            activation: 0.0,
            emax_factor: 1.0,
            diastolic_stiffness: 1.0,
            peripheral_resistance: 1.0,
            venous_unstressed_ml: p.unstressed_ml[SV],
            aortic_open: false,
        };
        let mut circ = Circulation {
            volume_ml: [
                100.0, 700.0, 2700.0, 50.0, 60.0, 10.0, 150.0, 150.0, 40.0, 30.0,
            ],
        };
        let step_s = 0.005;
        let dt = step_s * f64::from(steps);
        for _ in 0..n {
            let (pressure, elastance) = circ.pressures(&p, &d);
            let x = pressure[RA].max(0.0);
            let mut source_ml_s = [0.0; N];
            source_ml_s[SA] = 150.0 * x / (1.0 + x);
            source_ml_s[RA] = -source_ml_s[SA];
            let q = if steps == 1 {
                Circulation::flows(&p, &d, &pressure, &elastance, dt)
            } else {
                Circulation::still_flows(&p, &d, &pressure, &elastance, &source_ml_s, step_s, dt)
            };
            circ.advance(&q, dt);
            circ.volume_ml[SA] += source_ml_s[SA] * dt;
            circ.volume_ml[RA] += source_ml_s[RA] * dt;
        }
        circ.pressures(&p, &d).0
    }

    #[test]
    fn long_still_steps_settle_where_short_steps_do() {
        // 200 s: 40,000 short steps, 4,000 long ones of ten short steps, 2,000 of twenty.
        let short = still_on_bypass(1, 40_000);
        for (steps, n) in [(10, 4_000), (20, 2_000)] {
            let long = still_on_bypass(steps, n);
            for i in 0..N {
                assert!(
                    (long[i] - short[i]).abs() < 0.01,
                    "{steps} steps: compartment {i}: {} vs {}",
                    long[i],
                    short[i]
                );
            }
        }
        assert!(short[SA] > 30.0, "{short:?}");
    }
}
