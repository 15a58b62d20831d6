// `pnpm bench`: runs every built `*.bench.js` of the workspace, prints a table per suite and
// writes docs/benchmarks.md plus docs/benchmarks.svg. Each result is a ratio against a baseline
// measured in the same process, in interleaved rounds (tools/bench/rounds.mjs), so the numbers
// travel between machines and a burst of load hits baseline and case alike.
// Usage: node tools/run-bench.mjs [filter]   (filter matches the bench file path; prints only)
// BENCH_ROUNDS=n overrides the default number of rounds (for quick looks while developing).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { svg } from './bench/plot.mjs';
import { goalTable, markdown, printResult, summaryLines, verdicts } from './bench/report.mjs';
import { metricTable, runSuite } from './bench/rounds.mjs';

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

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

const files = benchFiles();
if (files.length === 0) {
  console.error('no *.bench.js found: run `pnpm run build` first');
  process.exit(1);
}
const started = new Date();
const loadAtStart = load();
console.log(`load average (1 / 5 / 15 min) at start: ${loadAtStart}`);
const all = [];
for (const file of files) {
  const rel = path.relative(root, file);
  console.log(`\n== ${rel}`);
  const mod = (await import(pathToFileURL(file).href)).default;
  const results = [];
  for (const suite of (await mod.suites?.()) ?? []) {
    process.stdout.write(`   ${suite.title} ... `);
    results.push(await runSuite(suite));
    console.log('done');
  }
  for (const t of (await mod.metrics?.()) ?? []) results.push(metricTable(t));
  for (const r of results) printResult(r);
  all.push({ file: rel, results });
}
const seconds = Math.round((Date.now() - started.getTime()) / 1000);
const loadAtEnd = load();
const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
const counts = `${['met', 'unclear', 'MISSED'].map((k) => `${verdicts(all)[k].length} ${k}`).join(', ')}`;
const run = {
  headline: `fbemu benchmarks, ${started.toISOString()}: ${seconds} s on ${cpu}, ${os.cpus().length} cores, Node ${process.version}. Goals: ${counts}`,
  load: `load average (1 / 5 / 15 min): ${loadAtStart} at start, ${loadAtEnd} at end`,
};
const summary = summaryLines(all);
if (filter) {
  console.log(
    '\nfiltered run: docs/benchmarks.md left as it was (run `pnpm bench` with no filter to rewrite it)',
  );
} else {
  const method = readFileSync(path.join(root, 'tools', 'bench', 'method.md'), 'utf8').trim();
  const header = [
    '# Benchmarks',
    '',
    'Written by `pnpm bench` (tools/run-bench.mjs); do not edit by hand.',
    '',
    `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
    `Run: ${started.toISOString()}, ${seconds} s. Load average (1 / 5 / 15 min): ${loadAtStart} at start, ${loadAtEnd} at end.`,
    '',
    '![speed and metric ratios against their baselines, with the spread of the rounds](benchmarks.svg)',
    '',
    `Goals: ${counts}.`,
    '',
    ...goalTable(all),
    '',
    method,
    '',
    '## Results',
    '',
  ];
  writeFileSync(
    path.join(root, 'docs', 'benchmarks.md'),
    `${header.join('\n')}\n${all.map(({ file, results }) => markdown(results, file)).join('\n')}`,
  );
  writeFileSync(path.join(root, 'docs', 'benchmarks.svg'), svg(all, run));
}
console.log(`\n${run.headline}\n${run.load}`);
for (const line of summary) console.log(line);
