// The shape every `src/*.bench.ts` default-exports; `tools/run-bench.mjs` runs them.
// Every figure is a ratio against a baseline measured in the same process and run, in
// interleaved rounds: each round measures the baseline and every case once, close together, and
// the reported ratio is the median of the per-round ratios with its IQR and min–max. Each bench
// file runs in 3 fresh processes (BENCH_PROCESSES), each doing its share of the rounds; a module
// is imported once per process, so `suites()` and `metrics()` must build their own state.

/**
 * A goal on the ratio (for timed suites `baseline time / case time`, so 2 means twice as fast).
 * The verdict is `met` when every round's ratio is inside [min, max], `MISSED` when every round's
 * ratio is outside, `unclear` when the rounds disagree. An "≈ 1×" goal states its band with
 * both bounds (docs/benchmarks.md, "Tolerance bands").
 */
export interface Goal {
  /** ratio must be at least this */
  min?: number;
  /** ratio must be at most this */
  max?: number;
  /** the goal in words, as the issue states it */
  text: string;
}

export interface BenchFn {
  name: string;
  /** synchronous; called many times per round */
  fn: () => unknown;
}

export interface BenchCase extends BenchFn {
  goal?: Goal;
  /** set when the case and its baseline do unlike work: why the ratio is not like for like */
  unlike?: string;
}

/** Timed by the runner: batches of calls, baseline and cases interleaved (A B C, C B A, …). */
export interface BenchSuite {
  title: string;
  /** what the size or workload is, printed under the title */
  detail?: string;
  baseline: BenchFn;
  cases: BenchCase[];
  /** measured rounds over all processes (default 15, or BENCH_ROUNDS); each process warms up first */
  rounds?: number;
  /** ms each task runs per round, at least one call (default 30) */
  batchMs?: number;
}

export interface SampledCase {
  name: string;
  goal?: Goal;
  unlike?: string;
}

/**
 * A suite that measures itself: CPU time of a child process, latency percentiles of a real-time
 * run, anything the runner cannot time by calling a function. In each bench process the runner
 * calls `sample` `warmup` times (results dropped), then once per round of that process's share,
 * one call at a time, then `done`.
 */
export interface SampledSuite {
  title: string;
  detail?: string;
  /** unit of the sampled values, e.g. 'ms CPU' or 'ms' */
  unit: string;
  /**
   * 'baseline/case' for costs (time, CPU: above 1 means the case is cheaper, as in timed suites);
   * 'case/baseline' for values read as "how many baselines" (latency against a delay, bytes).
   */
  ratio: 'baseline/case' | 'case/baseline';
  baseline: { name: string };
  cases: SampledCase[];
  /** measured rounds over all processes (default 15, or BENCH_ROUNDS) */
  rounds?: number;
  /** rounds sampled and dropped in each process before its measured ones (default 0) */
  warmup?: number;
  /**
   * One round: `[baseline, ...cases]`, positive numbers in `unit`, measured close together in
   * time (interleave them inside the round) so load from elsewhere hits all alike.
   */
  sample: (round: number) => number[] | Promise<number[]>;
  /** called once after the last round, also after a failure (stop child processes, servers) */
  done?: () => void | Promise<void>;
}

/** Non-timing figures (bytes sent, rects...) from a deterministic workload: ratio = value / baseline.value, exact. */
export interface MetricRow {
  name: string;
  value: number;
  goal?: Goal;
  unlike?: string;
}

export interface MetricTable {
  title: string;
  detail?: string;
  unit: string;
  baseline: MetricRow;
  rows: MetricRow[];
}

export interface BenchModule {
  suites?: () => (BenchSuite | SampledSuite)[] | Promise<(BenchSuite | SampledSuite)[]>;
  metrics?: () => MetricTable[] | Promise<MetricTable[]>;
}
