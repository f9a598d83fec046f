// Debrief: trend charts of the whole run with the event log on the same timeline, each
// objective scored, and the session's CSV (the columns of `perfuse run`). Branches the
// instructor rewound away from are drawn dashed over the final line ("what if"); the scores
// are the final line's.

import { codeFromUrl, tokens, request, el, clock } from './api.js';
import { drawChart } from './chart.js';

const CHARTS = [
  { title: 'Pressures mmHg', series: [['map_mmhg', 'MAP', '#ff4d4d', 0, 120], ['cvp_mmhg', 'CVP', '#4da3ff', 0, 120], ['arterial_line_pressure_mmhg', 'Line P', '#ff9a7a', 0, 400]] },
  { title: 'Flow L/min · DO2i', series: [['pump_flow_l_min', 'Flow', '#3ddc84', 0, 7], ['do2i_ml_min_m2', 'DO2i', '#9be37a', 0, 600]] },
  { title: 'Oxygen', series: [['svo2_pct', 'SvO2 %', '#f5e050', 40, 100], ['pao2_mmhg', 'PaO2', '#4dd6e8', 0, 500], ['paco2_mmhg', 'PaCO2', '#7aa2ff', 20, 60]] },
  { title: 'Temperature °C', series: [['temp_core_c', 'Core', '#ffae42', 20, 40], ['temp_arterial_c', 'Arterial', '#ff7a42', 20, 40], ['temp_water_c', 'Water', '#888', 0, 42]] },
  { title: 'Blood', series: [['hct_pct', 'Hct %', '#e05a8a', 15, 45], ['lactate_mmol_l', 'Lactate', '#ffd27a', 0, 10], ['reservoir_volume_ml', 'Reservoir mL', '#b06aa0', 0, 'capacity']] },
  { title: 'ACT s', series: [['act_s', 'ACT', '#c7d0db', 0, 800]] },
];
const MARK = { scenario: '#55606e', student: '#2a8a55', instructor: '#8a5ab5', alarm: '#b82020', note: '#b07a20', lab: '#2a7f8a', system: '#333' };

/** PINTS categories (Dias et al., J Thorac Cardiovasc Surg 2023), rated 0.5–4.0 in steps of 0.5. */
const PINTS = [['decision_making', 'Decision making'], ['situation_awareness', 'Situation awareness'],
  ['task_management_leadership', 'Task management and leadership'], ['teamwork_communication', 'Teamwork and communication']];
const PINTS_SCALE = Array.from({ length: 8 }, (_, i) => (i + 1) / 2);

/** The instructor rates (selects and Save); a student sees the rating read-only. */
function showPints(pints, canRate) {
  const root = document.getElementById('pints');
  if (!canRate) {
    root.replaceChildren(pints
      ? el('table', { class: 'scores', id: 'pints-table' }, ...PINTS.map(([key, label]) => el('tr', {}, el('td', {}, label), el('td', { class: 'num' }, pints[key].toFixed(1)))))
      : el('p', { class: 'notes' }, 'Not rated yet.'));
    return;
  }
  const selects = PINTS.map(([key]) => el('select', { id: `pints-${key}` },
    el('option', { value: '' }, '—'),
    ...PINTS_SCALE.map((v) => el('option', { value: v, selected: pints && pints[key] === v }, v.toFixed(1)))));
  const said = el('small', { id: 'pints-status' }, pints ? 'Saved.' : 'Rate each category 0.5 (poor) to 4.0 (good).');
  const save = el('button', { id: 'btn-pints', onclick: async () => {
    if (selects.some((s) => s.value === '')) { said.textContent = 'Rate every category first.'; return; }
    const body = Object.fromEntries(PINTS.map(([key], i) => [key, Number(selects[i].value)]));
    try { await request('PUT', `/api/sessions/${code}/pints`, { body, token }); said.textContent = 'Saved; a training record saved from now on keeps it.'; }
    catch (e) { said.textContent = e.message; }
  } }, 'Save rating');
  root.replaceChildren(el('table', { class: 'scores' }, ...PINTS.map(([, label], i) => el('tr', {}, el('td', {}, label), el('td', {}, selects[i])))),
    el('div', { class: 'btnrow' }, save, said));
}

const SVG = 'http://www.w3.org/2000/svg';
/** An SVG element (presentation attributes, no style attribute: the page's CSP has no unsafe-inline). */
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** The crisis's checklist against time from its onset: each step's window (its deadline at the
 *  right end), when it was done (green in time, amber mistimed) or a red cross at the deadline
 *  if missed; then the time to recognition, to restored flow and the physiological cost. */
function showChecklist(d) {
  const panel = document.getElementById('checklist-panel');
  panel.classList.toggle('hidden', !d.crisis);
  if (!d.crisis) return;
  const c = d.crisis;
  // The checklist: action objectives whose window opens at the crisis or after it.
  const steps = d.objectives.filter((o) => o.kind === 'action' && o.window_from_s !== null && o.window_from_s !== undefined && o.window_from_s >= c.onset_s); const n = (v, dec = 0) => (v === null || v === undefined ? '—' : Number(v).toFixed(dec));
  const since = (s) => (s === null || s === undefined ? '—' : `${Math.round(s)} s`);
  document.getElementById('crisis-figures').replaceChildren(
    el('span', {}, 'Onset ', el('b', {}, clock(c.onset_s))),
    el('span', { id: 'time-to-recognition' }, 'Recognised after ', el('b', {}, since(c.time_to_recognition_s))),
    el('span', {}, 'Flow restored after ', el('b', {}, since(c.time_to_restore_flow_s))),
    el('span', {}, 'Lowest MAP ', el('b', {}, n(c.min_map_mmhg)), ' mmHg'),
    el('span', {}, 'DO2i < 272 ', el('b', {}, n(c.minutes_below_critical_do2i, 1)), ' min'),
    el('span', {}, 'Air to patient ', el('b', {}, n(c.air_to_patient_ml, 1)), ' mL'),
    el('span', {}, 'Lowest PaO2 ', el('b', {}, n(c.min_pao2_mmhg)), ' mmHg'));
  if (steps.length === 0) { document.getElementById('checklist').replaceChildren(); return; }
  const ends = steps.flatMap((o) => [o.window_to_s, o.done_at_s]).filter((t) => t !== null && t !== undefined);
  const t0 = Math.min(c.onset_s, ...steps.map((o) => o.window_from_s)) - 15;
  const t1 = Math.max(c.onset_s + 60, ...ends) + 15;
  // Sized for the debrief's side column: each step's label above its bar.
  const [W, ROW, TOP, LEFT] = [420, 34, 20, 6];
  const x = (t) => LEFT + ((t - t0) / (t1 - t0)) * (W - LEFT - 10);
  const H = TOP + steps.length * ROW + 6;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'checklist', id: 'checklist-svg', role: 'img', 'aria-label': 'crisis checklist timeline' });
  const tick = Math.max(10, Math.ceil((t1 - t0) / 6 / 10) * 10);
  for (let s = 0; c.onset_s + s <= t1; s += tick) {
    root.append(svg('line', { x1: x(c.onset_s + s), x2: x(c.onset_s + s), y1: TOP - 4, y2: H - 4, class: 'grid' }),
      svg('text', { x: x(c.onset_s + s), y: TOP - 8, 'text-anchor': 'middle', class: 'axis' }, `+${s} s`));
  }
  root.append(svg('line', { x1: x(c.onset_s), x2: x(c.onset_s), y1: TOP - 4, y2: H - 4, class: 'onset' }));
  steps.forEach((o, i) => {
    const y = TOP + i * ROW + 24;
    const to = o.window_to_s ?? t1;
    const mark = o.outcome === 'done' ? 'done' : o.outcome === 'mistimed' ? 'late' : 'missed';
    const row = svg('g', { class: `step ${mark}` },
      svg('text', { x: LEFT, y: y - 10, class: 'label' }, o.label.length > 64 ? `${o.label.slice(0, 63)}…` : o.label),
      svg('rect', { x: x(o.window_from_s), y: y - 5, width: Math.max(2, x(to) - x(o.window_from_s)), height: 10, class: 'window' }));
    if (o.window_to_s !== null && o.window_to_s !== undefined) row.append(svg('line', { x1: x(to), x2: x(to), y1: y - 8, y2: y + 8, class: 'deadline' }));
    if (o.done_at_s !== null && o.done_at_s !== undefined) row.append(svg('circle', { cx: x(o.done_at_s), cy: y, r: 5, class: 'mark' }));
    else row.append(svg('text', { x: x(to), y: y + 5, 'text-anchor': 'middle', class: 'mark' }, '✗'));
    row.append(svg('title', {}, `${o.label}: ${o.detail}`));
    root.append(row);
  });
  document.getElementById('checklist').replaceChildren(root);
}

const code = codeFromUrl();
const known = tokens(code);
const token = known.instructor_token || known.student_token;

async function load() {
  const d = await request('GET', `/api/sessions/${code}/debrief`, { token });
  document.getElementById('scenario-name').textContent = `${d.scenario_name} — ${code}${d.ended ? '' : ' (still running)'}`;
  const met = d.objectives.filter((o) => o.met).length;
  document.getElementById('summary').replaceChildren(
    el('span', {}, 'Simulated ', el('b', {}, clock(d.sim_time_s))),
    el('span', {}, 'Bypass ', el('b', {}, clock(d.bypass_time_s))),
    el('span', {}, 'Cross-clamp ', el('b', {}, clock(d.cross_clamp_time_s))),
    el('span', {}, 'Alarms raised ', el('b', {}, d.alarms_raised)),
    el('span', { id: 'objectives-met' }, 'Objectives met ', el('b', {}, `${met} / ${d.objectives.length}`)));
  document.getElementById('objectives').replaceChildren(
    el('tr', {}, el('th', {}, 'Objective'), el('th', {}, 'Result')),
    ...(d.objectives.length ? d.objectives.map((o) => el('tr', { class: 'objective' },
      el('td', {}, o.label),
      el('td', {}, o.met ? el('span', { class: 'met' }, '✓ met') : el('span', { class: 'notmet' }, '✗ not met'),
        el('br'), el('small', {}, o.detail)))) : [el('tr', {}, el('td', { colspan: 2 }, 'This scenario has no objectives.'))]));
  const questions = d.questions || [];
  document.getElementById('questions-panel').classList.toggle('hidden', questions.length === 0);
  document.getElementById('questions').replaceChildren(
    el('tr', {}, el('th', {}, 'Question'), el('th', {}, 'Answer')),
    ...questions.map((q) => el('tr', { class: 'question-row' },
      el('td', {}, `${clock(q.asked_at_s)} ${q.prompt}`),
      el('td', {}, q.answer
        ? [el('span', { class: q.answer.correct ? 'met' : 'notmet' }, q.answer.correct ? '✓ ' : '✗ '), q.answer.given, el('br'), el('small', {}, `answer: ${q.answer.expected}`)]
        : el('span', { class: 'notmet' }, 'not answered')))));
  showChecklist(d);
  showPints(d.pints, Boolean(known.instructor_token));
  document.getElementById('brief').textContent = d.brief;
  document.getElementById('notes').textContent = d.instructor_notes || 'No instructor notes for this scenario.';
  const markers = d.log.filter((e) => e.source !== 'system' && e.source !== 'lab').map((e) => ({ time_s: e.time_s, color: MARK[e.source], label: e.text.length > 28 ? `${e.text.slice(0, 27)}…` : e.text }));
  const n = (v, dec = 0) => (v === null || v === undefined ? '—' : Number(v).toFixed(dec));
  const ROWS = [['Time', (p) => clock(p.duration_s)], ['Nadir Hct %', (p) => n(p.nadir_hct_pct, 1)], ['Nadir DO2i mL/min/m²', (p) => n(p.nadir_do2i_ml_min_m2)],
    ['Lowest core T °C', (p) => n(p.min_temp_core_c, 1)], ['Highest line P mmHg', (p) => n(p.max_line_pressure_mmhg)], ['ACT < 480 s', (p) => clock(p.act_below_480_s)],
    ['Fluids in / out mL', (p) => `${n(p.fluid_in_ml)} / ${n(p.fluid_out_ml)}`], ['Alarms high · med · low', (p) => `${p.alarms_high} · ${p.alarms_medium} · ${p.alarms_low}`]];
  const phases = d.phases.filter((p) => p.duration_s > 0);
  document.getElementById('phases').replaceChildren(
    el('tr', {}, el('th', {}, ''), ...phases.map((p) => el('th', {}, p.phase))),
    ...ROWS.map(([label, f]) => el('tr', {}, el('td', {}, label), ...phases.map((p) => el('td', { class: 'num' }, f(p))))));
  const charts = document.getElementById('charts'); charts.replaceChildren();
  const branches = d.branches || [];
  const t1 = Math.max(d.sim_time_s, 60, ...branches.map((b) => b.until_s));
  const branchMarkers = branches.map((b) => ({ time_s: b.from_s, color: '#c792ea', label: `branch ${b.number} (to ${clock(b.until_s)})` }));
  for (const chart of CHARTS) {
    const canvas = el('canvas'); charts.append(canvas);
    const scale = ([, label, color, min, max]) => ({ label, color, min, max: max === 'capacity' ? Math.round(d.reservoir_capacity_ml) : max });
    const series = chart.series.map((c) => ({ ...scale(c), values: (d.trend.series.find((s) => s.name === c[0]) || { values: [] }).values }));
    for (const b of branches) {
      for (const c of chart.series) series.push({ ...scale(c), times: b.time_s, dashed: true, values: (b.series.find((s) => s.name === c[0]) || { values: [] }).values });
    }
    drawChart(canvas, d.trend.time_s, series, { t0: 0, t1, markers: [...markers, ...branchMarkers], title: chart.title, yAxis: true });
  }
  document.getElementById('branches-panel').classList.toggle('hidden', branches.length === 0);
  document.getElementById('branches').replaceChildren(...branches.map((b) => {
    const met = b.objectives.filter((o) => o.met).length;
    return el('details', { class: 'branch' },
      el('summary', {}, `Branch ${b.number}: ${clock(b.from_s)} → ${clock(b.until_s)}, objectives met ${met} / ${b.objectives.length}`),
      el('div', { class: 'log' }, ...b.log.map((line) => el('div', {}, line))));
  }));
  document.getElementById('event-log').replaceChildren(...d.log.map((e) => el('div', { class: e.source }, el('span', { class: 't' }, clock(e.time_s)), e.text)));
}

document.getElementById('btn-csv').addEventListener('click', async () => {
  const csv = await request('GET', `/api/sessions/${code}/csv`, { token });
  const link = el('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: `perfuse-${code}.csv` });
  document.body.append(link); link.click(); link.remove();
});

// A training record needs a records API token (`perfuse record user add`), not the session's:
// it writes to the department's records, so the server authenticates the person.
document.getElementById('btn-record').addEventListener('click', async () => {
  const message = document.getElementById('debrief-error');
  const recordsToken = localStorage.getItem('perfuse:records-token') || prompt('Records API token (from `perfuse record user add`):');
  if (!recordsToken) return;
  const trainee = prompt('Student who ran the pump:');
  if (!trainee) return;
  const supervisor = prompt('Supervising educator (optional):') || undefined;
  try {
    const saved = await request('POST', `/api/sessions/${code}/training-record`, { token: recordsToken, body: { trainee, supervisor } });
    localStorage.setItem('perfuse:records-token', recordsToken);
    message.className = 'ok';
    message.textContent = `Saved as training record ${saved.id} (a draft: finalise it to count in the case log).`;
  } catch (e) {
    if (e.status === 401) localStorage.removeItem('perfuse:records-token');
    message.className = 'error';
    message.textContent = e.message;
  }
});

if (!token) document.getElementById('debrief-error').textContent = 'No token for this session in this browser: join it first.';
else load().catch((e) => { document.getElementById('debrief-error').textContent = e.message; });
