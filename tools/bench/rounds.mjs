// Interleaved rounds: every round measures the baseline and each case once, close together in
// time, so a burst of load from elsewhere hits all of them alike and cancels out of their ratio.
import { summarize, verdict } from './stats.mjs';

export const DEFAULT_ROUNDS = Number(process.env.BENCH_ROUNDS) || 15;
const DEFAULT_BATCH_MS = 30;
const TIMED_WARMUP_ROUNDS = 2;

function timeBatch(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return performance.now() - t0;
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
  return Math.max(1, Math.round((n * batchMs) / t));
}

/**
 * A `sample(round)` for a suite of synchronous functions: one batch of each, in forward order on
 * even rounds and reverse order on odd ones (A B C, C B A, …) so no task always runs right after
 * the same neighbour. Returns ms per call, baseline first.
 */
function timedSampler(suite) {
  const fns = [suite.baseline.fn, ...suite.cases.map((c) => c.fn)];
  const batchMs = suite.batchMs ?? DEFAULT_BATCH_MS;
  const calls = fns.map((fn) => calibrate(fn, batchMs));
  const forward = fns.map((_, i) => i);
  const backward = [...forward].reverse();
  return (round) => {
    const perCall = new Array(fns.length);
    for (const i of round % 2 === 0 ? forward : backward) perCall[i] = timeBatch(fns[i], calls[i]) / calls[i];
    return perCall;
  };
}

/** Runs the rounds of one suite (timed or sampled) and reduces them to ratios with spread. */
export async function runSuite(suite) {
  const sampled = typeof suite.sample === 'function';
  const sample = sampled ? (r) => suite.sample(r) : timedSampler(suite);
  const warmup = sampled ? (suite.warmup ?? 0) : TIMED_WARMUP_ROUNDS;
  const rounds = suite.rounds ?? DEFAULT_ROUNDS;
  const width = suite.cases.length + 1;
  const samples = [];
  try {
    for (let r = -warmup; r < rounds; r++) {
      const values = await sample(Math.max(r, 0));
      if (!Array.isArray(values) || values.length !== width || !values.every((v) => v > 0))
        throw new Error(`${suite.title}: sample() must return ${width} positive numbers, got ${values}`);
      if (r >= 0) samples.push(values);
    }
  } finally {
    await suite.done?.();
  }
  const caseOverBase = sampled && suite.ratio === 'case/baseline';
  const scale = sampled ? 1 : 1000; // timed samples are ms per call, shown in µs
  const rows = suite.cases.map((c, k) => {
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
    title: suite.title,
    detail: suite.detail,
    unit: sampled ? suite.unit : 'µs per call',
    ratioLabel: caseOverBase ? 'case / baseline' : 'speed vs baseline',
    rounds,
    batchMs: sampled ? undefined : (suite.batchMs ?? DEFAULT_BATCH_MS),
    baseline: { name: suite.baseline.name, value: summarize(samples.map((s) => s[0])).median * scale },
    rows,
  };
}

/** A deterministic table (bytes, counts): one exact ratio per row, no spread. */
export function metricTable(t) {
  const rows = t.rows.map((r) => {
    const x = r.value / t.baseline.value;
    const ratio = { n: 1, median: x, q1: x, q3: x, min: x, max: x };
    return { name: r.name, unlike: r.unlike, value: r.value, ratio, goal: r.goal, verdict: verdict(ratio, r.goal) };
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
