// `pnpm bench`: runs every built `*.bench.js` of the workspace, prints a table per suite and
// writes docs/benchmarks.md plus docs/benchmarks.svg. Each result is a ratio against a baseline
// measured in the same process, in interleaved rounds (tools/bench/rounds.mjs), so the numbers
// travel between machines and a burst of load hits baseline and case alike.
// Usage: node tools/run-bench.mjs [filter]   (filter matches the bench file path; prints only)
// BENCH_ROUNDS=n overrides the default number of rounds (for quick looks while developing).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { svg } from './bench/plot.mjs';
import { goalTable, markdown, printResult, summaryLines, verdicts } from './bench/report.mjs';
import { collectSuite, DEFAULT_ROUNDS, metricTable, reduceSuite } from './bench/rounds.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const self = new URL(import.meta.url).pathname;
const MARK = 'BENCH-RESULT ';
/** Each bench file runs in this many fresh processes, each doing its share of the rounds, so the
 * spread also covers how V8 happened to compile the code in each process. */
const PROCESSES = Number(process.env.BENCH_PROCESSES) || 3;

// Child mode: run one share of the rounds of one bench file, print the raw samples as JSON.
if (process.argv[2] === '--child') {
  const [file, part, parts] = [process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
  const mod = (await import(pathToFileURL(file).href)).default;
  const suites = [];
  for (const suite of (await mod.suites?.()) ?? []) {
    process.stderr.write(`   [${part + 1}/${parts}] ${suite.title} ... `);
    suites.push(await collectSuite(suite, Math.ceil((suite.rounds ?? DEFAULT_ROUNDS) / parts)));
    process.stderr.write('done\n');
  }
  const metrics = part === 0 ? ((await mod.metrics?.()) ?? []).map(metricTable) : [];
  process.stdout.write(`\n${MARK}${JSON.stringify({ suites, metrics })}\n`, () => process.exit(0));
  await new Promise(() => {}); // exit happens once stdout is flushed
}

const filter = process.argv[2] ?? '';

/** Runs a bench file in PROCESSES fresh processes, one after the other, and merges their rounds. */
function runFile(file) {
  const parts = [];
  for (let part = 0; part < PROCESSES; part++) {
    const child = spawnSync(process.execPath, [self, '--child', file, String(part), String(PROCESSES)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 256 * 2 ** 20,
    });
    const line = child.stdout?.split('\n').find((l) => l.startsWith(MARK));
    if (child.status !== 0 || !line)
      throw new Error(`${file}: bench process ${part} failed (${child.status})`);
    parts.push(JSON.parse(line.slice(MARK.length)));
  }
  const suites = parts[0].suites.map(({ meta, load }, i) =>
    reduceSuite(
      meta,
      parts.flatMap((p) => p.suites[i].samples),
      load,
      PROCESSES,
    ),
  );
  return [...suites, ...parts[0].metrics];
}

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
  const results = runFile(file);
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
