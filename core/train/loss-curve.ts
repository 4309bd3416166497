// A self-contained SVG of the training (and evaluation) loss against the step, for the run
// folder. Pure string building, so the studio can render the same picture.

export interface CurvePoint {
  step: number;
  value: number;
}

const W = 720;
const H = 360;
const PAD = { l: 64, r: 16, t: 28, b: 44 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function lossCurveSvg(title: string, series: { name: string; color: string; points: CurvePoint[] }[]): string {
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));
  const maxStep = Math.max(1, ...all.map((p) => p.step));
  const lo = Math.min(0, ...all.map((p) => p.value));
  const hi = Math.max(1e-9, ...all.map((p) => p.value));
  const x = (s: number): number => PAD.l + (s / maxStep) * (W - PAD.l - PAD.r);
  const y = (v: number): number => H - PAD.b - ((v - lo) / (hi - lo || 1)) * (H - PAD.t - PAD.b);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${esc(title)}</text>`];
  for (const v of ticks(lo, hi, 5)) parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="${PAD.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  for (const s of ticks(0, maxStep, 6)) parts.push(`<text x="${x(s).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="middle">${s}</text>`);
  parts.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle">step</text>`, `<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">loss</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.value)).map((p) => `${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`);
    if (pts.length) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    parts.push(`<text x="${W - PAD.r - 120}" y="${PAD.t + 14 + i * 16}" fill="${s.color}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
