/**
 * Write → output latency samples in a fixed ring (no allocation per sample); percentiles sort a
 * copy on demand, which only the once-a-second stats line asks for.
 */
export class LatencyRing {
  private readonly samples: Float64Array;
  private next = 0;
  private count = 0;

  constructor(capacity = 4096) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
  }

  get size(): number {
    return this.count;
  }

  /** The p-th percentile (0..100, nearest rank) of the kept samples; NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const sorted = this.samples.slice(0, this.count).sort();
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil((p / 100) * this.count) - 1));
    return sorted[rank];
  }
}
