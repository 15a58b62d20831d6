// The shape every `src/*.bench.ts` default-exports; `tools/run-bench.mjs` runs them.
// Every figure is a ratio against a baseline measured in the same process and run.

/** A speed goal on `ratio = baseline time / case time` (so 2 means twice as fast as the baseline). */
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
  fn: () => unknown;
}

export interface BenchCase extends BenchFn {
  goal?: Goal;
}

export interface BenchSuite {
  title: string;
  /** what the size or workload is, printed under the title */
  detail?: string;
  baseline: BenchFn;
  cases: BenchCase[];
  /** ms per task (default 300) */
  time?: number;
}

/** Non-timing figures (bytes sent, rects...): ratio = value / baseline.value. */
export interface MetricRow {
  name: string;
  value: number;
  goal?: Goal;
}

export interface MetricTable {
  title: string;
  detail?: string;
  unit: string;
  baseline: MetricRow;
  rows: MetricRow[];
}

export interface BenchModule {
  suites?: () => BenchSuite[] | Promise<BenchSuite[]>;
  metrics?: () => MetricTable[] | Promise<MetricTable[]>;
}
