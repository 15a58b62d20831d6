// Interleaved rounds: every round measures the baseline and each case once, close together in
// time, so a burst of load from elsewhere hits all of them alike and cancels out of their ratio.
import os from 'node:os';
import { summarize, verdict } from './stats.mjs';

export const DEFAULT_ROUNDS = Number(process.env.BENCH_ROUNDS) || 15;
/** ms of each sub-batch; a round runs every task in SUB_BATCHES of them */
const DEFAULT_BATCH_MS = 10;
const SUB_BATCHES = 5;
/** interleaved warm-up before the measured rounds: at least this long and this many rounds */
const WARMUP_MS = 500;
const WARMUP_ROUNDS = 2;

// CPU time of this process (all threads, µs resolution): time the scheduler gives to other
// processes is not counted, so a loaded machine inflates neither side. BENCH_CLOCK=wall for
// elapsed time instead.
export const CLOCK = process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const clock = CLOCK === 'wall' ? () => performance.now() : cpuMs;

function timeBatch(fn, n) {
  const t0 = clock();
  for (let i = 0; i < n; i++) fn();
  return clock() - t0;
}

/** Calls per batch so one batch takes about `batchMs` (at least one call); also warms the JIT. */
function calibrate(fn, batchMs) {
  let n = 1;
  let t = timeBatch(fn, 1);
  t = timeBatch(fn, 1);
  while (t < batchMs / 4) {
    n *= 4;
    t = timeBatch(fn, n);
  }
  return Math.max(1, Math.round((n * batchMs) / Math.max(t, 0.001)));
}

/**
 * A `sample(round)` for a suite of synchronous functions. A round runs SUB_BATCHES short batches
 * of every task, each pass rotated by one (A B C, B C A, C A B) so no task runs twice in a row
 * (its second batch would find its data still in cache) and none always follows the same
 * neighbour; two tasks simply alternate (A B A B), as rotating them would repeat each. Each task
 * keeps its fastest batch of the round, so a GC pause or an interrupt in one drops out.
 * Returns ms per call, baseline first.
 */
function timedSampler(suite) {
  const fns = [suite.baseline.fn, ...suite.cases.map((c) => c.fn)];
  const n = fns.length;
  const batchMs = suite.batchMs ?? DEFAULT_BATCH_MS;
  const calls = fns.map((fn) => calibrate(fn, batchMs));
  let pass = 0;
  return () => {
    const best = fns.map(() => Infinity);
    for (let b = 0; b < SUB_BATCHES; b++, pass++) {
      const start = n === 2 ? 0 : pass % n;
      for (let k = 0; k < n; k++) {
        const i = (start + k) % n;
        best[i] = Math.min(best[i], timeBatch(fns[i], calls[i]) / calls[i]);
      }
    }
    return best;
  };
}

/** Samples and drops rounds until both `rounds` and `ms` have passed. */
async function warmUp(sample, rounds, ms) {
  const t0 = performance.now();
  for (let r = 0; r < rounds || performance.now() - t0 < ms; r++) await sample(0);
}

/**
 * Runs `rounds` rounds of one suite (timed or sampled) in this process and returns its plain-data
 * description plus the raw samples (`[baseline, ...cases]` per round), ready to be sent to the
 * parent process and merged with other processes' rounds.
 */
export async function collectSuite(suite, rounds = suite.rounds ?? DEFAULT_ROUNDS) {
  const load = os.loadavg()[0];
  const sampled = typeof suite.sample === 'function';
  const sample = sampled ? (r) => suite.sample(r) : timedSampler(suite);
  const width = suite.cases.length + 1;
  const samples = [];
  try {
    await (sampled ? warmUp(sample, suite.warmup ?? 0, 0) : warmUp(sample, WARMUP_ROUNDS, WARMUP_MS));
    for (let r = 0; r < rounds; r++) {
      const values = await sample(r);
      if (!Array.isArray(values) || values.length !== width || !values.every((v) => v > 0))
        throw new Error(`${suite.title}: sample() must return ${width} positive numbers, got ${values}`);
      samples.push(values);
    }
  } finally {
    await suite.done?.();
  }
  const meta = {
    sampled,
    title: suite.title,
    detail: suite.detail,
    unit: suite.unit,
    ratio: suite.ratio,
    batchMs: suite.batchMs,
    baseline: suite.baseline.name,
    cases: suite.cases.map((c) => ({ name: c.name, goal: c.goal, unlike: c.unlike })),
  };
  return { meta, samples, load };
}

/** Reduces the rounds of one suite (from one or several processes) to ratios with spread. */
export function reduceSuite(meta, samples, load, processes = 1) {
  if (process.env.BENCH_DEBUG) for (const s of samples) console.log(s.map((v) => v.toPrecision(3)).join(' '));
  const { sampled } = meta;
  const caseOverBase = sampled && meta.ratio === 'case/baseline';
  const scale = sampled ? 1 : 1000; // timed samples are ms per call, shown in µs
  const rows = meta.cases.map((c, k) => {
    const ratio = summarize(samples.map((s) => (caseOverBase ? s[k + 1] / s[0] : s[0] / s[k + 1])));
    return {
      name: c.name,
      unlike: c.unlike,
      value: summarize(samples.map((s) => s[k + 1])).median * scale,
      ratio,
      goal: c.goal,
      verdict: verdict(ratio, c.goal),
    };
  });
  return {
    kind: sampled ? 'sampled' : 'speed',
    title: meta.title,
    detail: meta.detail,
    unit: sampled ? meta.unit : 'µs per call',
    ratioLabel: caseOverBase ? 'case / baseline' : 'speed vs baseline',
    rounds: samples.length,
    processes,
    load,
    batch: sampled ? undefined : { ms: meta.batchMs ?? DEFAULT_BATCH_MS, subs: SUB_BATCHES, clock: CLOCK },
    baseline: { name: meta.baseline, value: summarize(samples.map((s) => s[0])).median * scale },
    rows,
  };
}

/** Runs one suite in this process and reduces it. */
export async function runSuite(suite) {
  const { meta, samples, load } = await collectSuite(suite);
  return reduceSuite(meta, samples, load);
}

/** A deterministic table (bytes, counts): one exact ratio per row, no spread. */
export function metricTable(t) {
  const rows = t.rows.map((r) => {
    const x = r.value / t.baseline.value;
    const ratio = { n: 1, median: x, q1: x, q3: x, min: x, max: x };
    return {
      name: r.name,
      unlike: r.unlike,
      value: r.value,
      ratio,
      goal: r.goal,
      verdict: verdict(ratio, r.goal),
    };
  });
  return {
    kind: 'metric',
    title: t.title,
    detail: t.detail,
    unit: t.unit,
    ratioLabel: 'vs baseline',
    baseline: t.baseline,
    rows,
  };
}
