import type { PagerefBatch } from '@fbemu/fbdev-defio';
import { check } from '@fbemu/gem-shmem';
import type { SchedulerLike, Subscription } from 'rxjs';
import { DirtyPages } from './dirty-pages.js';
import type { DriverStats, PumpOptions, SendDone } from './tokens.js';

/** One family's way of turning dirty pages into a device update. */
export interface UpdateSink {
  /**
   * Sends the update for `dirty` (read the live framebuffer now). Call `done()` once the device
   * took it — also when there was nothing to send — or `done(error)`: the pages go back to
   * pending and are sent again after `retryMs`.
   */
  start(dirty: DirtyPages, done: SendDone): void;
}

export const DEFAULT_RETRY_MS = 100;

/**
 * The part every deferred-I/O consumer shares: batches from `pagerefs$` are ORed into a pending
 * page set (by `pageref.offset`); one update is in flight at a time, so a slow device holds the
 * next batches back and they coalesce (back-pressure); `minIntervalMs` caps the update rate; a
 * failed update puts its pages back and is retried. Damage leaves `pending` only into an update
 * and comes back if that update fails: nothing is lost. All waiting goes through `scheduler`.
 */
export class UpdatePump {
  readonly stats: DriverStats = { batches: 0, updates: 0, failures: 0, pagesSent: 0 };
  lastError: Error | undefined;
  private pending: DirtyPages;
  private inflight: DirtyPages;
  private busy = false;
  private timer: Subscription | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;
  private token = 0;
  private readonly minIntervalMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly sink: UpdateSink,
    pageSize: number,
    total: number,
    private readonly scheduler: SchedulerLike,
    options: PumpOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 0;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    check(Number.isFinite(this.minIntervalMs) && this.minIntervalMs >= 0, 'EINVAL', 'minIntervalMs');
    check(Number.isFinite(this.retryMs) && this.retryMs >= 0, 'EINVAL', 'retryMs');
    this.pending = new DirtyPages(pageSize, total);
    this.inflight = new DirtyPages(pageSize, total);
  }

  /** True when nothing is pending, in flight or waiting for a timer. */
  get idle(): boolean {
    return !this.busy && this.timer === undefined && this.pending.isEmpty();
  }

  /** Pages waiting for the next update. */
  get pendingPages(): number {
    return this.pending.count;
  }

  /** The deferred_io callback: takes one writeback batch. */
  readonly enqueue = (batch: PagerefBatch): void => {
    this.stats.batches++;
    for (const pageref of batch.pagerefs) this.pending.addOffset(pageref.offset);
    this.kick();
  };

  /** Marks the whole framebuffer dirty (first frame after plug-in, or a forced redraw). */
  refreshAll(): void {
    this.pending.addAll();
    this.kick();
  }

  dispose(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.token++;
  }

  private kick(): void {
    if (this.busy || this.timer !== undefined || this.pending.isEmpty()) return;
    const wait = this.lastStart + this.minIntervalMs - this.scheduler.now();
    if (wait > 0) {
      this.wakeAfter(wait);
      return;
    }
    const t = this.pending;
    this.pending = this.inflight;
    this.inflight = t;
    this.busy = true;
    this.lastStart = this.scheduler.now();
    const token = ++this.token;
    try {
      this.sink.start(this.inflight, (error) => this.finish(token, error));
    } catch (e) {
      this.finish(token, e instanceof Error ? e : new Error(String(e)));
    }
  }

  private finish(token: number, error: Error | undefined): void {
    if (token !== this.token || !this.busy) return;
    this.busy = false;
    if (error) {
      this.stats.failures++;
      this.lastError = error;
      this.pending.merge(this.inflight);
      this.inflight.clear();
      this.wakeAfter(this.retryMs);
      return;
    }
    this.stats.updates++;
    this.stats.pagesSent += this.inflight.count;
    this.inflight.clear();
    this.kick();
  }

  private wakeAfter(ms: number): void {
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      this.kick();
    }, ms);
  }
}
