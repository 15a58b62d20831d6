import type { PagerefBatch } from '@fbemu/fbdev-defio';
import { check, checkOptional, isCount, KernelError, optionsOf } from '@fbemu/gem-shmem';
import { type Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
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
 * Retries after a failed update before the pump gives up on it (until new damage arrives): at the
 * default `retryMs` that is 3 s of failing, the kernel's SVGA lockup timeout — long enough for a
 * busy device or a full ring to drain, short enough that a refused update stops costing work.
 */
export const DEFAULT_MAX_RETRIES = 30;

/**
 * The part every deferred-I/O consumer shares: batches from `pagerefs$` are ORed into a pending
 * page set (by `pageref.offset`); one update is in flight at a time, so a slow device holds the
 * next batches back and they coalesce (back-pressure); `minIntervalMs` caps the update rate; a
 * failed update puts its pages back and is retried. Damage leaves `pending` only into an update
 * and comes back if that update fails: nothing is lost. All waiting goes through `scheduler`.
 *
 * Retries are bounded: after `maxRetries` retries in a row have failed too, the pump stops
 * retrying (`stalled`), reports an EIO on `errors$` and in `lastError`, and keeps the pages
 * pending; the next batch or `refreshAll` starts over with a fresh budget. A device that refuses
 * an update for good (a list it cannot take, a stream it cannot parse) thus costs a bounded
 * number of attempts per change, not a retry every `retryMs` forever.
 */
export class UpdatePump {
  readonly stats: DriverStats = { batches: 0, updates: 0, failures: 0, pagesSent: 0, gaveUp: 0 };
  lastError: Error | undefined;
  /** one EIO per update given up on, carrying the last failure as `cause` */
  readonly errors$: Observable<KernelError>;
  private readonly errors = new Subject<KernelError>();
  private pending: DirtyPages;
  private inflight: DirtyPages;
  private busy = false;
  private timer: Subscription | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;
  private token = 0;
  private readonly minIntervalMs: number;
  private readonly retryMs: number;
  private readonly maxRetries: number;
  /** failures since the last success or fresh damage */
  private failedInARow = 0;
  private gaveUp = false;

  constructor(
    private readonly sink: UpdateSink,
    pageSize: number,
    total: number,
    private readonly scheduler: SchedulerLike,
    pumpOptions?: PumpOptions,
  ) {
    check(typeof sink === 'object' && sink !== null && typeof sink.start === 'function', 'EINVAL', 'sink');
    const options = checkPumpOptions(pumpOptions);
    this.minIntervalMs = options.minIntervalMs ?? 0;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.errors$ = this.errors.asObservable();
    this.pending = new DirtyPages(pageSize, total);
    this.inflight = new DirtyPages(pageSize, total);
  }

  /** True when nothing is pending, in flight or waiting for a timer. */
  get idle(): boolean {
    return !this.busy && this.timer === undefined && this.pending.isEmpty();
  }

  /** The pump gave up retrying; pages stay pending until new damage or `refreshAll` restarts it. */
  get stalled(): boolean {
    return this.gaveUp;
  }

  /** Pages waiting for the next update. */
  get pendingPages(): number {
    return this.pending.count;
  }

  /** The deferred_io callback: takes one writeback batch. */
  readonly enqueue = (batch: PagerefBatch): void => {
    this.stats.batches++;
    for (const pageref of batch.pagerefs) this.pending.addOffset(pageref.offset);
    this.restart();
  };

  /** Marks the whole framebuffer dirty (first frame after plug-in, or a forced redraw). */
  refreshAll(): void {
    this.pending.addAll();
    this.restart();
  }

  dispose(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.token++;
  }

  /** Fresh damage: a pump that gave up gets a new retry budget. */
  private restart(): void {
    if (this.gaveUp) {
      this.gaveUp = false;
      this.failedInARow = 0;
    }
    this.kick();
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
      this.failed(error);
      return;
    }
    this.failedInARow = 0;
    this.stats.updates++;
    this.stats.pagesSent += this.inflight.count;
    this.inflight.clear();
    this.kick();
  }

  /** The pages go back to pending; retry after `retryMs`, or give up once the budget is spent. */
  private failed(error: Error): void {
    this.stats.failures++;
    this.lastError = error;
    this.pending.merge(this.inflight);
    this.inflight.clear();
    if (++this.failedInARow <= this.maxRetries) {
      this.wakeAfter(this.retryMs);
      return;
    }
    this.gaveUp = true;
    this.stats.gaveUp++;
    const e = new KernelError('EIO', `update failed ${this.failedInARow} times in a row: ${error.message}`);
    e.cause = error;
    this.lastError = e;
    this.errors.next(e);
  }

  private wakeAfter(ms: number): void {
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      this.kick();
    }, ms);
  }
}

/** EINVAL for a non-object, or a pacing value that is negative, infinite, NaN or not a number. */
function checkPumpOptions(o: PumpOptions | undefined): PumpOptions {
  const options = optionsOf(o, 'pump options');
  const isDelay = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  checkOptional(options.minIntervalMs, isDelay, 'minIntervalMs');
  checkOptional(options.retryMs, isDelay, 'retryMs');
  checkOptional(options.maxRetries, isCount, 'maxRetries');
  return options;
}
