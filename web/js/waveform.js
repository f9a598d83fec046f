// Sweep-style waveform (as on a patient monitor): new samples overwrite old ones at a moving
// cursor with a small erase gap ahead of it. One sample per canvas pixel at 100 samples/s.

export class Waveform {
  constructor(canvas, { color, min, max, grid = [], label = '' }) {
    this.canvas = canvas; this.color = color; this.min = min; this.max = max; this.grid = grid; this.label = label;
    this.values = []; this.cursor = 0; this.resize();
    addEventListener('resize', () => this.resize());
  }

  resize() {
    const ratio = devicePixelRatio || 1;
    this.canvas.width = Math.max(100, Math.floor(this.canvas.clientWidth * ratio));
    this.canvas.height = Math.max(40, Math.floor(this.canvas.clientHeight * ratio));
    this.ratio = ratio;
    this.values = new Array(Math.floor(this.canvas.width / ratio)).fill(null);
    this.cursor = 0;
  }

  push(samples) {
    const n = this.values.length;
    for (const v of samples) {
      this.values[this.cursor] = v;
      this.cursor = (this.cursor + 1) % n;
      for (let g = 1; g <= 10; g++) this.values[(this.cursor + g) % n] = null;
    }
  }

  draw() {
    const { canvas, ratio } = this; const ctx = canvas.getContext('2d');
    const w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    const y = (v) => h - ((v - this.min) / (this.max - this.min)) * (h - 8 * ratio) - 4 * ratio;
    ctx.strokeStyle = '#1c2633'; ctx.lineWidth = 1; ctx.setLineDash([3 * ratio, 4 * ratio]);
    ctx.fillStyle = '#56657a'; ctx.font = `${10 * ratio}px sans-serif`;
    for (const g of this.grid) { ctx.beginPath(); ctx.moveTo(0, y(g)); ctx.lineTo(w, y(g)); ctx.stroke(); ctx.fillText(g, 3 * ratio, y(g) - 2 * ratio); }
    ctx.setLineDash([]);
    ctx.fillStyle = this.color; ctx.font = `bold ${11 * ratio}px sans-serif`; ctx.fillText(this.label, w - ctx.measureText(this.label).width - 6 * ratio, 13 * ratio);
    ctx.strokeStyle = this.color; ctx.lineWidth = 2 * ratio; ctx.lineJoin = 'round';
    ctx.beginPath(); let drawing = false;
    for (let i = 0; i < this.values.length; i++) {
      const v = this.values[i];
      if (v === null || v === undefined) { drawing = false; continue; }
      const clamped = Math.min(this.max, Math.max(this.min, v));
      if (drawing) ctx.lineTo(i * ratio, y(clamped)); else { ctx.moveTo(i * ratio, y(clamped)); drawing = true; }
    }
    ctx.stroke();
  }
}
