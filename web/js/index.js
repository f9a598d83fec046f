// Landing page: list shipped scenarios, create a session (shipped or uploaded), join by code.

import { request, saveTokens, el, clock } from './api.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

const created = document.getElementById('created');

async function create(body) {
  body.scripted_events = document.getElementById('scripted-events').checked;
  if (body.scenario_id && document.getElementById('random-crisis').checked) {
    const minutes = (id) => Math.round(Number(document.getElementById(id).value) * 60);
    const seed = document.getElementById('crisis-seed').value;
    body.random_crisis = { from: scenarios.filter((s) => s.crisis).map((s) => s.id), window_s: [minutes('crisis-from-min'), minutes('crisis-to-min')] };
    if (seed !== '') body.random_crisis.seed = Number(seed);
  }
  const session = await request('POST', '/api/sessions', { body });
  saveTokens(session.code, { student_token: session.student_token, instructor_token: session.instructor_token });
  created.replaceChildren(el('div', { class: 'created', id: 'created-session' },
    el('div', {}, 'Session ', el('code', { id: 'new-code' }, session.code), ` — ${session.status.scenario_name}. Students join with this code.`),
    el('div', {}, 'Instructor token (keep it; shown only once): ', el('code', { id: 'instructor-token' }, session.instructor_token)),
    el('div', { class: 'btnrow below' },
      el('a', { href: `console.html?code=${session.code}`, id: 'open-console' }, el('button', { class: 'primary' }, 'Open pump console')),
      el('a', { href: `instructor.html?code=${session.code}#token=${session.instructor_token}`, id: 'open-instructor', target: '_blank' }, el('button', {}, 'Open instructor station')))));
  created.scrollIntoView();
}

/** ABCP knowledge-base section titles by name (from the catalog). */
let SECTIONS = {};

let scenarios = [];

function showScenarios() {
  const section = document.getElementById('section-filter').value;
  const shown = scenarios.filter((s) => !section || s.sections.includes(section));
  document.getElementById('filter-count').textContent = section ? `${plural(shown.length, 'scenario')}` : '';
  document.getElementById('scenarios').replaceChildren(...shown.map((s) => el('div', { class: 'card', 'data-sections': s.sections.join(' ') },
    el('h4', {}, s.name), el('p', {}, s.brief),
    el('p', { class: 'dim' }, [s.difficulty, ...s.sections.map((id) => SECTIONS[id] || id)].filter(Boolean).join(' · ')),
    el('div', { class: 'btnrow' },
      el('button', { class: 'primary', id: `start-${s.id}`, onclick: () => create({ scenario_id: s.id }).catch((e) => alert(e.message)) }, 'Start session'),
      el('span', { class: 'dim' }, `${clock(s.duration_s)} · ${plural(s.events, 'event')} · ${plural(s.objectives.length, 'objective')}`)))));
}

async function loadScenarios() {
  const catalog = await request('GET', '/api/catalog');
  SECTIONS = Object.fromEntries(catalog.sections.map((s) => [s.name, s.title]));
  scenarios = await request('GET', '/api/scenarios');
  const practised = new Set(scenarios.flatMap((s) => s.sections));
  document.getElementById('section-filter').append(...Object.entries(SECTIONS)
    .filter(([id]) => practised.has(id))
    .map(([id, title]) => el('option', { value: id }, title)));
  document.getElementById('section-filter').addEventListener('change', showScenarios);
  showScenarios();
}

document.getElementById('join-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = document.getElementById('join-code').value.trim().toUpperCase();
  try {
    const joined = await request('POST', `/api/sessions/${code}/join`);
    saveTokens(joined.code, { student_token: joined.student_token });
    location.href = `console.html?code=${joined.code}`;
  } catch (e) { document.getElementById('join-error').textContent = e.message; }
});

document.getElementById('upload-file').addEventListener('change', async (event) => {
  const file = event.target.files[0]; if (!file) return;
  document.getElementById('upload-text').value = await file.text();
  document.getElementById('upload-text').dataset.fileName = file.name;
});

document.getElementById('btn-upload').addEventListener('click', async () => {
  const text = document.getElementById('upload-text');
  const errorBox = document.getElementById('upload-error'); errorBox.textContent = '';
  try { await create({ scenario_toml: text.value, file_name: text.dataset.fileName || 'upload.toml' }); }
  catch (e) { errorBox.textContent = e.line ? `line ${e.line}: ${e.message}` : e.message; }
});

loadScenarios().catch((e) => { document.getElementById('scenarios').textContent = e.message; });
