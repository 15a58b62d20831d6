/**
 * Write → output latency samples in a fixed ring (no allocation per sample); percentiles sort a
 * copy on demand, which only the once-a-second stats line asks for.
 */
export class LatencyRing {
  private readonly samples: Float64Array;
  private next = 0;
  private count = 0;
  private total = 0;

  constructor(capacity = 4096) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
    this.total += 1;
  }

  get size(): number {
    return this.count;
  }

  /** Samples recorded since construction (kept or not): a stats window remembers it to ask for its own. */
  get recorded(): number {
    return this.total;
  }

  /** The p-th percentile (0..100, nearest rank) of the kept samples; NaN when empty. */
  percentile(p: number): number {
    return this.percentiles([p])[0];
  }

  /**
   * Nearest-rank percentiles of the newest `last` samples (at most the kept ones), one sort for
   * all of `ps`; NaN each when there are none.
   */
  percentiles(ps: readonly number[], last = this.count): number[] {
    const n = Math.min(Math.max(0, Math.floor(last)), this.count);
    if (n === 0) return ps.map(() => Number.NaN);
    const cap = this.samples.length;
    const start = (this.next - n + cap) % cap;
    const window =
      start + n <= cap
        ? this.samples.slice(start, start + n)
        : Float64Array.of(...this.samples.subarray(start), ...this.samples.subarray(0, (start + n) % cap));
    window.sort();
    return ps.map((p) => window[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]);
  }
}
