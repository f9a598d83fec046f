// Drill page: board-exam calculation items from GET /api/drill/items, each answer graded by
// the server (POST /api/drill/answers), which shows the worked solution and, with the
// learner's records API token, stores the answer under their name.

import { request, el } from './api.js';

const $ = (id) => document.getElementById(id);
const VERDICT = {
  correct: 'Correct.',
  wrong: 'Wrong',
  'wrong-unit': 'Wrong unit',
  'missing-unit': 'Missing unit',
};

let set = null;
let index = 0;
let shownAt = 0;
let score = {};

function show(id, visible) { $(id).classList.toggle('hidden', !visible); }

function verdictText(v) {
  if (v.outcome === 'correct') return `Correct. Tolerance ${v.tolerance}.`;
  let text = `${VERDICT[v.outcome]}: the answer is ${v.expected}`;
  if (v.outcome !== 'wrong') text += v.number_matches ? '; your number is right' : '; your number is not right either';
  return `${text}. Tolerance ${v.tolerance}.`;
}

function showItem() {
  const item = set.items[index];
  $('item-title').textContent = `Item ${index + 1}/${set.items.length} · ${item.section_title} · ${item.kind}`;
  $('vignette').textContent = item.vignette;
  $('verdict').textContent = '';
  $('verdict').className = 'drill-verdict';
  delete $('verdict').dataset.outcome;
  $('solution').replaceChildren();
  $('answer').value = '';
  $('answer').disabled = false;
  show('btn-answer', true);
  show('btn-next', false);
  show('item-panel', true);
  $('answer').focus();
  shownAt = performance.now();
}

function showScore() {
  const counted = Object.values(score).reduce((a, b) => a + b, 0);
  $('score').replaceChildren(
    el('span', { id: 'score-correct' }, `${score.correct || 0}/${counted} correct`),
    el('span', {}, `${score.wrong || 0} wrong`),
    el('span', {}, `${score['wrong-unit'] || 0} wrong unit`),
    el('span', {}, `${score['missing-unit'] || 0} missing unit`));
  show('score-panel', true);
}

async function start(event) {
  event.preventDefault();
  $('drill-error').textContent = '';
  if ($('seed').value === '') $('seed').value = String(Math.floor(Math.random() * 1e9));
  localStorage.setItem('perfuse:drill-token', $('drill-token').value.trim());
  const query = new URLSearchParams({ seed: $('seed').value, count: $('count').value });
  if ($('section').value) query.set('section', $('section').value);
  try {
    set = await request('GET', `/api/drill/items?${query}`);
  } catch (e) {
    $('drill-error').textContent = e.message;
    return;
  }
  index = 0;
  score = {};
  show('score-panel', false);
  showItem();
}

async function answer(event) {
  event.preventDefault();
  const item = set.items[index];
  const body = {
    item_id: item.id,
    section: set.section,
    answer: $('answer').value,
    seconds_taken: Math.round((performance.now() - shownAt) / 100) / 10,
  };
  const token = $('drill-token').value.trim() || undefined;
  let v;
  try {
    v = await request('POST', '/api/drill/answers', { body, token });
  } catch (e) {
    $('verdict').textContent = e.message;
    return;
  }
  $('verdict').className = `drill-verdict ${v.outcome}`;
  $('verdict').dataset.outcome = v.outcome;
  if (v.outcome === 'not-a-number') {
    $('verdict').textContent = 'Not a number. Give a number and its unit, e.g. 4.8 L/min.';
    return;
  }
  $('verdict').textContent = verdictText(v) + (v.stored ? ' (stored)' : '');
  $('solution').replaceChildren(...v.solution.map((line) => el('div', {}, line)));
  score[v.outcome] = (score[v.outcome] || 0) + 1;
  $('answer').disabled = true;
  show('btn-answer', false);
  if (index + 1 < set.items.length) {
    show('btn-next', true);
    $('btn-next').focus();
  }
  showScore();
}

/** A table: header names and rows of cells. */
function table(headers, rows) {
  return el('table', { class: 'scores drill-progress' },
    el('tr', {}, headers.map((h) => el('th', {}, h))),
    rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c)))));
}

const pct = (p) => `${Math.round(p.accuracy * 100)} % (${p.correct}/${p.answered})`;
const secs = (p) => `${p.mean_seconds.toFixed(0)} s`;

/** The token holder's progress (weakest section first, then by day), and every learner's for
 * an educator (a chief's token). */
async function progress() {
  $('progress-error').textContent = '';
  const token = $('drill-token').value.trim();
  if (!token) { $('progress-error').textContent = 'Enter your records API token first.'; return; }
  let p;
  try {
    p = await request('GET', '/api/drill/progress', { token });
  } catch (e) {
    $('progress-error').textContent = e.message;
    return;
  }
  const parts = [
    el('h3', {}, `${p.learner}: by section, weakest first`),
    table(['section', 'accuracy', 'mean time'], p.sections.map((s) => [s.section, pct(s), secs(s)])),
    el('h3', {}, 'By day'),
    table(['day', 'accuracy', 'mean time'], p.days.map((d) => [d.day, pct(d), secs(d)])),
  ];
  if (p.learners) {
    parts.push(el('h3', {}, 'Your learners, weakest first'),
      table(['learner', 'accuracy', 'mean time'], p.learners.map((l) => [l.learner, pct(l), secs(l)])));
  }
  $('progress').replaceChildren(...parts);
}

$('drill-token').value = localStorage.getItem('perfuse:drill-token') || '';
const params = new URLSearchParams(location.search);
if (params.get('seed')) $('seed').value = params.get('seed');
if (params.get('section')) $('section').value = params.get('section');
$('drill-form').addEventListener('submit', start);
$('answer-form').addEventListener('submit', answer);
$('btn-next').addEventListener('click', () => { index += 1; showItem(); });
$('btn-progress').addEventListener('click', progress);
