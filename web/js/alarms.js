// Alarm bar and tones, IEC 60601-1-8 style: high = red flashing with a 10-pulse burst
// (3 + 2, pause, 3 + 2) repeated, medium = yellow flashing with a 3-pulse burst, low = cyan,
// one tone. "Silence" mutes the audio for 2 minutes; the visual alarm stays.

import { el } from './api.js';

const SILENCE_MS = 120_000;
const BURST = { high: { pulses: [0, 0.2, 0.4, 1.0, 1.2, 2.0, 2.2, 2.4, 3.0, 3.2], every_s: 7, hz: 880 },
  medium: { pulses: [0, 0.35, 0.7], every_s: 15, hz: 660 }, low: { pulses: [0, 0.4], every_s: 30, hz: 520 } };

export class AlarmBar {
  constructor(root) {
    this.list = el('div', { class: 'alarms', id: 'alarm-list' });
    this.silenceButton = el('button', { class: 'silence', id: 'btn-silence', onclick: () => this.silence() }, 'SILENCE 2:00');
    root.append(this.list, this.silenceButton);
    this.silencedUntil = 0; this.lastBurst = {}; this.audio = null; this.current = [];
    const unlock = () => { try { this.audio = this.audio || new AudioContext(); this.audio.resume(); } catch { /* no audio */ } };
    addEventListener('pointerdown', unlock, { once: true });
    setInterval(() => this.tick(), 500);
  }

  silence() { this.silencedUntil = Date.now() + SILENCE_MS; this.tick(); }

  show(alarms) {
    this.current = alarms;
    const key = alarms.map((a) => `${a.priority}:${a.code}`).join(',');
    if (key === this.key) return; this.key = key;
    this.list.replaceChildren(...(alarms.length ? alarms.map((a) => el('span', { class: `alarm ${a.priority}`, 'data-priority': a.priority }, a.code.replaceAll('-', ' '))) : [el('span', { class: 'none' }, 'No active alarms')]));
  }

  tick() {
    const left = this.silencedUntil - Date.now();
    this.silenceButton.classList.toggle('on', left > 0);
    this.silenceButton.textContent = left > 0 ? `SILENCED ${Math.floor(left / 60000)}:${String(Math.floor(left / 1000) % 60).padStart(2, '0')}` : 'SILENCE 2:00';
    if (left > 0 || !this.audio || !this.current.length) return;
    const top = this.current[0].priority; const burst = BURST[top]; if (!burst) return;
    const now = Date.now(); if (now - (this.lastBurst[top] || 0) < burst.every_s * 1000) return;
    this.lastBurst[top] = now; const t0 = this.audio.currentTime + 0.05;
    for (const p of burst.pulses) {
      const osc = this.audio.createOscillator(); const gain = this.audio.createGain();
      osc.frequency.value = burst.hz; osc.type = 'triangle'; gain.gain.setValueAtTime(0, t0 + p);
      gain.gain.linearRampToValueAtTime(0.15, t0 + p + 0.02); gain.gain.linearRampToValueAtTime(0, t0 + p + 0.15);
      osc.connect(gain).connect(this.audio.destination); osc.start(t0 + p); osc.stop(t0 + p + 0.2);
    }
  }
}
