// `pnpm bench`: runs every built `*.bench.js` of the workspace, prints a table per suite and
// writes docs/benchmarks.md plus docs/benchmarks.svg. Each result is a ratio against a
// baseline measured in the same process, so the numbers travel between machines.
// Usage: node tools/run-bench.mjs [filter]   (filter matches the bench file path)
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const filter = process.argv[2] ?? '';

function findBenches(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findBenches(p));
    else if (name.endsWith('.bench.js')) out.push(p);
  }
  return out;
}

function benchFiles() {
  const files = [];
  for (const group of ['packages', 'apps']) {
    for (const member of readdirSync(path.join(root, group))) {
      const dist = path.join(root, group, member, 'dist');
      try {
        files.push(...findBenches(dist));
      } catch {
        /* member not built or no dist */
      }
    }
  }
  return files.filter((f) => f.includes(filter)).sort();
}

function verdict(ratio, goal) {
  if (!goal) return '';
  const ok = (goal.min === undefined || ratio >= goal.min) && (goal.max === undefined || ratio <= goal.max);
  return `${ok ? 'met' : 'MISSED'} (${goal.text})`;
}

const fmt = (n, d = 3) => (Math.abs(n) >= 1000 ? n.toFixed(0) : Number(n.toPrecision(d)).toString());

async function runSuite(suite) {
  const bench = new Bench({ time: suite.time ?? 300, warmupTime: 50 });
  bench.add(suite.baseline.name, suite.baseline.fn);
  for (const c of suite.cases) bench.add(c.name, c.fn);
  await bench.run();
  const mean = (t) => {
    if (t.result.state !== 'completed')
      throw new Error(`${suite.title} / ${t.name}: ${t.result.state} ${t.result.error ?? ''}`);
    return t.result.latency.mean;
  };
  const base = mean(bench.tasks[0]);
  const rows = suite.cases.map((c, i) => {
    const m = mean(bench.tasks[i + 1]);
    return { name: c.name, ms: m, ratio: base / m, verdict: verdict(base / m, c.goal) };
  });
  return {
    kind: 'speed',
    title: suite.title,
    detail: suite.detail,
    baseline: { name: suite.baseline.name, ms: base },
    rows,
  };
}

function metricTable(t) {
  const rows = t.rows.map((r) => ({
    name: r.name,
    value: r.value,
    ratio: r.value / t.baseline.value,
    verdict: verdict(r.value / t.baseline.value, r.goal),
  }));
  return { kind: 'metric', title: t.title, detail: t.detail, unit: t.unit, baseline: t.baseline, rows };
}

function markdown(results, file) {
  const lines = [`### ${file}`, ''];
  for (const r of results) {
    lines.push(`#### ${r.title}`, '');
    if (r.detail) lines.push(r.detail, '');
    if (r.kind === 'speed') {
      lines.push('| case | mean time | speed vs baseline | goal |', '|---|---|---|---|');
      lines.push(`| baseline: ${r.baseline.name} | ${fmt(r.baseline.ms * 1000)} µs | 1 | |`);
      for (const row of r.rows)
        lines.push(`| ${row.name} | ${fmt(row.ms * 1000)} µs | ${fmt(row.ratio)}× | ${row.verdict} |`);
    } else {
      lines.push(`| case | ${r.unit} | vs baseline | goal |`, '|---|---|---|---|');
      lines.push(`| baseline: ${r.baseline.name} | ${fmt(r.baseline.value)} | 1 | |`);
      for (const row of r.rows)
        lines.push(`| ${row.name} | ${fmt(row.value)} | ${fmt(row.ratio)}× | ${row.verdict} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

// A horizontal bar per case, log scale, baseline at 1×.
function svg(all) {
  const short = (t) => (t.length > 44 ? `${t.slice(0, 43)}…` : t);
  const bars = all.flatMap(({ results }) =>
    results.flatMap((r) =>
      r.rows.map((row) => ({
        label: `${short(r.title)} / ${short(row.name)}`,
        ratio: row.ratio,
        missed: row.verdict.startsWith('MISSED'),
        metric: r.kind === 'metric',
      })),
    ),
  );
  const h = 22;
  const left = 660;
  const width = 1180;
  const scale = (width - left - 60) / 8; // 8 decades: 1e-4 .. 1e4
  const x = (ratio) => left + (Math.log10(Math.max(ratio, 1e-4)) + 4) * scale;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${bars.length * h + 40}" font-family="sans-serif" font-size="11">`,
    '<title>fbemu benchmarks: each case as a ratio against its same-run baseline</title>',
    `<line x1="${x(1)}" y1="0" x2="${x(1)}" y2="${bars.length * h + 20}" stroke="#444"/>`,
    `<text x="${x(1) + 3}" y="${bars.length * h + 34}">1× baseline (log, 10× per tick). Blue: speed, right is faster. Green: bytes or ms, left is less. Red: goal missed</text>`,
  ];
  for (let d = -4; d <= 4; d++)
    parts.push(
      `<line x1="${x(10 ** d)}" y1="${bars.length * h + 16}" x2="${x(10 ** d)}" y2="${bars.length * h + 22}" stroke="#888"/>`,
    );
  bars.forEach((b, i) => {
    const y = i * h + 4;
    const [x0, x1] = [Math.min(x(1), x(b.ratio)), Math.max(x(1), x(b.ratio))];
    const esc = b.label.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    parts.push(`<text x="${left - 6}" y="${y + 13}" text-anchor="end">${esc}</text>`);
    parts.push(
      `<rect x="${x0}" y="${y + 3}" width="${Math.max(1, x1 - x0)}" height="${h - 8}" fill="${b.missed ? '#d33' : b.metric ? '#8a6' : '#39c'}"/>`,
    );
    parts.push(`<text x="${x1 + 4}" y="${y + 13}">${fmt(b.ratio)}×</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const files = benchFiles();
if (files.length === 0) {
  console.error('no *.bench.js found: run `pnpm run build` first');
  process.exit(1);
}
const all = [];
for (const file of files) {
  const rel = path.relative(root, file);
  console.log(`\n== ${rel}`);
  const mod = (await import(pathToFileURL(file).href)).default;
  const results = [];
  for (const suite of (await mod.suites?.()) ?? []) {
    process.stdout.write(`   ${suite.title} ... `);
    const r = await runSuite(suite);
    console.log('done');
    results.push(r);
  }
  for (const t of (await mod.metrics?.()) ?? []) results.push(metricTable(t));
  for (const r of results) {
    console.log(`\n  ${r.title}`);
    console.table([
      { case: `baseline: ${r.baseline.name}`, ratio: 1 },
      ...r.rows.map((row) => ({ case: row.name, ratio: Number(fmt(row.ratio)), goal: row.verdict })),
    ]);
  }
  all.push({ file: rel, results });
}

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
const header = [
  '# Benchmarks',
  '',
  'Written by `pnpm bench` (tools/run-bench.mjs); do not edit by hand. Every figure is a ratio against a',
  'baseline measured in the same process and run: "speed vs baseline" = baseline mean time / case mean time',
  '(above 1 is faster than the baseline); metric tables divide the value by the baseline value.',
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}. Run: ${new Date().toISOString()}.`,
  '',
  '![speed and metric ratios against their baselines](benchmarks.svg)',
  '',
];
if (filter) {
  console.log(
    '\nfiltered run: docs/benchmarks.md left as it was (run `pnpm bench` with no filter to rewrite it)',
  );
} else {
  writeFileSync(
    path.join(root, 'docs', 'benchmarks.md'),
    `${header.join('\n')}\n${all.map(({ file, results }) => markdown(results, file)).join('\n')}`,
  );
  writeFileSync(path.join(root, 'docs', 'benchmarks.svg'), svg(all));
}
const missed = all.flatMap((f) =>
  f.results.flatMap((r) =>
    r.rows.filter((row) => row.verdict.startsWith('MISSED')).map((row) => `${r.title} / ${row.name}`),
  ),
);
console.log(`\ngoals missed: ${missed.length ? missed.join('; ') : 'none'}`);
