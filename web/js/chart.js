// Line charts of trend series on a shared time axis (console trend strip and debrief).

/**
 * Draws `series` ([{values, color, min, max, label}]) against `times` (s) on `canvas`,
 * with vertical markers ([{time_s, color, label}]) and a time axis from t0 to t1. With
 * `yAxis`, the first series' scale is labelled on the left and the second's on the right, and
 * markers carry their labels. A series may bring its own `times` and be drawn `dashed`
 * without a legend (a branch the instructor rewound away from, over the final line).
 */
export function drawChart(canvas, times, series, { t0, t1, markers = [], title = '', axis = true, yAxis = false } = {}) {
  const ratio = devicePixelRatio || 1;
  canvas.width = Math.max(100, Math.floor(canvas.clientWidth * ratio));
  canvas.height = Math.max(40, Math.floor(canvas.clientHeight * ratio));
  const ctx = canvas.getContext('2d'); const w = canvas.width, h = canvas.height;
  const top = (yAxis ? 18 : 14) * ratio, bottom = axis ? 14 * ratio : 4 * ratio;
  const left = (yAxis ? 34 : 4) * ratio, right = (yAxis && series.length > 1 ? 34 : 4) * ratio;
  ctx.clearRect(0, 0, w, h);
  const start = t0 ?? (times.length ? times[0] : 0);
  const end = Math.max(start + 1, t1 ?? (times.length ? times[times.length - 1] : 1));
  const x = (t) => left + ((t - start) / (end - start)) * (w - left - right);
  ctx.font = `${10 * ratio}px sans-serif`;
  if (yAxis) {
    // Five value lines: the first series' values on the left, the second's on the right.
    ctx.strokeStyle = '#1c2633';
    for (let i = 0; i <= 4; i++) {
      const yy = top + (i / 4) * (h - top - bottom);
      ctx.beginPath(); ctx.moveTo(left, yy); ctx.lineTo(w - right, yy); ctx.stroke();
      const tick = (s) => { const v = s.max - (i / 4) * (s.max - s.min); return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toFixed(1)).toString(); };
      ctx.fillStyle = series[0].color; ctx.textAlign = 'right'; ctx.fillText(tick(series[0]), left - 3 * ratio, yy + 3 * ratio);
      if (series.length > 1) { ctx.fillStyle = series[1].color; ctx.textAlign = 'left'; ctx.fillText(tick(series[1]), w - right + 3 * ratio, yy + 3 * ratio); }
    }
    ctx.textAlign = 'left';
  }
  if (axis) {
    ctx.fillStyle = '#56657a'; ctx.strokeStyle = '#1c2633';
    const span = end - start; const step = [10, 30, 60, 300, 600, 900, 1800, 3600].find((s) => span / s <= 8) || 7200;
    for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
      ctx.beginPath(); ctx.moveTo(x(t), top); ctx.lineTo(x(t), h - bottom); ctx.stroke();
      const label = `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(Math.floor(t) % 60).padStart(2, '0')}`;
      ctx.fillText(label, x(t) + 2 * ratio, h - 3 * ratio);
    }
  }
  for (const m of markers) {
    if (m.time_s < start || m.time_s > end) continue;
    ctx.strokeStyle = m.color || '#445'; ctx.lineWidth = 1; ctx.setLineDash([2 * ratio, 3 * ratio]);
    ctx.beginPath(); ctx.moveTo(x(m.time_s), top); ctx.lineTo(x(m.time_s), h - bottom); ctx.stroke(); ctx.setLineDash([]);
    if (yAxis && m.label) {
      ctx.save(); ctx.translate(x(m.time_s) + 2 * ratio, top + 2 * ratio); ctx.rotate(Math.PI / 2);
      ctx.fillStyle = m.color || '#8a97a8'; ctx.font = `${9 * ratio}px sans-serif`; ctx.fillText(m.label, 0, 0); ctx.restore();
    }
  }
  let legendX = (yAxis ? 4 : left + 2) * ratio;
  if (title) { ctx.fillStyle = '#8a97a8'; ctx.font = `bold ${10 * ratio}px sans-serif`; ctx.fillText(title, legendX, 11 * ratio); legendX += ctx.measureText(title).width + 10 * ratio; }
  for (const s of series) {
    const y = (v) => top + (1 - (v - s.min) / (s.max - s.min)) * (h - top - bottom);
    const ts = s.times || times;
    ctx.strokeStyle = s.color; ctx.lineWidth = (s.dashed ? 1 : 1.6) * ratio; ctx.setLineDash(s.dashed ? [4 * ratio, 3 * ratio] : []);
    ctx.beginPath(); let drawing = false;
    for (let i = 0; i < ts.length; i++) {
      const v = s.values[i];
      if (v === null || v === undefined || ts[i] < start) { drawing = false; continue; }
      const yy = y(Math.min(s.max, Math.max(s.min, v)));
      if (drawing) ctx.lineTo(x(ts[i]), yy); else { ctx.moveTo(x(ts[i]), yy); drawing = true; }
    }
    ctx.stroke(); ctx.setLineDash([]);
    if (s.dashed) continue;
    ctx.fillStyle = s.color; ctx.font = `${10 * ratio}px sans-serif`;
    const text = `${s.label} (${s.min}–${s.max})`; ctx.fillText(text, legendX, 11 * ratio); legendX += ctx.measureText(text).width + 10 * ratio;
  }
}
