// The pump console and patient monitor of one session: waveforms, numerics, trend strip,
// alarm bar, the perfusionist's controls, lab results and the event log, fed by the session's
// WebSocket. Used by the student console and (with an instructor panel) the instructor station.

import { el, clock, request } from './api.js';
import { Waveform } from './waveform.js';
import { AlarmBar } from './alarms.js';
import { drawChart } from './chart.js';

const TREND_WINDOW_S = 15 * 60;
/** Redose intervals by cardioplegia, min: blood every 20 (Gravlee), crystalloid 30, del Nido 60. */
const REDOSE_MIN = { 'blood-4-1': 20, crystalloid: 30, 'del-nido': 60 };
/** ACT and blood gas every 30 min on bypass (AmSECT Standards 2017, 7.2 and 8.1). */
const SAMPLE_EVERY_S = 30 * 60;
const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
const fmt = (v, d) => (v === null || v === undefined || Number.isNaN(v) ? '--' : (Number(v) + 0).toFixed(d).replace(/^-(0\.?0*)$/, '$1'));

/** Controls that show a machine setting: [input id, observation column, decimals]. Each follows
 *  the machine (whoever changed it: student, instructor, scripted event) unless it is being typed in. */
const SETTINGS = [
  ['flow', 'pump_flow_l_min', 1], ['sweep', 'sweep_l_min', 1], ['fio2', 'fio2_pct', 0],
  ['water', 'temp_water_c', 1], ['occlusion', 'venous_occlusion_pct', 0], ['plimit', 'pressure_limit_mmhg', 0],
];

/** Numeric tiles: [id, label, unit, colour, column, decimals, sub-line]. */
const TILES = [
  ['cvp', 'CVP', 'mmHg', 'var(--cvp)', 'cvp_mmhg', 0, (o) => `HR ${fmt(o.hr_bpm, 0)}/min`],
  ['linep', 'LINE P', 'mmHg', 'var(--art)', 'arterial_line_pressure_mmhg', 0, (o) => `post-oxygenator`],
  ['reservoir', 'RESERVOIR', 'mL', 'var(--blood)', 'reservoir_volume_ml', 0, (o) => `urine ${fmt(o.urine_ml, 0)} mL`],
  ['do2i', 'DO2i', 'mL/min/m²', 'var(--flow)', 'do2i_ml_min_m2', 0, (o) => `VO2i ${fmt(o.vo2i_ml_min_m2, 0)}`],
  ['sweep', 'SWEEP', 'L/min', 'var(--gas)', 'sweep_l_min', 1, (o) => `FiO2 ${fmt(o.fio2_pct, 0)} %`],
  ['fio2', 'FiO2', '%', 'var(--gas)', 'fio2_pct', 0, (o) => `VCO2i ${fmt(o.vco2i_ml_min_m2, 0)}`],
  ['svo2', 'SvO2', '%', 'var(--sat)', 'svo2_pct', 0, (o) => `SaO2 ${fmt(o.sao2_pct, 0)} %`],
  ['hct', 'Hct', '%', 'var(--blood)', 'hct_pct', 0, (o) => `Hb ${fmt(o.hb_g_dl, 1)} g/dL`],
  ['tart', 'T ART', '°C', 'var(--temp)', 'temp_arterial_c', 1, (o) => `ven ${fmt(o.temp_venous_c, 1)} °C`],
  ['tcore', 'T CORE', '°C', 'var(--temp)', 'temp_core_c', 1, (o) => `naso­pharyngeal`],
  ['twater', 'T WATER', '°C', 'var(--temp)', 'temp_water_c', 1, (o) => `heater-cooler`],
  ['act', 'ACT', 's', '#c7d0db', null, 0, null],
];

export class Console {
  /** Builds the console into `root` and connects. `extraColumn` (instructor panel) is appended. */
  constructor(root, { code, token, role, extraColumn = null, onHello = null, onFrame = null }) {
    Object.assign(this, { code, token, role, onHello, onFrame });
    this.trend = { time_s: [], map: [], flow: [], svo2: [], temp: [] };
    this.lastTrendSecond = -1; this.labs = {}; this.reservoirCapacityMl = 4000; this.shownSettings = {};
    this.build(root, extraColumn);
    this.connect();
    const animate = () => { this.art.draw(); this.flowWave.draw(); requestAnimationFrame(animate); };
    requestAnimationFrame(animate);
    setInterval(() => this.drawTrend(), 1000);
    // Shortcuts (not while typing in a box): ↑/↓ flow ± 0.1 L/min, S silences the alarms.
    addEventListener('keydown', (e) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'ArrowUp' || e.key === 'ArrowDown') { e.preventDefault(); this.nudge(e.key === 'ArrowUp' ? 0.1 : -0.1); }
      else if (e.key === 's' || e.key === 'S') this.alarms.silence();
    });
  }

  build(root, extraColumn) {
    const t = (id) => el('span', { id, class: 'num' }, '--');
    this.header = {
      scen: el('span', { class: 'scen', id: 'scenario-name' }, '…'),
      phase: el('span', { class: 'pill', id: 'phase' }, 'connecting'),
      clock: t('sim-clock'), cpb: t('cpb-time'), xc: t('xc-time'),
    };
    this.pauseButton = el('button', { id: 'btn-pause', onclick: () => this.control({ paused: !this.paused }) }, '❚❚ Pause');
    this.speedButtons = []; // from the catalog, on hello
    this.speedBox = el('span', { class: 'speed' }, this.pauseButton);
    const topbar = el('div', { class: 'topbar' },
      el('span', { class: 'brand' }, 'PERFUSE'), this.header.scen,
      el('span', { class: 'pill', title: 'join code' }, 'code ', el('b', { id: 'session-code' }, this.code)),
      this.header.phase,
      el('span', { class: 'clock' }, el('small', {}, 'T'), this.header.clock),
      el('span', { class: 'clock' }, el('small', {}, 'CPB'), this.header.cpb),
      el('span', { class: 'clock' }, el('small', {}, 'XC'), this.header.xc),
      el('span', { class: 'spacer' }),
      this.speedBox,
      el('a', { href: `debrief.html?code=${this.code}`, id: 'debrief-link', target: '_blank' }, 'Debrief'),
      el('span', { class: 'pill', id: 'role' }, this.role));
    const alarmRoot = el('div', { class: 'alarmbar' });
    this.alarms = new AlarmBar(alarmRoot);

    // Monitor column
    const artCanvas = el('canvas', { id: 'wave-art' }); const flowCanvas = el('canvas', { id: 'wave-flow' });
    this.mapValue = el('div', { class: 'value', id: 'map-value', style: 'color: var(--art)' }, '--');
    this.sdValue = el('div', { class: 'sub', id: 'sd-value' }, '--/--');
    this.flowValue = el('div', { class: 'value', id: 'flow-value', style: 'color: var(--flow)' }, '--');
    this.rpmValue = el('div', { class: 'sub', id: 'rpm-value' }, '-- rpm');
    this.ciValue = el('div', { class: 'sub', id: 'ci-value' }, '');
    const artPanel = el('div', { class: 'panel wave' }, artCanvas,
      el('div', { class: 'bignum' }, el('div', { class: 'name', style: 'color: var(--art)' }, 'MAP ', el('span', { class: 'unit' }, 'mmHg')), this.mapValue, this.sdValue));
    const flowPanel = el('div', { class: 'panel wave' }, flowCanvas,
      el('div', { class: 'bignum' }, el('div', { class: 'name', style: 'color: var(--flow)' }, 'PUMP FLOW ', el('span', { class: 'unit' }, 'L/min')), this.flowValue, this.rpmValue, this.ciValue));
    this.tiles = {};
    const tiles = el('div', { class: 'tiles' }, TILES.map(([id, label, unit, color, column]) => {
      const value = el('div', { class: 'value', id: `tile-${id}`, style: `color: ${color}` }, '--');
      const sub = el('div', { class: 'sub' }, column ? '' : 'no sample yet');
      const tile = el('div', { class: 'tile' }, el('div', { class: 'name', style: `color: ${color}` }, label, el('span', { class: 'unit' }, unit)), value, sub);
      if (id === 'reservoir') { this.level = el('div'); tile.append(el('div', { class: 'level' }, this.level)); }
      this.tiles[id] = { value, sub };
      return tile;
    }));
    this.trendCanvas = el('canvas', { id: 'trend' });
    const trendPanel = el('div', { class: 'panel trend' }, el('h3', {}, 'Trends — last 15 min'), this.trendCanvas);
    const monitor = el('div', { class: 'col' }, artPanel, flowPanel, el('div', { class: 'panel' }, tiles), trendPanel);

    // Controls column
    const controls = el('div', { class: 'col' }, el('div', { class: 'panel controls', id: 'controls' }, this.buildControls()));
    // Labs + log column
    this.labsBody = el('div', { id: 'labs' }, el('div', { class: 'pending' }, 'No samples yet'));
    const m = (id) => el('b', { id: `m-${id}` }, '--');
    this.machine = Object.fromEntries(['pre', 'post', 'dp', 'limit', 'servo', 'level', 'bubble', 'vq', 'air', 'cp-kind', 'cp-total', 'cp-since', 'in', 'out', 'net', 'urine', 'uf', 'act-due', 'abg-due'].map((id) => [id, m(id)]));
    const mm = this.machine; const kv = (label, value, unit = '') => el('div', { class: 'kv' }, el('span', {}, label), el('span', {}, value, unit ? el('small', {}, ` ${unit}`) : ''));
    const machinePanel = el('div', { class: 'panel machine', id: 'machine' },
      el('h3', {}, 'Heart-lung machine'),
      el('div', { class: 'grid2' },
        el('div', {}, el('div', { class: 'section-title' }, 'Pressures'), kv('Pre-oxy', mm.pre, 'mmHg'), kv('Post-oxy', mm.post, 'mmHg'), kv('ΔP oxy', mm.dp, 'mmHg'), kv('Limit', mm.limit, 'mmHg'), kv('Servo', mm.servo)),
        el('div', {}, el('div', { class: 'section-title' }, 'Safety'), kv('Level det.', mm.level), kv('Bubble det.', mm.bubble), kv('Air to pt', mm.air, 'mL'), kv('V/Q', mm.vq))),
      el('div', { class: 'grid2' },
        el('div', {}, el('div', { class: 'section-title' }, 'Cardioplegia'), kv('Kind', mm['cp-kind']), kv('Total', mm['cp-total'], 'mL'), kv('Since dose', mm['cp-since'])),
        el('div', {}, el('div', { class: 'section-title' }, 'Fluid balance'), kv('In', mm.in, 'mL'), kv('Out', mm.out, 'mL'), kv('Net', mm.net, 'mL'), kv('Urine · UF', el('span', {}, mm.urine, ' · ', mm.uf), 'mL'))),
      el('div', { class: 'grid2' }, kv('ACT due', mm['act-due']), kv('ABG due', mm['abg-due'])));
    this.logList = el('div', { class: 'log', id: 'event-log' });
    const side = el('div', { class: 'col' }, machinePanel,
      el('div', { class: 'panel labs' }, el('h3', {}, 'Lab — blood gas / ACT'),
        el('div', { class: 'btnrow' },
          el('button', { id: 'btn-abg', onclick: () => this.send({ type: 'sample', kind: 'abg' }) }, 'Send ABG'),
          el('button', { id: 'btn-act', onclick: () => this.send({ type: 'sample', kind: 'act' }) }, 'Draw ACT')),
        this.labsBody),
      el('div', { class: 'panel', style: 'flex: 1; display: flex; flex-direction: column; min-height: 0' }, el('h3', {}, 'Event log'), this.logList));
    const grid = el('div', { class: `console${extraColumn ? ' instructor' : ''}` }, monitor, controls, side, extraColumn);
    // A scenario question: the session pauses on it until someone answers.
    this.questionBox = el('div', { class: 'question hidden', id: 'question' });
    root.append(topbar, alarmRoot, this.questionBox, grid);
    this.art = new Waveform(artCanvas, { color: '#ff4d4d', min: 0, max: 160, grid: [50, 100, 150], label: 'ART' });
    this.flowWave = new Waveform(flowCanvas, { color: '#3ddc84', min: 0, max: 7, grid: [2, 4, 6], label: 'PUMP FLOW' });
  }

  /** One control row: label, number input with unit, button that sends an action built from
   *  the value, and a line for the server's refusal (the input then snaps back to the machine). */
  row(label, id, value, unit, step, button, build, cls = '') {
    const input = el('input', { type: 'number', id, value, step });
    const error = el('div', { class: 'ctl-error', id: `${id}-error` });
    const go = () => { error.textContent = ''; this.pendingControl = id; delete input.dataset.edited; this.action(build(Number(input.value))); };
    // A value being typed is the user's until sent (or Escape): the machine's value doesn't overwrite it.
    input.addEventListener('input', () => { input.dataset.edited = '1'; });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') go();
      else if (e.key === 'Escape') { delete input.dataset.edited; this.shownSettings[id] = null; }
    });
    return el('div', { class: 'ctl' }, el('label', { for: id }, label),
      el('span', { class: 'inp' }, input, el('span', {}, unit)), el('button', { id: `${id}-go`, class: cls, onclick: go }, button), error);
  }

  /** The server refused the last action: say why next to its control, put the machine's value back. */
  refused(error) {
    const id = this.pendingControl; this.pendingControl = null;
    const line = id && document.getElementById(`${id}-error`);
    if (line) line.textContent = `${error.field}: ${error.message}`; else this.setStatus(`${error.field}: ${error.message}`);
    const setting = SETTINGS.find(([name]) => name === id);
    if (setting && this.lastObs) { const input = document.getElementById(id); delete input.dataset.edited; input.value = fmt(this.lastObs[setting[1]], setting[2]); this.shownSettings[id] = input.value; }
  }

  /** Controls follow the machine's settings; a box being typed in is left alone. */
  followSettings(o, phase) {
    for (const [id, column, decimals] of SETTINGS) {
      if (id === 'flow' && phase === 'pre-bypass') continue; // the box holds the flow to go on bypass at
      const input = document.getElementById(id);
      if (!input || input.dataset.edited || document.activeElement === input || o[column] === null || o[column] === undefined) continue;
      const shown = fmt(o[column], decimals);
      if (this.shownSettings[id] !== shown) { input.value = shown; this.shownSettings[id] = shown; }
    }
  }

  select(id) { return el('select', { id }); }

  /** A choice list and the button that sends `build(choice)`. */
  choice(label, select, id, button, build) {
    return el('div', { class: 'ctl' }, el('label', { for: select.id }, label), el('span', { class: 'inp' }, select),
      el('button', { id, onclick: () => this.action(build(select.value)) }, button));
  }

  /** Names for the speed buttons and choice lists come from the server's catalog, not a copy. */
  applyCatalog(catalog) {
    this.speedButtons = catalog.speeds.map((s) => el('button', { id: `speed-${s}`, onclick: () => this.control({ speed: s }) }, `×${s}`));
    this.speedBox.replaceChildren(this.pauseButton, ...this.speedButtons);
    const fill = (select, names) => { // keeps the choice across reconnects
      const chosen = select.value;
      select.replaceChildren(...names.map((o) => el('option', { value: o }, o)));
      if (names.includes(chosen)) select.value = chosen;
    };
    fill(this.cpKind, catalog.cardioplegia_kinds);
    fill(this.cpRoute, catalog.cardioplegia_routes);
    fill(this.site, catalog.cannulation_sites);
    fill(this.faultFix, catalog.fixable_faults);
    fill(this.fluidKind, catalog.fluid_kinds);
    fill(this.drugSelect, catalog.drugs.map((d) => d.name));
    const unit = () => { this.drugUnit.textContent = catalog.drugs.find((d) => d.name === this.drugSelect.value).unit; };
    this.drugSelect.onchange = unit; unit();
  }

  buildControls() {
    const section = (title, ...rows) => el('div', { class: 'section' }, el('div', { class: 'section-title' }, title), ...rows);
    this.cpKind = this.select('cp-kind');
    this.fluidKind = this.select('fluid-kind');
    this.drugSelect = this.select('drug');
    this.cpRoute = this.select('cp-route');
    this.site = this.select('cannulation-site');
    this.faultFix = this.select('fix-fault');
    this.status = el('div', { class: 'status', id: 'control-status' });
    const drugDose = this.row('Dose', 'drug-dose', '100', '', '10', 'Give', (v) => ({ action: 'give-drug', drug: this.drugSelect.value, dose: v }));
    this.drugUnit = drugDose.querySelector('.inp > span');
    return [
      section('Arterial pump',
        el('div', { class: 'btnrow' },
          el('button', { id: 'btn-start-bypass', class: 'primary', onclick: () => this.action({ action: 'start-bypass', flow_l_min: Number(document.getElementById('flow').value) }) }, '▶ Go on bypass'),
          el('button', { id: 'btn-end-bypass', onclick: () => this.action({ action: 'end-bypass' }) }, '■ Come off')),
        this.row('Flow', 'flow', '4.8', 'L/min', '0.1', 'Set', (v) => ({ action: 'set-flow', flow_l_min: v })),
        el('div', { class: 'btnrow' },
          el('button', { id: 'btn-flow-down', onclick: () => this.nudge(-0.2) }, '− 0.2'),
          el('button', { id: 'btn-flow-up', onclick: () => this.nudge(0.2) }, '+ 0.2'),
          el('button', { id: 'btn-clamp-line', onclick: () => this.action({ action: 'clamp-arterial-line' }) }, 'Clamp art line'),
          el('button', { id: 'btn-unclamp-line', onclick: () => this.action({ action: 'unclamp-arterial-line' }) }, 'Unclamp'))),
      section('Gas blender',
        this.row('Sweep', 'sweep', '3.0', 'L/min', '0.1', 'Set', (v) => ({ action: 'set-sweep', l_min: v })),
        this.row('FiO2', 'fio2', '60', '%', '5', 'Set', (v) => ({ action: 'set-fio2', pct: v }))),
      section('Circuit',
        this.row('Occluder', 'occlusion', '0', '% closed', '5', 'Set', (v) => ({ action: 'set-venous-occlusion', pct: v })),
        this.row('P limit', 'plimit', '300', 'mmHg', '10', 'Set', (v) => ({ action: 'set-pressure-limit', mmhg: v })),
        this.row('Return', 'return-ml', '250', 'mL', '50', 'Return', (v) => ({ action: 'return-volume', ml: v })),
        el('div', { class: 'btnrow' },
          el('button', { id: 'btn-reset-bubble', onclick: () => this.action({ action: 'reset-detector', kind: 'bubble' }) }, 'Reset bubble det.'),
          el('button', { id: 'btn-reset-level', onclick: () => this.action({ action: 'reset-detector', kind: 'level' }) }, 'Reset level det.'))),
      section('Heater-cooler',
        this.row('Water', 'water', '37', '°C', '0.5', 'Set', (v) => ({ action: 'set-water-temp', temp_c: v }))),
      section('Clamp & cardioplegia',
        el('div', { class: 'btnrow' },
          el('button', { id: 'btn-xc-on', onclick: () => this.action({ action: 'cross-clamp-on' }) }, 'Cross-clamp ON'),
          el('button', { id: 'btn-xc-off', onclick: () => this.action({ action: 'cross-clamp-off' }) }, 'Cross-clamp OFF')),
        el('div', { class: 'ctl' }, el('label', {}, 'Cardioplegia'), el('span', { class: 'inp' }, this.cpKind),
          el('span')),
        this.row('Dose', 'cp-ml', '1000', 'mL', '50', 'Deliver', (v) => ({ action: 'cardioplegia', ml: v, kind: this.cpKind.value })),
        this.choice('Route', this.cpRoute, 'btn-cp-route', 'Set', (route) => ({ action: 'cardioplegia-route', route }))),
      section('Anticoagulation',
        this.row('Heparin', 'heparin', '30000', 'U', '1000', 'Give', (v) => ({ action: 'heparin', units: v })),
        this.row('Protamine', 'protamine', '300', 'mg', '10', 'Give', (v) => ({ action: 'protamine', mg: v })),
        this.row('AT conc.', 'antithrombin', '1000', 'IU', '250', 'Give', (v) => ({ action: 'give-antithrombin', iu: v })),
        this.row('Bivalirudin', 'bivalirudin', '80', 'mg', '5', 'Bolus', (v) => ({ action: 'give-bivalirudin', mg: v })),
        this.row('Biv. infusion', 'bivalirudin-rate', '2.5', 'mg/kg/h', '0.25', 'Set', (v) => ({ action: 'give-bivalirudin', mg: 0, rate_mg_kg_h: v }))),
      section('Rhythm',
        this.row('Shock', 'shock-j', '20', 'J', '5', 'Defibrillate', (v) => ({ action: 'defibrillate', joules: v }), 'danger'),
        this.row('Pace', 'pace-bpm', '90', '/min', '5', 'Pace', (v) => ({ action: 'pace', rate_bpm: v }))),
      section('Volume',
        el('div', { class: 'ctl' }, el('label', {}, 'Fluid'), el('span', { class: 'inp' }, this.fluidKind), el('span')),
        this.row('Add', 'fluid-ml', '250', 'mL', '50', 'Add', (v) => ({ action: 'give-fluid', ml: v, kind: this.fluidKind.value })),
        this.row('Packed RBC', 'rbc', '300', 'mL', '50', 'Give', (v) => ({ action: 'give-rbc', ml: v })),
        this.row('Ultrafilter', 'uf', '300', 'mL', '50', 'Remove', (v) => ({ action: 'ultrafiltrate', ml: v }))),
      section('Drugs',
        el('div', { class: 'ctl' }, el('label', {}, 'Drug'), el('span', { class: 'inp' }, this.drugSelect), el('span')),
        drugDose,
        this.row('Dantrolene', 'dantrolene', '200', 'mg', '20', 'Give', (v) => ({ action: 'give-dantrolene', mg: v }))),
      // What a crisis needs: naming the fault fixed (the refusal says when it was not that),
      // the hand crank, a new oxygenator, another artery.
      section('Emergency',
        this.choice('Fix', this.faultFix, 'btn-fix-fault', 'Fixed', (kind) => ({ action: 'resolve-fault', kind })),
        this.row('Hand crank', 'crank-rpm', '60', '/min', '5', 'Crank', (v) => ({ action: 'hand-crank', rpm: v }), 'danger'),
        this.choice('Cannulate', this.site, 'btn-recannulate', 'Move', (site) => ({ action: 'recannulate', site })),
        el('div', { class: 'btnrow' },
          el('button', { id: 'btn-change-oxygenator', class: 'danger', onclick: () => this.action({ action: 'change-oxygenator' }) }, 'Change oxygenator'))),
      this.status,
    ];
  }

  nudge(delta) {
    const input = document.getElementById('flow');
    const value = Math.max(0, Math.round((Number(input.value) + delta) * 10) / 10);
    input.value = value.toFixed(1);
    this.action({ action: 'set-flow', flow_l_min: value });
  }

  action(fields) { this.send({ type: 'action', ...fields }); }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
    else this.setStatus('not connected');
  }

  async control(body) {
    try { await request('POST', `/api/sessions/${this.code}/control`, { body, token: this.token }); }
    catch (e) { this.setStatus(e.message); }
  }

  setStatus(text) { this.status.textContent = text; clearTimeout(this.statusTimer); this.statusTimer = setTimeout(() => { this.status.textContent = ''; }, 6000); }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.socket = new WebSocket(`${scheme}://${location.host}/api/sessions/${this.code}/ws?token=${encodeURIComponent(this.token)}`);
    this.socket.onmessage = (event) => {
      let message; try { message = JSON.parse(event.data); } catch { return; }
      if (message.type === 'hello') this.hello(message);
      else if (message.type === 'frame') this.frame(message);
      else if (message.type === 'error') this.refused(message.error);
      else if (message.type === 'ack') this.pendingControl = null;
      else if (message.type === 'answer') this.answered(message.answer);
    };
    this.socket.onclose = () => {
      this.header.phase.textContent = 'disconnected';
      if (!this.ended) setTimeout(() => this.connect(), 2000);
    };
  }

  hello(message) {
    const s = message.status;
    this.header.scen.textContent = s.scenario_name; this.header.scen.title = message.brief;
    this.reservoirCapacityMl = message.reservoir_capacity_ml;
    this.applyCatalog(message.catalog);
    this.logList.replaceChildren(); this.addLog(message.log);
    const tr = message.trend; const col = (name) => (tr.series.find((x) => x.name === name) || { values: [] }).values;
    this.trend = { time_s: [...tr.time_s], map: [...col('map_mmhg')], flow: [...col('pump_flow_l_min')], svo2: [...col('svo2_pct')], temp: [...col('temp_core_c')] };
    this.drawTrend(); // at once, not at the next 1 s tick (background tabs throttle timers)
    if (this.onHello) this.onHello(message);
  }

  frame(f) {
    const o = f.obs; this.paused = f.paused; this.lastObs = o;
    this.followSettings(o, f.phase);
    this.header.phase.textContent = f.phase; this.header.phase.className = `pill ${f.phase}`;
    this.header.clock.textContent = clock(f.sim_time_s);
    this.header.cpb.textContent = clock(o.bypass_time_s); this.header.xc.textContent = clock(o.cross_clamp_time_s);
    for (const b of this.speedButtons) b.classList.toggle('active', b.id === `speed-${f.speed}`);
    this.pauseButton.textContent = f.paused ? '▶ Resume' : '❚❚ Pause'; this.pauseButton.classList.toggle('active', f.paused);
    this.mapValue.textContent = fmt(o.map_mmhg, 0);
    this.sdValue.textContent = `${fmt(o.sbp_mmhg, 0)}/${fmt(o.dbp_mmhg, 0)}`;
    this.flowValue.textContent = fmt(o.pump_flow_l_min, 2);
    this.rpmValue.textContent = `${fmt(o.pump_rpm, 0)} rpm`;
    this.ciValue.textContent = `native CO ${fmt(o.cardiac_output_l_min, 1)}`;
    for (const [id, , , , column, decimals, sub] of TILES) {
      if (!column) continue;
      this.tiles[id].value.textContent = fmt(o[column], decimals); this.tiles[id].sub.textContent = sub(o);
    }
    if (this.level) this.level.style.height = `${Math.min(100, Math.max(0, 100 * (o.reservoir_volume_ml || 0) / this.reservoirCapacityMl))}%`;
    this.art.push(f.wave.arterial_pressure_mmhg); this.flowWave.push(f.wave.pump_flow_l_min);
    this.alarms.show(f.alarms);
    this.addLog(f.log);
    const second = Math.floor(f.sim_time_s);
    if (second !== this.lastTrendSecond) {
      this.lastTrendSecond = second; const tr = this.trend;
      tr.time_s.push(f.sim_time_s); tr.map.push(o.map_mmhg); tr.flow.push(o.pump_flow_l_min); tr.svo2.push(o.svo2_pct); tr.temp.push(o.temp_core_c);
      while (tr.time_s.length > 4000) for (const k of Object.keys(tr)) tr[k].shift();
    }
    this.simTime = f.sim_time_s;
    if (f.ended && !this.ended) this.showEnded();
    this.showMachine(o, f.machine || {}, f.phase);
    this.showQuestion(f.question);
    if (this.onFrame) this.onFrame(f);
  }

  /** The question the session is paused on (numeric: a box; multiple choice: a button each). */
  showQuestion(q) {
    const box = this.questionBox;
    if (!q) { if (!box.classList.contains('verdict')) box.classList.add('hidden'); this.questionShown = null; return; }
    if (this.questionShown === q.number) return;
    this.questionShown = q.number;
    const answer = (text) => this.send({ type: 'answer', question: q.number, answer: String(text) });
    const input = el('input', { id: 'question-answer', placeholder: q.unit ? `number (${q.unit})` : 'number', autocomplete: 'off' });
    const controls = q.choices.length
      ? q.choices.map((c, i) => el('button', { class: 'choice', id: `choice-${i + 1}`, onclick: () => answer(i + 1) }, `${i + 1}. ${c}`))
      : [input, el('button', { class: 'primary', id: 'btn-question', onclick: () => answer(input.value) }, 'Answer')];
    box.className = 'question';
    box.replaceChildren(el('b', {}, `Question ${q.number}: `), q.prompt, el('div', { class: 'btnrow' }, controls));
  }

  /** The verdict on an answer, until the next question. */
  answered(a) {
    this.questionBox.className = `question verdict ${a.correct ? 'right' : 'wrong'}`;
    this.questionBox.replaceChildren(el('span', { id: 'question-verdict' }, `${a.correct ? 'Right' : 'Wrong'}: you said ${a.given}; the answer: ${a.expected}.`));
    setTimeout(() => { this.questionBox.classList.remove('verdict'); this.questionBox.classList.add('hidden'); }, 8000);
  }

  /** The machine panel: pressures and servo, detectors, V/Q, cardioplegia with its redose timer,
   *  fluid balance and the ACT / blood gas due timers. */
  showMachine(o, mach, phase) {
    const mm = this.machine; const set = (id, text, cls = '') => { mm[id].textContent = text; mm[id].className = cls; };
    set('pre', fmt(o.pre_oxygenator_pressure_mmhg, 0)); set('post', fmt(o.post_oxygenator_pressure_mmhg, 0));
    set('dp', fmt(o.oxygenator_dp_mmhg, 0)); set('limit', fmt(o.pressure_limit_mmhg, 0));
    set('servo', mach.servo_limiting ? 'LIMITING' : 'ok', mach.servo_limiting ? 'warn' : '');
    const det = (armed, tripped) => (tripped ? ['TRIPPED', 'alarm'] : armed ? ['armed', 'okay'] : ['DISARMED', 'warn']);
    set('level', ...det(mach.level_detector_armed, mach.level_detector_tripped));
    set('bubble', ...det(mach.bubble_detector_armed, mach.bubble_detector_tripped));
    set('air', fmt(o.air_to_patient_ml, 1), o.air_to_patient_ml > 0 ? 'alarm' : '');
    set('vq', o.pump_flow_l_min > 0.2 ? fmt(o.sweep_l_min / o.pump_flow_l_min, 2) : '--');
    set('cp-kind', mach.cardioplegia_kind || '--'); set('cp-total', fmt(o.cardioplegia_ml, 0));
    const since = o.minutes_since_cardioplegia; const redose = REDOSE_MIN[mach.cardioplegia_kind];
    const clamped = o.cross_clamp_time_s > 0 && this.lastClamp !== undefined && o.cross_clamp_time_s > this.lastClamp; this.lastClamp = o.cross_clamp_time_s;
    set('cp-since', since === null || since === undefined ? '--' : `${mmss(since * 60)}${redose ? ` / ${redose}:00` : ''}`, clamped && redose && since >= redose ? 'alarm' : '');
    set('in', fmt(o.fluid_in_ml, 0)); set('out', fmt(o.fluid_out_ml, 0)); set('net', fmt((o.fluid_in_ml || 0) - (o.fluid_out_ml || 0), 0));
    set('urine', fmt(o.urine_ml, 0)); set('uf', fmt(o.ultrafiltrate_ml, 0));
    const due = (last) => {
      if (phase !== 'bypass') return ['--', ''];
      const left = SAMPLE_EVERY_S - (this.simTime - (last ?? -Infinity));
      return left === -Infinity || left <= 0 ? ['NOW', 'alarm'] : [mmss(left), left < 300 ? 'warn' : ''];
    };
    set('act-due', ...due(mach.last_act_drawn_s)); set('abg-due', ...due(mach.last_abg_drawn_s));
  }

  drawTrend() {
    const tr = this.trend; const t1 = Math.max(this.simTime || 0, TREND_WINDOW_S);
    drawChart(this.trendCanvas, tr.time_s, [
      { values: tr.map, color: '#ff4d4d', min: 0, max: 120, label: 'MAP' },
      { values: tr.flow, color: '#3ddc84', min: 0, max: 7, label: 'Flow' },
      { values: tr.svo2, color: '#f5e050', min: 40, max: 100, label: 'SvO2' },
      { values: tr.temp, color: '#ffae42', min: 20, max: 40, label: 'T core' },
    ], { t0: t1 - TREND_WINDOW_S, t1 });
  }

  addLog(entries) {
    for (const e of entries) {
      this.logList.append(el('div', { class: e.source }, el('span', { class: 't' }, clock(e.time_s)), e.text));
      if (e.lab) this.showLab(e.lab);
    }
    if (entries.length) this.logList.scrollTop = this.logList.scrollHeight;
  }

  showLab(lab) {
    this.labs[lab.kind] = lab;
    if (lab.kind === 'act') {
      const act = lab.values.find((v) => v.name === 'act_s');
      this.tiles.act.value.textContent = fmt(act && act.value, 0); this.tiles.act.sub.textContent = `drawn ${clock(lab.drawn_at_s)}`;
    }
    const rows = [];
    for (const kind of ['abg', 'act']) {
      const result = this.labs[kind]; if (!result) continue;
      rows.push(el('tr', {}, el('td', { colspan: 3, style: 'color: var(--dim)' }, `${kind.toUpperCase()} drawn ${clock(result.drawn_at_s)}`)));
      for (const v of result.values) {
        const d = v.name === 'ph' ? 2 : (v.name.startsWith('k_') || v.name.startsWith('lactate') || v.name.startsWith('hb') || v.name.startsWith('sbe') || v.name.startsWith('hco3') || v.name.startsWith('temp') || v.name.startsWith('heparin')) ? 1 : 0;
        rows.push(el('tr', {}, el('td', {}, v.name.split('_')[0].toUpperCase().replace('PH', 'pH')), el('td', { id: `lab-${v.name}` }, fmt(v.value, d)), el('td', {}, v.name === 'ph' ? '' : v.unit)));
      }
    }
    this.labsBody.replaceChildren(el('table', {}, rows));
  }

  showEnded() {
    this.ended = true;
    document.body.append(el('div', { class: 'overlay', id: 'ended' }, el('div', { class: 'box' },
      el('h2', {}, 'Session ended'), el('p', {}, 'The case is over. Review your run:'),
      el('a', { href: `debrief.html?code=${this.code}`, id: 'open-debrief' }, el('button', { class: 'primary' }, 'Open debrief')))));
  }
}
