// docs/benchmarks.svg: one row per case, log scale, baseline at 1×. The bar ends at the median
// ratio; the thick segment is the interquartile range and the whiskers the min–max of the rounds.
import { fmt } from './report.mjs';

const COLOURS = { met: '#39c', unclear: '#e90', MISSED: '#d33', none: '#9bc', metric: '#8a6' };
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const short = (t) => (t.length > 44 ? `${t.slice(0, 43)}…` : t);

export function svg(all, run) {
  const bars = all.flatMap(({ results }) =>
    results.flatMap((r) =>
      r.rows.map((row) => ({
        label: `${short(r.title)} / ${short(row.name)}${row.unlike ? ' †' : ''}`,
        ratio: row.ratio,
        goal: row.goal,
        colour: COLOURS[r.kind === 'metric' ? 'metric' : (row.verdict ?? 'none')],
        missedMetric: r.kind === 'metric' && row.verdict === 'MISSED',
      })),
    ),
  );
  const h = 22;
  const top = 52;
  const left = 660;
  const width = 1180;
  const bottom = top + bars.length * h;
  const scale = (width - left - 60) / 8; // 8 decades: 1e-4 .. 1e4
  const x = (ratio) => left + (Math.log10(Math.min(Math.max(ratio, 1e-4), 1e4)) + 4) * scale;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${bottom + 40}" font-family="sans-serif" font-size="11">`,
    '<title>fbemu benchmarks: each case as a ratio against its same-run baseline, with the spread of the rounds</title>',
    `<text x="8" y="16" font-size="12">${esc(run.headline)}</text>`,
    `<text x="8" y="32">${esc(run.load)}</text>`,
    `<line x1="${x(1)}" y1="${top - 8}" x2="${x(1)}" y2="${bottom + 20}" stroke="#444"/>`,
    `<text x="8" y="${bottom + 34}">1× = baseline (log, 10× per tick). Bar = median ratio, thick = IQR, whiskers = min–max. Speed: right is faster; blue met, orange unclear, red MISSED, grey no goal. Green: exact bytes, left is less. Dashed red: goal bound. † unlike work</text>`,
  ];
  for (let d = -4; d <= 4; d++)
    parts.push(
      `<line x1="${x(10 ** d)}" y1="${bottom + 16}" x2="${x(10 ** d)}" y2="${bottom + 22}" stroke="#888"/>`,
    );
  bars.forEach((b, i) => {
    const y = top + i * h;
    const mid = y + h / 2 - 1;
    const m = x(b.ratio.median);
    const [x0, x1] = [Math.min(x(1), m), Math.max(x(1), m)];
    parts.push(`<text x="${left - 6}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(
      `<rect x="${x0}" y="${y + 5}" width="${Math.max(1, x1 - x0)}" height="${h - 12}" fill="${b.missedMetric ? COLOURS.MISSED : b.colour}" opacity="0.75"/>`,
    );
    if (b.ratio.n > 1) {
      const [lo, hi, q1, q3] = [x(b.ratio.min), x(b.ratio.max), x(b.ratio.q1), x(b.ratio.q3)];
      parts.push(
        `<line x1="${lo}" y1="${mid}" x2="${hi}" y2="${mid}" stroke="#222"/>`,
        `<line x1="${lo}" y1="${mid - 4}" x2="${lo}" y2="${mid + 4}" stroke="#222"/>`,
        `<line x1="${hi}" y1="${mid - 4}" x2="${hi}" y2="${mid + 4}" stroke="#222"/>`,
        `<rect x="${q1}" y="${mid - 2}" width="${Math.max(1, q3 - q1)}" height="4" fill="#222"/>`,
      );
    }
    for (const g of [b.goal?.min, b.goal?.max].filter((v) => v !== undefined))
      parts.push(
        `<line x1="${x(g)}" y1="${y + 1}" x2="${x(g)}" y2="${y + h - 3}" stroke="#d33" stroke-dasharray="2,2"/>`,
      );
    const labelX = Math.max(x1, b.ratio.n > 1 ? x(b.ratio.max) : x1) + 4;
    parts.push(`<text x="${labelX}" y="${y + 13}">${fmt(b.ratio.median)}×</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
