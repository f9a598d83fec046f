//! Actions: the only input to a running [`crate::Simulation`], with state-independent validation.

use crate::config::{ConfigError, check_positive, check_range};
use crate::names::named_enum;

named_enum! {
    /// An injected crisis: an equipment fault, or something happening to the patient that the
    /// instructor starts (malignant hyperthermia, a dissection, cold agglutinins).
    pub enum FaultKind {
        /// Membrane failure (plasma leak/thrombosis): O2 and CO2 transfer fall, ΔP rises.
        OxygenatorFailure => "oxygenator-failure",
        /// Arterial pump stops (motor/drive failure).
        PumpFailure => "pump-failure",
        /// Air entrained into the arterial line (a vortexing reservoir, an open port): an armed
        /// bubble detector stops the pump; a disarmed one lets it reach the patient.
        ArterialAir => "arterial-air",
        /// Air lock in the venous line: venous return stops.
        VenousAirlock => "venous-airlock",
        /// Console power lost: pump, servo, detectors and heater-cooler stop (`hand-crank`).
        PowerLoss => "power-loss",
        /// Heater-cooler stops: water drifts towards room temperature.
        HeaterCoolerFailure => "heater-cooler-failure",
        /// The arterial line kinked (or a clamp left on) downstream of the pressure transducer:
        /// nothing flows, the line pressure climbs to the servo's limit; clearing it is
        /// un-kinking the line.
        ArterialLineKink => "arterial-line-kink",
        /// The oxygen/air supply to the blender fails (a disconnected or empty line): no sweep
        /// gas reaches the oxygenator whatever the flowmeter says; clearing it is the backup
        /// cylinder connected.
        GasSupplyFailure => "gas-supply-failure",
        /// Protamine given in error on bypass (a syringe or infusion meant for after bypass):
        /// it runs into the patient while active, neutralising the heparin, so the circuit
        /// clots — rising oxygenator ΔP, falling PaO2. Resolving it is stopping the infusion.
        ProtamineInError => "protamine-in-error",
        /// The pump boot (raceway) splits: part of what the roller pumps sprays out of the
        /// circuit, the reservoir falls fast and the line pressure drops. Resolving it is
        /// replacing the boot, with the pump stopped.
        RacewayRupture => "raceway-rupture",
        /// Malignant hyperthermia (a volatile agent through the oxygenator's vaporiser):
        /// hypermetabolism — VO2 and VCO2 climb, PaCO2 rises at a fixed sweep, temperature,
        /// potassium and lactate rise — until dantrolene (`give-dantrolene`) stops it.
        MalignantHyperthermia => "malignant-hyperthermia",
        /// The antegrade cardioplegia line or root cannula is occluded (kinked, clamped, tip
        /// against the wall): the delivery pressure is at the cardioplegia pump's limit and no
        /// solution reaches the heart, which keeps or regains electrical activity.
        /// `cardioplegia-route retrograde` bypasses it; resolving it frees the line.
        CardioplegiaLineOcclusion => "cardioplegia-line-occlusion",
        /// Iatrogenic dissection at the arterial cannula: the pump perfuses a false lumen —
        /// the line pressure climbs, the radial MAP and the venous return fall — until the
        /// patient is re-cannulated elsewhere (`recannulate`).
        AorticDissection => "aortic-dissection",
        /// The patient's cold agglutinins: below their thermal amplitude red cells agglutinate
        /// in the heat exchanger and oxygenator (ΔP rises, gas transfer falls); warming above
        /// it disperses them.
        ColdAgglutinins => "cold-agglutinins",
        /// The patient has heparin-induced thrombocytopenia antibodies (a positive functional
        /// assay): heparin in the blood activates platelets, so the circuit clots in proportion
        /// to the heparin concentration whatever the ACT. Anticoagulate with bivalirudin
        /// (`give-bivalirudin`) and give no heparin.
        HitAntibodies => "hit-antibodies",
        /// The arterial and venous lines are connected to the wrong cannulae: the pump returns
        /// into the right atrium and the venous line drains the aorta — the radial pressure
        /// collapses, the CVP climbs, the venous line runs bright red (SvO2 ≈ SaO2). Resolving
        /// it is reconnecting the lines, with the pump stopped.
        ReversedCannulation => "reversed-cannulation",
        /// The venous cannula is malpositioned (a two-stage cannula pushed into the IVC or a
        /// hepatic vein, its tip against the wall): drainage falls, the superior vena cava backs
        /// up — the CVP climbs and the cerebral perfusion pressure (MAP − CVP) falls. Resolving
        /// it is the surgeon repositioning the cannula.
        CannulaMalposition => "cannula-malposition",
        /// Type III protamine reaction: catastrophic pulmonary vasoconstriction (thromboxane)
        /// minutes after protamine — the pulmonary vascular resistance climbs, the right
        /// ventricle fails and distends, the CVP rises while the MAP and the saturation fall.
        /// Managed by re-heparinising and going back on bypass until it passes; it wanes when
        /// cleared (the instructor's).
        PulmonaryVasoconstriction => "pulmonary-vasoconstriction",
    }
}

impl FaultKind {
    /// Why this fault's fix (`resolve-fault`) must wait for the pump to stop, when it must: a
    /// boot replaced or lines reconnected with the roller turning would spray or entrain.
    pub fn fix_needs_pump_stopped(self) -> Option<&'static str> {
        match self {
            FaultKind::RacewayRupture => {
                Some("stop the pump and clamp the lines before replacing the raceway")
            }
            FaultKind::ReversedCannulation => {
                Some("stop the pump and clamp the lines before reconnecting them")
            }
            _ => None,
        }
    }

    /// Why `resolve-fault` cannot end this crisis, when it is not an equipment fault the
    /// perfusionist fixes but one they manage with another action.
    pub fn not_resolvable(self) -> Option<&'static str> {
        match self {
            FaultKind::MalignantHyperthermia => {
                Some("malignant hyperthermia is treated with give-dantrolene, not fixed")
            }
            FaultKind::AorticDissection => {
                Some("a dissection is managed by re-cannulating elsewhere (recannulate)")
            }
            FaultKind::ColdAgglutinins => Some(
                "cold agglutinins are the patient's: keep the blood above their thermal amplitude",
            ),
            FaultKind::PulmonaryVasoconstriction => Some(
                "a type III protamine reaction is the patient's: re-heparinise and go back on bypass until it passes",
            ),
            FaultKind::HitAntibodies => Some(
                "HIT antibodies are the patient's: anticoagulate with give-bivalirudin, give no heparin",
            ),
            _ => None,
        }
    }
}

named_enum! {
    /// Where cardioplegia enters the heart.
    pub enum CardioplegiaRoute {
        /// Into the aortic root (or the coronary ostia), behind the cross-clamp.
        Antegrade => "antegrade",
        /// Into the coronary sinus, against the venous flow.
        Retrograde => "retrograde",
    }
}

named_enum! {
    /// Where the arterial cannula goes when the aorta cannot be used.
    pub enum CannulationSite {
        /// Common femoral artery (retrograde aortic flow).
        Femoral => "femoral",
        /// Right axillary artery (antegrade flow to the arch).
        Axillary => "axillary",
    }
}

named_enum! {
    /// A safety detector of the heart-lung machine.
    pub enum Detector {
        /// Reservoir level detector: stops the pump before the reservoir runs dry.
        Level => "level",
        /// Arterial-line bubble detector: stops the pump when air reaches it.
        Bubble => "bubble",
    }
}

named_enum! {
    /// Cardioplegia solution.
    pub enum CardioplegiaKind {
        /// del Nido: 1 part blood to 4 parts crystalloid, K⁺ ≈ 24 mmol/L delivered.
        DelNido => "del-nido",
        /// Buckberg-type 4:1 blood cardioplegia, K⁺ ≈ 20 mmol/L (induction).
        Blood4To1 => "blood-4-1",
        /// Crystalloid (St Thomas' No. 2 type), K⁺ 16 mmol/L.
        Crystalloid => "crystalloid",
    }
}

named_enum! {
    /// Volume added to the reservoir (on bypass) or given IV (off bypass).
    pub enum FluidKind {
        /// Balanced crystalloid.
        Crystalloid => "crystalloid",
        /// Albumin 5 %.
        Albumin => "albumin",
    }
}

/// The solution a `cardioplegia` action gives when it names none (scenario files and the API).
impl Default for CardioplegiaKind {
    fn default() -> Self {
        CardioplegiaKind::DelNido
    }
}

/// The fluid a `give-fluid` action gives when it names none.
impl Default for FluidKind {
    fn default() -> Self {
        FluidKind::Crystalloid
    }
}

named_enum! {
    /// Vasoactive and inotropic boluses. Units: see [`Drug::unit`].
    pub enum Drug {
        /// Phenylephrine bolus, mcg (α1 vasoconstrictor).
        Phenylephrine => "phenylephrine",
        /// Norepinephrine bolus, mcg (α1 + β1).
        Norepinephrine => "norepinephrine",
        /// Nitroglycerin bolus, mcg (venodilator, arterial dilator).
        Nitroglycerin => "nitroglycerin",
        /// Calcium chloride bolus, mg (inotrope).
        CalciumChloride => "calcium-chloride",
    }
}

impl Drug {
    /// Unit of the `dose` field of [`Action::GiveDrug`].
    pub fn unit(self) -> &'static str {
        match self {
            Drug::Phenylephrine | Drug::Norepinephrine | Drug::Nitroglycerin => "mcg",
            Drug::CalciumChloride => "mg",
        }
    }

    /// Largest accepted single bolus, in [`Drug::unit`].
    pub fn max_dose(self) -> f64 {
        match self {
            Drug::Phenylephrine => 2000.0,
            Drug::Norepinephrine => 200.0,
            Drug::Nitroglycerin => 2000.0,
            Drug::CalciumChloride => 2000.0,
        }
    }
}

/// Something the perfusionist, anaesthetist, surgeon or instructor does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    /// IV heparin bolus (into the circuit on bypass), units.
    Heparin {
        /// Dose, U.
        units: f64,
    },
    /// Protamine bolus, mg.
    Protamine {
        /// Dose, mg.
        mg: f64,
    },
    /// Open the venous line and start the arterial pump at this flow; ventilation stops.
    StartBypass {
        /// Pump flow, L/min.
        flow_l_min: f64,
    },
    /// Arterial pump flow (a centrifugal pump's speed follows to keep this flow).
    SetFlow {
        /// Pump flow, L/min.
        flow_l_min: f64,
    },
    /// Pump head speed directly (a centrifugal pump's flow then depends on afterload).
    SetRpm {
        /// Head speed, 1/min.
        rpm: f64,
    },
    /// Oxygenator gas flow.
    SetSweep {
        /// Sweep, L/min.
        l_min: f64,
    },
    /// Oxygenator FiO2 on bypass, ventilator FiO2 off bypass.
    SetFio2 {
        /// FiO2, %.
        pct: f64,
    },
    /// Heater-cooler water temperature.
    SetWaterTemp {
        /// Water temperature, °C.
        temp_c: f64,
    },
    /// Vacuum-assisted venous drainage.
    SetVavd {
        /// Suction, mmHg (positive number).
        mmhg: f64,
    },
    /// Aortic cross-clamp on: the heart is ischaemic (arrested only with cardioplegia).
    CrossClampOn,
    /// Aortic cross-clamp off: reperfusion, the heart resumes beating after a delay.
    CrossClampOff,
    /// Cardioplegia dose into the aortic root, delivered over time at `rate_ml_min`.
    Cardioplegia {
        /// Volume, mL.
        ml: f64,
        /// Solution.
        kind: CardioplegiaKind,
        /// Delivery rate, mL/min; `None` = 300 scaled to the patient's size.
        rate_ml_min: Option<f64>,
        /// Solution temperature, °C; `None` = the kind's usual (cold) temperature.
        temp_c: Option<f64>,
    },
    /// Packed red cells (Hct 60 %), into the reservoir on bypass or IV off bypass.
    GiveRbc {
        /// Volume, mL.
        ml: f64,
    },
    /// Fluid, into the reservoir on bypass or IV off bypass.
    GiveFluid {
        /// Volume, mL.
        ml: f64,
        /// Fluid.
        kind: FluidKind,
    },
    /// Remove plasma water through the hemoconcentrator (on bypass only), at a rate.
    Ultrafiltrate {
        /// Volume, mL.
        ml: f64,
        /// Removal rate, mL/min; `None` = 150 scaled to the patient's size.
        rate_ml_min: Option<f64>,
    },
    /// Drug bolus; `dose` in [`Drug::unit`].
    GiveDrug {
        /// Drug.
        drug: Drug,
        /// Dose, mcg or mg (see [`Drug::unit`]).
        dose: f64,
    },
    /// Systemic vascular tone as a multiple of the patient's own: < 1 vasoplegia (sepsis,
    /// anaphylaxis, protamine reaction), > 1 vasoconstriction. Stays until set again.
    SetVascularTone {
        /// Factor on systemic peripheral resistance (1 = baseline).
        factor: f64,
    },
    /// Ventricular contractility as a multiple of the patient's own: < 1 stunned or failing
    /// heart (hard to wean), > 1 inotropy. Stays until set again.
    SetContractility {
        /// Factor on end-systolic elastance (1 = baseline).
        factor: f64,
    },
    /// Metabolic rate as a multiple of the normal for the temperature: > 1 light anaesthesia,
    /// shivering, sepsis, malignant hyperthermia; < 1 deep anaesthesia. Stays until set again.
    SetMetabolicRate {
        /// Factor on VO2 and VCO2 (1 = normal).
        factor: f64,
    },
    /// Continuous surgical blood loss from the patient, not returned to the circuit (0 stops it).
    SetBleeding {
        /// Blood lost, mL/min.
        ml_min: f64,
    },
    /// Clamp the arterial line.
    ClampArterialLine,
    /// Unclamp the arterial line.
    UnclampArterialLine,
    /// Come off bypass: stop the pump and clamp the venous line; ventilation resumes. The
    /// reservoir's volume stays in the circuit until returned with [`Action::ReturnVolume`].
    EndBypass,
    /// Arterial line pressure limit: above it the pump servo slows a roller pump or holds a
    /// centrifugal pump's speed.
    SetPressureLimit {
        /// Limit, mmHg.
        mmhg: f64,
    },
    /// Venous line occluder: drainage falls as it closes (how volume is held in the patient
    /// while weaning, and drainage stopped in an air emergency).
    SetVenousOcclusion {
        /// Occlusion, % (0 open, 100 clamped).
        pct: f64,
    },
    /// Arm a safety detector.
    ArmDetector(Detector),
    /// Disarm a safety detector (it no longer stops the pump).
    DisarmDetector(Detector),
    /// Reset a tripped detector so the pump may run again.
    ResetDetector(Detector),
    /// After bypass, transfuse from the reservoir through the arterial line.
    ReturnVolume {
        /// Volume, mL.
        ml: f64,
        /// Rate, mL/min; `None` = a quarter of the patient's full flow.
        rate_ml_min: Option<f64>,
    },
    /// Draw an ACT; the result comes when the clot forms (the ACT itself) plus handling.
    DrawAct,
    /// Send an arterial blood gas; the result comes after the analyser's delay.
    SendAbg,
    /// CO2 added to the sweep gas (pH-stat management).
    SetSweepCo2 {
        /// CO2 in the sweep, %.
        pct: f64,
    },
    /// Internal (epicardial) defibrillation shock.
    Defibrillate {
        /// Energy, J.
        joules: f64,
    },
    /// Epicardial pacing at a rate (0 stops pacing).
    Pace {
        /// Pacing rate, 1/min (0 = off, otherwise 30–200).
        rate_bpm: f64,
    },
    /// Turn the roller pump by its hand crank: drives the pump only while its motor is down
    /// (power loss, pump failure), at rpm × stroke volume with no servo and no detector to stop
    /// it — the perfusionist watches the level, the line pressure and the air (0 stops).
    HandCrank {
        /// Crank rate, turns/min (one turn = one revolution of the roller head).
        rpm: f64,
    },
    /// Change the oxygenator (a new membrane): ends an oxygenator failure and clears the clot
    /// burden. Only with the pump stopped.
    ChangeOxygenator,
    /// Dantrolene IV (malignant hyperthermia).
    GiveDantrolene {
        /// Dose, mg.
        mg: f64,
    },
    /// Bivalirudin, the direct thrombin inhibitor used instead of heparin in HIT: a bolus into
    /// the patient or the prime, and optionally the infusion rate from now on.
    GiveBivalirudin {
        /// Bolus, mg (0: only change the infusion).
        mg: f64,
        /// Infusion, mg/kg/h; `None` leaves it as it is, 0 stops it.
        rate_mg_kg_h: Option<f64>,
    },
    /// Antithrombin concentrate (heparin resistance from antithrombin depletion).
    GiveAntithrombin {
        /// Dose, IU.
        iu: f64,
    },
    /// The route cardioplegia takes from now on (and the dose being delivered).
    CardioplegiaRoute(CardioplegiaRoute),
    /// Move the arterial cannula to another artery (after a dissection at the aortic site).
    /// Only with the pump stopped.
    Recannulate(CannulationSite),
    /// Inject a fault.
    Fault(FaultKind),
    /// End a fault (the instructor's: power comes back, the scenario moves on).
    ClearFault(FaultKind),
    /// The perfusionist's fix of a fault — un-kink the line, connect the backup gas, de-air the
    /// line, change the oxygenator — with the same effect as clearing it, but scored as theirs.
    ResolveFault(FaultKind),
}

impl Action {
    /// The action's name in scenario files and the console (`start-bypass`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Heparin { .. } => "heparin",
            Action::Protamine { .. } => "protamine",
            Action::StartBypass { .. } => "start-bypass",
            Action::SetFlow { .. } => "set-flow",
            Action::SetRpm { .. } => "set-rpm",
            Action::SetSweep { .. } => "set-sweep",
            Action::SetFio2 { .. } => "set-fio2",
            Action::SetWaterTemp { .. } => "set-water-temp",
            Action::SetVavd { .. } => "set-vavd",
            Action::CrossClampOn => "cross-clamp-on",
            Action::CrossClampOff => "cross-clamp-off",
            Action::Cardioplegia { .. } => "cardioplegia",
            Action::GiveRbc { .. } => "give-rbc",
            Action::GiveFluid { .. } => "give-fluid",
            Action::Ultrafiltrate { .. } => "ultrafiltrate",
            Action::GiveDrug { .. } => "give-drug",
            Action::SetVascularTone { .. } => "set-vascular-tone",
            Action::SetContractility { .. } => "set-contractility",
            Action::SetMetabolicRate { .. } => "set-metabolic-rate",
            Action::SetBleeding { .. } => "set-bleeding",
            Action::ClampArterialLine => "clamp-arterial-line",
            Action::UnclampArterialLine => "unclamp-arterial-line",
            Action::EndBypass => "end-bypass",
            Action::SetPressureLimit { .. } => "set-pressure-limit",
            Action::SetVenousOcclusion { .. } => "set-venous-occlusion",
            Action::ArmDetector(_) => "arm-detector",
            Action::DisarmDetector(_) => "disarm-detector",
            Action::ResetDetector(_) => "reset-detector",
            Action::ReturnVolume { .. } => "return-volume",
            Action::DrawAct => "draw-act",
            Action::SendAbg => "send-abg",
            Action::SetSweepCo2 { .. } => "set-sweep-co2",
            Action::Defibrillate { .. } => "defibrillate",
            Action::Pace { .. } => "pace",
            Action::HandCrank { .. } => "hand-crank",
            Action::ChangeOxygenator => "change-oxygenator",
            Action::GiveDantrolene { .. } => "give-dantrolene",
            Action::GiveBivalirudin { .. } => "give-bivalirudin",
            Action::GiveAntithrombin { .. } => "give-antithrombin",
            Action::CardioplegiaRoute(_) => "cardioplegia-route",
            Action::Recannulate(_) => "recannulate",
            Action::Fault(_) => "fault",
            Action::ClearFault(_) => "clear-fault",
            Action::ResolveFault(_) => "resolve-fault",
        }
    }

    /// The action's row of [`ACTIONS`].
    pub fn spec(&self) -> &'static ActionSpec {
        ActionSpec::find(self.name()).expect("every action has a spec (tested)")
    }

    /// The fields as written in a scenario file, in [`ActionSpec::fields`] order; an optional
    /// field left to the model is omitted. The inverse of [`Action::from_fields`].
    pub fn fields(&self) -> Vec<(&'static str, FieldValue)> {
        use FieldValue::{Number, Text};
        match *self {
            Action::Heparin { units } => vec![("units", Number(units))],
            Action::Protamine { mg } => vec![("mg", Number(mg))],
            Action::StartBypass { flow_l_min } | Action::SetFlow { flow_l_min } => {
                vec![("flow_l_min", Number(flow_l_min))]
            }
            Action::SetRpm { rpm } => vec![("rpm", Number(rpm))],
            Action::SetSweep { l_min } => vec![("l_min", Number(l_min))],
            Action::SetFio2 { pct } => vec![("pct", Number(pct))],
            Action::SetWaterTemp { temp_c } => vec![("temp_c", Number(temp_c))],
            Action::SetVavd { mmhg } => vec![("mmhg", Number(mmhg))],
            Action::Cardioplegia {
                ml,
                kind,
                rate_ml_min,
                temp_c,
            } => {
                let mut fields = vec![("ml", Number(ml)), ("kind", Text(kind.name()))];
                optional(&mut fields, "rate_ml_min", rate_ml_min);
                optional(&mut fields, "temp_c", temp_c);
                fields
            }
            Action::Ultrafiltrate { ml, rate_ml_min }
            | Action::ReturnVolume { ml, rate_ml_min } => {
                let mut fields = vec![("ml", Number(ml))];
                optional(&mut fields, "rate_ml_min", rate_ml_min);
                fields
            }
            Action::GiveRbc { ml } => vec![("ml", Number(ml))],
            Action::GiveFluid { ml, kind } => vec![("ml", Number(ml)), ("kind", Text(kind.name()))],
            Action::GiveDrug { drug, dose } => {
                vec![("drug", Text(drug.name())), ("dose", Number(dose))]
            }
            Action::SetVascularTone { factor }
            | Action::SetContractility { factor }
            | Action::SetMetabolicRate { factor } => vec![("factor", Number(factor))],
            Action::SetBleeding { ml_min } => vec![("ml_min", Number(ml_min))],
            Action::Fault(kind) | Action::ClearFault(kind) | Action::ResolveFault(kind) => {
                vec![("kind", Text(kind.name()))]
            }
            Action::SetPressureLimit { mmhg } => vec![("mmhg", Number(mmhg))],
            Action::SetVenousOcclusion { pct } | Action::SetSweepCo2 { pct } => {
                vec![("pct", Number(pct))]
            }
            Action::ArmDetector(kind)
            | Action::DisarmDetector(kind)
            | Action::ResetDetector(kind) => {
                vec![("kind", Text(kind.name()))]
            }
            Action::Defibrillate { joules } => vec![("joules", Number(joules))],
            Action::Pace { rate_bpm } => vec![("rate_bpm", Number(rate_bpm))],
            Action::HandCrank { rpm } => vec![("rpm", Number(rpm))],
            Action::GiveDantrolene { mg } => vec![("mg", Number(mg))],
            Action::GiveAntithrombin { iu } => vec![("iu", Number(iu))],
            Action::GiveBivalirudin { mg, rate_mg_kg_h } => {
                let mut fields = vec![("mg", Number(mg))];
                optional(&mut fields, "rate_mg_kg_h", rate_mg_kg_h);
                fields
            }
            Action::CardioplegiaRoute(route) => vec![("route", Text(route.name()))],
            Action::Recannulate(site) => vec![("site", Text(site.name()))],
            Action::CrossClampOn
            | Action::CrossClampOff
            | Action::ClampArterialLine
            | Action::UnclampArterialLine
            | Action::EndBypass
            | Action::DrawAct
            | Action::SendAbg
            | Action::ChangeOxygenator => Vec::new(),
        }
    }

    /// Reads the action called `name` from `source` (a scenario file's `[[events]]` table, a
    /// JSON request…): every field of its [`ActionSpec`], defaults filled in, ranges checked.
    /// Errors name the field as written; keys the spec does not know are the source's to
    /// reject (it knows which it was asked for).
    pub fn from_fields<S: FieldSource>(name: &str, source: &mut S) -> Result<Action, S::Error> {
        let Some(spec) = ActionSpec::find(name) else {
            let names: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
            return Err(source.invalid(
                "action",
                format!(
                    "unknown action {name:?}; expected one of {}",
                    names.join(", ")
                ),
            ));
        };
        let mut values = [Read::Absent; MAX_FIELDS];
        for (slot, field) in values.iter_mut().zip(spec.fields) {
            *slot = read_field(field, source)?;
        }
        let number = |i: usize| match values[i] {
            Read::Number(v) => v,
            _ => f64::NAN,
        };
        let maybe = |i: usize| match values[i] {
            Read::Number(v) => Some(v),
            _ => None,
        };
        let choice = |i: usize| match values[i] {
            Read::Choice(c) => c,
            _ => 0,
        };
        let action = match spec.name {
            "heparin" => Action::Heparin { units: number(0) },
            "protamine" => Action::Protamine { mg: number(0) },
            "start-bypass" => Action::StartBypass {
                flow_l_min: number(0),
            },
            "set-flow" => Action::SetFlow {
                flow_l_min: number(0),
            },
            "set-rpm" => Action::SetRpm { rpm: number(0) },
            "set-sweep" => Action::SetSweep { l_min: number(0) },
            "set-fio2" => Action::SetFio2 { pct: number(0) },
            "set-water-temp" => Action::SetWaterTemp { temp_c: number(0) },
            "set-vavd" => Action::SetVavd { mmhg: number(0) },
            "cross-clamp-on" => Action::CrossClampOn,
            "cross-clamp-off" => Action::CrossClampOff,
            "cardioplegia" => Action::Cardioplegia {
                ml: number(0),
                kind: CardioplegiaKind::ALL[choice(1)],
                rate_ml_min: maybe(2),
                temp_c: maybe(3),
            },
            "give-rbc" => Action::GiveRbc { ml: number(0) },
            "give-fluid" => Action::GiveFluid {
                ml: number(0),
                kind: FluidKind::ALL[choice(1)],
            },
            "ultrafiltrate" => Action::Ultrafiltrate {
                ml: number(0),
                rate_ml_min: maybe(1),
            },
            "give-drug" => Action::GiveDrug {
                drug: Drug::ALL[choice(0)],
                dose: number(1),
            },
            "set-vascular-tone" => Action::SetVascularTone { factor: number(0) },
            "set-contractility" => Action::SetContractility { factor: number(0) },
            "set-metabolic-rate" => Action::SetMetabolicRate { factor: number(0) },
            "set-bleeding" => Action::SetBleeding { ml_min: number(0) },
            "clamp-arterial-line" => Action::ClampArterialLine,
            "unclamp-arterial-line" => Action::UnclampArterialLine,
            "end-bypass" => Action::EndBypass,
            "set-pressure-limit" => Action::SetPressureLimit { mmhg: number(0) },
            "set-venous-occlusion" => Action::SetVenousOcclusion { pct: number(0) },
            "arm-detector" => Action::ArmDetector(Detector::ALL[choice(0)]),
            "disarm-detector" => Action::DisarmDetector(Detector::ALL[choice(0)]),
            "reset-detector" => Action::ResetDetector(Detector::ALL[choice(0)]),
            "return-volume" => Action::ReturnVolume {
                ml: number(0),
                rate_ml_min: maybe(1),
            },
            "draw-act" => Action::DrawAct,
            "send-abg" => Action::SendAbg,
            "set-sweep-co2" => Action::SetSweepCo2 { pct: number(0) },
            "defibrillate" => Action::Defibrillate { joules: number(0) },
            "pace" => Action::Pace {
                rate_bpm: number(0),
            },
            "hand-crank" => Action::HandCrank { rpm: number(0) },
            "change-oxygenator" => Action::ChangeOxygenator,
            "give-dantrolene" => Action::GiveDantrolene { mg: number(0) },
            "give-antithrombin" => Action::GiveAntithrombin { iu: number(0) },
            "give-bivalirudin" => Action::GiveBivalirudin {
                mg: number(0),
                rate_mg_kg_h: maybe(1),
            },
            "cardioplegia-route" => Action::CardioplegiaRoute(CardioplegiaRoute::ALL[choice(0)]),
            "recannulate" => Action::Recannulate(CannulationSite::ALL[choice(0)]),
            "fault" => Action::Fault(FaultKind::ALL[choice(0)]),
            "clear-fault" => Action::ClearFault(FaultKind::ALL[choice(0)]),
            "resolve-fault" => Action::ResolveFault(FaultKind::ALL[choice(0)]),
            other => unreachable!("ACTIONS names {other:?} but from_fields does not build it"),
        };
        action
            .validate()
            .map_err(|e| source.invalid(e.field, format!("{}: {}", e.value, e.message)))?;
        Ok(action)
    }

    /// Range checks independent of state (the ranges of [`ACTIONS`]), so a scenario can be
    /// rejected before it runs.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let spec = self.spec();
        for (name, value) in self.fields() {
            let (Some(field), FieldValue::Number(value)) = (spec.field(name), value) else {
                continue;
            };
            if let FieldKind::Number { range, unit, .. } = field.kind {
                range.check(field.name, value, unit)?;
            }
        }
        match *self {
            Action::GiveDrug { drug, dose } => {
                check_positive("dose", dose, drug.max_dose(), drug.unit())
            }
            // 0 stops pacing; a pacing rate below 30/min captures nothing useful.
            Action::Pace { rate_bpm } if rate_bpm != 0.0 => check_range(
                "rate_bpm",
                rate_bpm,
                PACE_MIN_BPM,
                PACE_MAX_BPM,
                "1/min (or 0 = off)",
            ),
            Action::GiveBivalirudin {
                mg,
                rate_mg_kg_h: None,
            } if mg == 0.0 => Err(ConfigError {
                field: "mg",
                value: mg,
                message: "a bolus above 0 mg, or an infusion rate_mg_kg_h, is needed".into(),
            }),
            _ => Ok(()),
        }
    }
}

/// Lowest and highest epicardial pacing rates accepted, 1/min (temporary pacemakers offer
/// 30–200; Gravlee, weaning chapter).
const PACE_MIN_BPM: f64 = 30.0;
const PACE_MAX_BPM: f64 = 200.0;

/// Appends an optional number field when it is set.
fn optional(fields: &mut Vec<(&'static str, FieldValue)>, name: &'static str, value: Option<f64>) {
    if let Some(value) = value {
        fields.push((name, FieldValue::Number(value)));
    }
}

/// A field value as written: a number or one of a choice's names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldValue {
    /// A number in the field's unit.
    Number(f64),
    /// A name, e.g. `del-nido`.
    Text(&'static str),
}

/// Where [`Action::from_fields`] reads an action's fields from. Implemented by the scenario
/// parser (TOML, errors at `file:line`) and the HTTP API (JSON, errors as 400s), so both read
/// the one vocabulary of [`ACTIONS`].
pub trait FieldSource {
    /// The source's error, located as it can (a file line, a JSON field).
    type Error;
    /// The number at `field`, if present; a present value of another type is an error.
    fn number(&mut self, field: &'static str) -> Result<Option<f64>, Self::Error>;
    /// The text at `field`, if present; a present value of another type is an error.
    fn text(&mut self, field: &'static str) -> Result<Option<String>, Self::Error>;
    /// An error about `field`.
    fn invalid(&self, field: &'static str, message: String) -> Self::Error;
}

/// The most fields any action has.
const MAX_FIELDS: usize = 4;

#[derive(Clone, Copy)]
enum Read {
    Absent,
    Number(f64),
    Choice(usize),
}

fn read_field<S: FieldSource>(field: &FieldSpec, source: &mut S) -> Result<Read, S::Error> {
    match field.kind {
        FieldKind::Number { default, .. } => match (source.number(field.name)?, default) {
            (Some(v), _) => Ok(Read::Number(v)),
            (None, NumberDefault::Value(v)) => Ok(Read::Number(v)),
            (None, NumberDefault::Model) => Ok(Read::Absent),
            (None, NumberDefault::Required) => Err(source.invalid(
                field.name,
                format!("required key `{}` is missing", field.name),
            )),
        },
        FieldKind::Choice { names, default } => {
            let text = match source.text(field.name)? {
                Some(text) => text,
                None => match default {
                    Some(name) => name.to_owned(),
                    None => {
                        return Err(source.invalid(
                            field.name,
                            format!("required key `{}` is missing", field.name),
                        ));
                    }
                },
            };
            names
                .iter()
                .position(|n| *n == text)
                .map(Read::Choice)
                .ok_or_else(|| {
                    source.invalid(
                        field.name,
                        format!(
                            "unknown {} {text:?}; expected one of {}",
                            field.name,
                            names.join(", ")
                        ),
                    )
                })
        }
    }
}

/// An accepted interval. `min_exclusive` for amounts that must be given (a dose of 0 is no
/// dose).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Lowest value.
    pub min: f64,
    /// Highest value.
    pub max: f64,
    /// Whether `min` itself is refused.
    pub min_exclusive: bool,
}

impl Range {
    const fn closed(min: f64, max: f64) -> Range {
        Range {
            min,
            max,
            min_exclusive: false,
        }
    }

    const fn positive(max: f64) -> Range {
        Range {
            min: 0.0,
            max,
            min_exclusive: true,
        }
    }

    fn check(&self, field: &'static str, value: f64, unit: &str) -> Result<(), ConfigError> {
        if self.min_exclusive {
            check_positive(field, value, self.max, unit)
        } else {
            check_range(field, value, self.min, self.max, unit)
        }
    }
}

/// What a number field takes when it is left out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumberDefault {
    /// It must be given.
    Required,
    /// This value.
    Value(f64),
    /// The model chooses (e.g. by the patient's size).
    Model,
}

/// How a field is written and checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldKind {
    /// A number in `unit` within `range`.
    Number {
        /// Unit as shown to users (`L/min`, `mL`, `°C`).
        unit: &'static str,
        /// Accepted values.
        range: Range,
        /// When left out.
        default: NumberDefault,
    },
    /// One of `names`; `default` when left out, else required.
    Choice {
        /// Accepted names.
        names: &'static [&'static str],
        /// Taken when the field is left out.
        default: Option<&'static str>,
    },
}

/// One field of an action.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldSpec {
    /// Key in scenario files and JSON (`flow_l_min`).
    pub name: &'static str,
    /// How it is written and checked.
    pub kind: FieldKind,
}

/// Who may take an action in a training session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The perfusionist at the pump (and the team around them: drugs, clamp, surgeon's calls).
    Perfusionist,
    /// Only the instructor: changes to the patient and injected faults.
    Instructor,
}

/// An action as written in scenario files and the API: its name, fields and who may take it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ActionSpec {
    /// Name (`start-bypass`).
    pub name: &'static str,
    /// Fields, in the order [`Action::fields`] gives them.
    pub fields: &'static [FieldSpec],
    /// Who may take it.
    pub actor: Actor,
    /// One line for docs and the console.
    pub summary: &'static str,
}

impl ActionSpec {
    /// The spec called `name`.
    pub fn find(name: &str) -> Option<&'static ActionSpec> {
        ACTIONS.iter().find(|a| a.name == name)
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const fn number(name: &'static str, unit: &'static str, range: Range) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Number {
            unit,
            range,
            default: NumberDefault::Required,
        },
    }
}

/// A number the model fills in when it is left out.
const fn optional_number(name: &'static str, unit: &'static str, range: Range) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Number {
            unit,
            range,
            default: NumberDefault::Model,
        },
    }
}

const fn choice(
    name: &'static str,
    names: &'static [&'static str],
    default: Option<&'static str>,
) -> FieldSpec {
    FieldSpec {
        name,
        kind: FieldKind::Choice { names, default },
    }
}

const fn spec(
    name: &'static str,
    fields: &'static [FieldSpec],
    actor: Actor,
    summary: &'static str,
) -> ActionSpec {
    ActionSpec {
        name,
        fields,
        actor,
        summary,
    }
}

use Actor::{Instructor, Perfusionist};

const FLOW: FieldSpec = number("flow_l_min", "L/min", Range::closed(0.0, 8.0));
const VOLUME_ML: FieldSpec = number("ml", "mL", Range::positive(5000.0));
const DETECTOR: FieldSpec = choice("kind", Detector::NAMES, None);
const FACTOR_TONE: FieldSpec = number("factor", "× baseline", Range::closed(0.2, 3.0));

/// The action vocabulary: every action of scenario files and the console, its fields with
/// units and ranges, and who may take it. Written once; the scenario parser, the HTTP API,
/// the console's controls and the docs read it.
pub const ACTIONS: &[ActionSpec] = &[
    spec(
        "heparin",
        &[number("units", "U", Range::positive(100_000.0))],
        Perfusionist,
        "IV heparin bolus (into the circuit on bypass)",
    ),
    spec(
        "protamine",
        &[number("mg", "mg", Range::positive(1000.0))],
        Perfusionist,
        "protamine bolus; neutralises heparin",
    ),
    spec(
        "start-bypass",
        &[FLOW],
        Perfusionist,
        "open the venous line and bring the arterial pump to this flow; ventilation stops",
    ),
    spec("set-flow", &[FLOW], Perfusionist, "arterial pump flow"),
    spec(
        "set-rpm",
        &[number("rpm", "1/min", Range::closed(0.0, 5000.0))],
        Perfusionist,
        "pump head speed (a centrifugal pump's flow then follows the afterload)",
    ),
    spec(
        "set-sweep",
        &[number("l_min", "L/min", Range::closed(0.0, 15.0))],
        Perfusionist,
        "oxygenator gas flow",
    ),
    spec(
        "set-fio2",
        &[number("pct", "%", Range::closed(21.0, 100.0))],
        Perfusionist,
        "oxygenator FiO2 on bypass, ventilator FiO2 off bypass",
    ),
    spec(
        "set-water-temp",
        &[number("temp_c", "°C", Range::closed(2.0, 42.0))],
        Perfusionist,
        "heater-cooler water temperature",
    ),
    spec(
        "set-vavd",
        &[number("mmhg", "mmHg", Range::closed(0.0, 80.0))],
        Perfusionist,
        "vacuum-assisted venous drainage, mmHg of suction",
    ),
    spec("cross-clamp-on", &[], Perfusionist, "aortic cross-clamp on"),
    spec(
        "cross-clamp-off",
        &[],
        Perfusionist,
        "aortic cross-clamp off",
    ),
    spec(
        "cardioplegia",
        &[
            number("ml", "mL", Range::positive(3000.0)),
            choice("kind", CardioplegiaKind::NAMES, Some("del-nido")),
            // Searles B et al. 2021: antegrade 250–400 mL/min adult, retrograde 100–225;
            // neonates a few tens of mL/min.
            optional_number("rate_ml_min", "mL/min", Range::closed(5.0, 600.0)),
            optional_number("temp_c", "°C", Range::closed(2.0, 40.0)),
        ],
        Perfusionist,
        "cardioplegia dose into the aortic root, delivered at a rate",
    ),
    spec(
        "give-rbc",
        &[number("ml", "mL", Range::positive(3000.0))],
        Perfusionist,
        "packed red cells (Hct 60 %), into the reservoir on bypass or IV off bypass",
    ),
    spec(
        "give-fluid",
        &[
            VOLUME_ML,
            choice("kind", FluidKind::NAMES, Some("crystalloid")),
        ],
        Perfusionist,
        "fluid, into the reservoir on bypass or IV off bypass",
    ),
    spec(
        "ultrafiltrate",
        &[
            VOLUME_ML,
            // An adult hemoconcentrator removes at most ≈ 200 mL/min (manufacturers' ratings,
            // e.g. Maquet BC 140: 30–180 mL/min; Gravlee, blood conservation chapter).
            optional_number("rate_ml_min", "mL/min", Range::closed(1.0, 200.0)),
        ],
        Perfusionist,
        "remove plasma water through the hemoconcentrator, at a rate",
    ),
    spec(
        "give-drug",
        &[
            choice("drug", Drug::NAMES, None),
            number("dose", "mcg or mg (see drug)", Range::positive(2000.0)),
        ],
        Perfusionist,
        "vasoactive or inotropic bolus",
    ),
    spec(
        "set-vascular-tone",
        &[FACTOR_TONE],
        Instructor,
        "systemic vascular tone × the patient's own (vasoplegia < 1)",
    ),
    spec(
        "set-contractility",
        &[number("factor", "× baseline", Range::closed(0.1, 2.0))],
        Instructor,
        "ventricular contractility × the patient's own",
    ),
    spec(
        "set-metabolic-rate",
        &[number("factor", "× normal", Range::closed(0.3, 3.0))],
        Instructor,
        "metabolic rate × normal for the temperature",
    ),
    spec(
        "set-bleeding",
        &[number("ml_min", "mL/min", Range::closed(0.0, 1000.0))],
        Instructor,
        "continuous surgical blood loss (0 stops it)",
    ),
    spec(
        "clamp-arterial-line",
        &[],
        Perfusionist,
        "clamp the arterial line",
    ),
    spec(
        "unclamp-arterial-line",
        &[],
        Perfusionist,
        "unclamp the arterial line",
    ),
    spec(
        "end-bypass",
        &[],
        Perfusionist,
        "stop the pump and clamp the venous line; the reservoir's volume stays in the circuit",
    ),
    spec(
        "set-pressure-limit",
        &[number("mmhg", "mmHg", Range::closed(100.0, 500.0))],
        Perfusionist,
        "arterial line pressure limit of the pump servo",
    ),
    spec(
        "set-venous-occlusion",
        &[number("pct", "%", Range::closed(0.0, 100.0))],
        Perfusionist,
        "venous line occluder (0 open, 100 clamped)",
    ),
    spec(
        "arm-detector",
        &[DETECTOR],
        Perfusionist,
        "arm a safety detector",
    ),
    spec(
        "disarm-detector",
        &[DETECTOR],
        Perfusionist,
        "disarm a safety detector (it no longer stops the pump)",
    ),
    spec(
        "reset-detector",
        &[DETECTOR],
        Perfusionist,
        "reset a tripped detector so the pump may run again",
    ),
    spec(
        "return-volume",
        &[
            number("ml", "mL", Range::positive(3000.0)),
            optional_number("rate_ml_min", "mL/min", Range::closed(10.0, 2000.0)),
        ],
        Perfusionist,
        "after bypass, transfuse from the reservoir through the arterial line",
    ),
    spec(
        "draw-act",
        &[],
        Perfusionist,
        "draw an activated clotting time",
    ),
    spec("send-abg", &[], Perfusionist, "send an arterial blood gas"),
    spec(
        "set-sweep-co2",
        &[number("pct", "%", Range::closed(0.0, 8.0))],
        Perfusionist,
        "CO2 added to the sweep gas (pH-stat)",
    ),
    spec(
        "defibrillate",
        &[number("joules", "J", Range::positive(360.0))],
        Perfusionist,
        "defibrillation shock (internal paddles 10–20 J adult)",
    ),
    spec(
        "pace",
        &[number(
            "rate_bpm",
            "1/min",
            Range::closed(0.0, PACE_MAX_BPM),
        )],
        Perfusionist,
        "epicardial pacing at this rate (0 stops it)",
    ),
    spec(
        "hand-crank",
        &[number("rpm", "1/min", Range::closed(0.0, 150.0))],
        Perfusionist,
        "turn the roller pump by hand while its motor is down (power loss, pump failure): rpm × stroke volume, no servo, no detectors; 0 stops",
    ),
    spec(
        "change-oxygenator",
        &[],
        Perfusionist,
        "change the oxygenator for a new one, pump stopped (ends a failure, removes the clot)",
    ),
    spec(
        "give-dantrolene",
        // Up to 10 mg/kg for a 150 kg adult: the cumulative dose after which the diagnosis
        // is reconsidered (Glahn KPE et al., Br J Anaesth 2010;105:417, EMHG guideline).
        &[number("mg", "mg", Range::positive(1500.0))],
        Perfusionist,
        "dantrolene IV for malignant hyperthermia (2–2.5 mg/kg, repeated to effect)",
    ),
    spec(
        "give-antithrombin",
        // Up to 100 IU/kg for a 100 kg adult: above the 75 IU/kg of Avidan MS et al. (J Thorac
        // Cardiovasc Surg 2005;130:107), the largest dose trialled for heparin resistance.
        &[number("iu", "IU", Range::positive(10000.0))],
        Perfusionist,
        "antithrombin concentrate for heparin resistance (IU = (target − actual AT %) × kg / 1.4)",
    ),
    spec(
        "give-bivalirudin",
        // CHOOSE-ON / EVOLUTION-ON regimen: 1 mg/kg bolus, 50 mg into the prime, 2.5 mg/kg/h
        // (Dyke CM et al., J Thorac Cardiovasc Surg 2006;131:533); the bolus range covers a
        // 150 kg adult twice over, the rate 2× the trial's.
        &[
            number("mg", "mg", Range::closed(0.0, 300.0)),
            optional_number("rate_mg_kg_h", "mg/kg/h", Range::closed(0.0, 5.0)),
        ],
        Perfusionist,
        "bivalirudin (HIT): bolus into the patient or prime, and the infusion rate from now on",
    ),
    spec(
        "cardioplegia-route",
        &[choice("route", CardioplegiaRoute::NAMES, None)],
        Perfusionist,
        "route of cardioplegia from now on, including the dose being delivered",
    ),
    spec(
        "recannulate",
        &[choice("site", CannulationSite::NAMES, None)],
        Perfusionist,
        "move the arterial cannula to another artery, pump stopped (ends a cannulation dissection)",
    ),
    spec(
        "fault",
        &[choice("kind", FaultKind::NAMES, None)],
        Instructor,
        "inject a crisis: an equipment fault or a patient event",
    ),
    spec(
        "clear-fault",
        &[choice("kind", FaultKind::NAMES, None)],
        Instructor,
        "end an injected fault",
    ),
    spec(
        "resolve-fault",
        &[choice("kind", FaultKind::NAMES, None)],
        Perfusionist,
        "fix an equipment fault (un-kink the line, connect the backup gas, de-air the line, change the oxygenator): ends it, scored as the perfusionist's",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A source holding fixed values, as a test stand-in for TOML or JSON.
    struct Fixed(Vec<(&'static str, FieldValue)>);

    impl FieldSource for Fixed {
        type Error = (String, String);
        fn number(&mut self, field: &'static str) -> Result<Option<f64>, Self::Error> {
            Ok(self.0.iter().find_map(|(k, v)| match v {
                FieldValue::Number(n) if *k == field => Some(*n),
                _ => None,
            }))
        }
        fn text(&mut self, field: &'static str) -> Result<Option<String>, Self::Error> {
            Ok(self.0.iter().find_map(|(k, v)| match v {
                FieldValue::Text(t) if *k == field => Some((*t).to_owned()),
                _ => None,
            }))
        }
        fn invalid(&self, field: &'static str, message: String) -> Self::Error {
            (field.to_owned(), message)
        }
    }

    /// Every action of the vocabulary is built by `from_fields`, spelled back by `name`, and
    /// survives `fields` → `from_fields`, with every field at the bottom and the top of its
    /// range.
    #[test]
    fn every_spec_round_trips() {
        for spec in ACTIONS {
            for end in [0.0, 1.0] {
                let values = spec
                    .fields
                    .iter()
                    .map(|f| {
                        let value = match f.kind {
                            FieldKind::Number { range, .. } => {
                                let low = if range.min_exclusive {
                                    range.min + 1.0
                                } else {
                                    range.min
                                };
                                FieldValue::Number(low + end * (range.max - low))
                            }
                            FieldKind::Choice { names, .. } => {
                                FieldValue::Text(names[(end as usize) * (names.len() - 1)])
                            }
                        };
                        (f.name, value)
                    })
                    .collect();
                let action = Action::from_fields(spec.name, &mut Fixed(values));
                // A drug's own ceiling may be below the field's (norepinephrine 200 mcg).
                let Ok(action) = action else {
                    assert_eq!(spec.name, "give-drug", "{:?}", action);
                    continue;
                };
                assert_eq!(action.name(), spec.name);
                assert_eq!(action.spec(), spec);
                let back = Action::from_fields(spec.name, &mut Fixed(action.fields())).unwrap();
                assert_eq!(back, action);
            }
        }
    }

    #[test]
    fn defaults_and_errors_name_the_field() {
        let plegia = Action::from_fields(
            "cardioplegia",
            &mut Fixed(vec![("ml", FieldValue::Number(500.0))]),
        );
        assert_eq!(
            plegia,
            Ok(Action::Cardioplegia {
                ml: 500.0,
                kind: CardioplegiaKind::DelNido,
                rate_ml_min: None,
                temp_c: None,
            })
        );
        let missing = Action::from_fields("set-flow", &mut Fixed(vec![])).unwrap_err();
        assert_eq!(missing.0, "flow_l_min");
        let range = Action::from_fields(
            "set-fio2",
            &mut Fixed(vec![("pct", FieldValue::Number(10.0))]),
        )
        .unwrap_err();
        assert_eq!(range.0, "pct");
        assert!(range.1.contains("between 21 and 100"), "{}", range.1);
        let kind = Action::from_fields(
            "fault",
            &mut Fixed(vec![("kind", FieldValue::Text("gremlins"))]),
        )
        .unwrap_err();
        assert_eq!(kind.0, "kind");
        assert!(kind.1.contains("pump-failure"), "{}", kind.1);
        let unknown = Action::from_fields("go-on-pump", &mut Fixed(vec![])).unwrap_err();
        assert_eq!(unknown.0, "action");
        assert!(unknown.1.contains("start-bypass"));
    }

    #[test]
    fn names_round_trip() {
        for f in FaultKind::ALL {
            assert_eq!(FaultKind::from_name(f.name()), Some(*f));
        }
        assert_eq!(FaultKind::PumpFailure.name(), "pump-failure");
        assert_eq!(CardioplegiaKind::Blood4To1.name(), "blood-4-1");
        assert_eq!(Drug::from_name("nitroglycerin"), Some(Drug::Nitroglycerin));
        assert_eq!(FluidKind::from_name("saline"), None);
    }

    #[test]
    fn validation_names_the_field() {
        let err = Action::SetFio2 { pct: 10.0 }.validate().unwrap_err();
        assert_eq!(err.field, "pct");
        assert!(
            Action::SetFlow {
                flow_l_min: f64::NAN
            }
            .validate()
            .is_err()
        );
        assert!(Action::Heparin { units: 32000.0 }.validate().is_ok());
        let too_much = Action::GiveDrug {
            drug: Drug::Norepinephrine,
            dose: 500.0,
        };
        assert_eq!(too_much.validate().unwrap_err().field, "dose");
    }
}
