// Instructor station: the student's console plus faults, patient changes (vascular tone,
// contractility, metabolic rate, bleeding),
// scripted events, annotations, rewinding to an earlier second (the future is kept as a branch
// of the debrief) and ending the session. Needs the session's instructor token
// (from the creator's browser, the #token= of the link the creator got, or typed in).

import { Console } from './console.js';
import { codeFromUrl, tokens, saveTokens, request, el, clock } from './api.js';

/** Patient changes: action, field, label, unit, initial value, range, step (ranges as the model's). */
const PATIENT = [
  ['set-vascular-tone', 'factor', 'Vascular tone', '×', 1, 0.2, 3, 0.1],
  ['set-contractility', 'factor', 'Contractility', '×', 1, 0.1, 2, 0.1],
  ['set-metabolic-rate', 'factor', 'Metabolic rate', '×', 1, 0.3, 3, 0.1],
  ['set-bleeding', 'ml_min', 'Bleeding', 'mL/min', 0, 0, 1000, 25],
];

function panel(code, token) {
  const status = el('div', { class: 'status', id: 'instructor-status' });
  const say = (text) => { status.textContent = text; };
  const post = (path, body) => request('POST', `/api/sessions/${code}/${path}`, { body, token }).catch((e) => { say(e.message); throw e; });
  const faultList = el('div', { class: 'faults', id: 'faults' });
  const notes = el('p', { class: 'notes', id: 'instructor-notes' });
  const note = el('input', { id: 'note-text', placeholder: 'Annotation…', style: 'width: 100%' });
  const scripted = el('input', { type: 'checkbox', id: 'scripted-toggle', onchange: () => post('control', { scripted_events: scripted.checked }) });
  // Rewind: a slider over the time recorded so far (its end follows the session's clock).
  const rewindTo = el('input', { id: 'rewind-to', type: 'range', min: 0, max: 0, step: 1, value: 0, style: 'flex: 1' });
  const rewindAt = el('span', { id: 'rewind-at', class: 'num' }, clock(0));
  rewindTo.addEventListener('input', () => { rewindAt.textContent = clock(Number(rewindTo.value)); });
  const rewindButton = el('button', { id: 'btn-rewind', title: 'Go back to this second, paused; what followed is kept as a branch in the debrief', onclick: async () => {
    const status = await post('rewind', { to_s: Number(rewindTo.value) });
    say(`Rewound to ${clock(status.sim_time_s)} (paused); the future is kept as a branch in the debrief`);
  } }, '⟲ Rewind');
  const followClock = (simTimeS) => { rewindTo.max = Math.floor(simTimeS); };
  let confirmEnd = false;
  const endButton = el('button', { class: 'danger', id: 'btn-end-session', onclick: async () => {
    if (!confirmEnd) { confirmEnd = true; endButton.textContent = 'Click again to end'; setTimeout(() => { confirmEnd = false; endButton.textContent = '■ End session'; }, 4000); return; }
    await post('end'); say('Session ended');
  } }, '■ End session');
  const root = el('div', { class: 'col' }, el('div', { class: 'panel controls', style: 'border-color: #6a4a9a' },
    el('h3', { style: 'color: #c792ea' }, 'Instructor'),
    el('div', { class: 'section' }, el('div', { class: 'section-title' }, 'Teaching points (not shown to the student)'), notes),
    el('div', { class: 'section' }, el('div', { class: 'section-title' }, 'Faults'), faultList),
    el('div', { class: 'section' }, el('div', { class: 'section-title' }, 'Patient'),
      ...PATIENT.map(([action, field, label, unit, value, min, max, step]) => {
        const input = el('input', { id: `patient-${action}`, type: 'number', value, min, max, step, style: 'width: 56px' });
        const go = () => post('actions', { action, [field]: Number(input.value) }).then(() => say(`${label}: ${input.value} ${unit}`));
        return el('div', { class: 'ctl', title: `${label}: ${min}–${max} ${unit === '×' ? '× the patient\'s own' : unit}` }, el('label', { for: `patient-${action}` }, label),
          el('span', { class: 'inp' }, input, el('span', {}, unit)), el('button', { id: `btn-${action}`, onclick: go }, 'Set'));
      })),
    el('div', { class: 'section' }, el('div', { class: 'section-title' }, 'Session'),
      el('label', {}, scripted, ' scripted scenario events'),
      el('div', { class: 'btnrow' }, note, el('button', { id: 'btn-annotate', onclick: async () => { if (note.value.trim()) { await post('annotations', { text: note.value }); note.value = ''; } } }, 'Annotate')),
      el('div', { class: 'btnrow' }, rewindTo, rewindAt, rewindButton),
      el('div', { class: 'btnrow' }, endButton)),
    status));
  const show = (names, active) => faultList.replaceChildren(...names.map((name) => el('div', { class: `fault${active.includes(name) ? ' on' : ''}` },
    el('span', {}, name),
    el('span', {},
      el('button', { id: `inject-${name}`, class: 'danger', onclick: () => post('actions', { action: 'fault', kind: name }) }, 'Inject'), ' ',
      el('button', { id: `clear-${name}`, onclick: () => post('actions', { action: 'clear-fault', kind: name }) }, 'Clear')))));
  return { root, show, scripted, notes, followClock };
}

async function start(code, token) {
  await request('GET', `/api/sessions/${code}`, { token });
  saveTokens(code, { instructor_token: token });
  const { root, show, scripted, notes, followClock } = panel(code, token);
  let faults = []; let activeKey = null;
  new Console(document.getElementById('root'), {
    code, token, role: 'instructor', extraColumn: root,
    onHello: (hello) => {
      const crisis = hello.random_crisis ? `Random crisis: ${hello.random_crisis.crisis} at ${clock(hello.random_crisis.onset_s)} (seed ${hello.random_crisis.seed}; the student is not told).\n\n` : '';
      notes.textContent = crisis + (hello.instructor_notes || 'No instructor notes for this scenario.'); faults = hello.catalog.faults; scripted.checked = hello.status.scripted_events; activeKey = ''; show(faults, []); },
    onFrame: (frame) => {
      followClock(frame.sim_time_s);
      const key = (frame.active_faults || []).join(','); scripted.checked = frame.scripted_events;
      if (key !== activeKey) { activeKey = key; show(faults, frame.active_faults || []); }
    },
  });
}

const code = codeFromUrl();
const hashToken = new URLSearchParams(location.hash.slice(1)).get('token');
const token = hashToken || tokens(code).instructor_token;
const login = document.getElementById('login');
const showLogin = (message = '') => {
  login.hidden = false; document.getElementById('login-code').value = code; document.getElementById('login-error').textContent = message;
};
document.getElementById('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const c = document.getElementById('login-code').value.trim().toUpperCase();
  const t = document.getElementById('login-token').value.trim();
  start(c, t).then(() => { login.hidden = true; history.replaceState(null, '', `instructor.html?code=${c}`); }).catch((e) => showLogin(e.message));
});
if (code && token) start(code, token).then(() => history.replaceState(null, '', `instructor.html?code=${code}`)).catch((e) => showLogin(e.message));
else showLogin();
