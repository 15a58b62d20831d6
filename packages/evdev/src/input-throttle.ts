import { check } from '@fbemu/gem-shmem';
import type { SchedulerLike, Subscription } from 'rxjs';
import { keyIdentity } from './keysym.js';

/** An RFB input event of one viewer, as the RFB server publishes it. */
export type ViewerInput =
  | { readonly type: 'key'; readonly down: boolean; readonly keysym: number }
  | { readonly type: 'pointer'; readonly buttonMask: number; readonly x: number; readonly y: number };

export interface ThrottleOptions {
  /** events delivered per second once the burst is spent (default 500) */
  readonly ratePerSecond?: number;
  /** events delivered at once after a quiet period: the bucket size (default 64) */
  readonly burst?: number;
  /** queued events beyond which new presses are dropped and motion only updates the last position (default 256) */
  readonly maxQueued?: number;
}

export interface ThrottleStats {
  readonly delivered: number;
  /** events merged into a queued pointer event (same buttons, newer position) */
  readonly coalesced: number;
  /** key presses dropped with the queue full (their releases are dropped too) */
  readonly dropped: number;
  readonly queued: number;
}

/**
 * A token bucket per viewer on the injected scheduler, so that one viewer's input cannot starve
 * the others or the compositor: `burst` events pass at once, then `ratePerSecond`; the rest waits
 * in a queue drained by a scheduled task. Pointer motion with unchanged buttons is coalesced
 * into the queued pointer event (every button change is kept, in order). With `maxQueued`
 * events waiting, new key presses are dropped — and so are their releases, so no program ever
 * sees a key stuck down or a release without its press — and pointer events update one
 * pending position delivered after the queue. Releases of delivered presses always queue
 * (they are at most one per key down), so the queue stays bounded.
 */
export class InputThrottle {
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxQueued: number;
  private tokens: number;
  private last: number;
  private readonly queue: ViewerInput[] = [];
  private overflowPointer: ViewerInput | undefined;
  /** keys pressed and queued or delivered (`keyIdentity`) */
  private readonly down = new Set<number>();
  private timer: Subscription | undefined;
  private counts = { delivered: 0, coalesced: 0, dropped: 0 };

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly deliver: (e: ViewerInput) => void,
    options: ThrottleOptions = {},
  ) {
    this.rate = options.ratePerSecond ?? 500;
    this.burst = options.burst ?? 64;
    this.maxQueued = options.maxQueued ?? 256;
    for (const v of [this.rate, this.burst, this.maxQueued])
      check(Number.isFinite(v) && v >= 1, 'EINVAL', 'throttle rate, burst and queue must be at least 1');
    this.tokens = this.burst;
    this.last = scheduler.now();
  }

  get stats(): ThrottleStats {
    return { ...this.counts, queued: this.queue.length + (this.overflowPointer ? 1 : 0) };
  }

  push(e: ViewerInput): void {
    if (e.type === 'key') this.pushKey(e);
    else this.pushPointer(e);
    if (this.timer === undefined) this.drain();
  }

  private pushKey(e: ViewerInput & { type: 'key' }): void {
    if (!e.down) {
      // a release whose press was dropped (or never seen) is dropped with it
      if (this.down.delete(keyIdentity(e.keysym))) this.queue.push(e);
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.counts.dropped++;
      return;
    }
    this.down.add(keyIdentity(e.keysym));
    this.queue.push(e);
  }

  private pushPointer(e: ViewerInput & { type: 'pointer' }): void {
    const tail = this.queue.at(-1);
    if (tail?.type === 'pointer' && tail.buttonMask === e.buttonMask) {
      this.queue[this.queue.length - 1] = e;
      this.counts.coalesced++;
    } else if (this.queue.length >= this.maxQueued) {
      if (this.overflowPointer) this.counts.coalesced++;
      this.overflowPointer = e;
    } else this.queue.push(e);
  }

  private refill(): void {
    const now = this.scheduler.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
  }

  private readonly drain = (): void => {
    this.timer = undefined;
    this.refill();
    while (this.tokens >= 1) {
      const e = this.queue.shift() ?? this.takeOverflow();
      if (e === undefined) return;
      this.tokens--;
      this.counts.delivered++;
      this.deliver(e);
    }
    if (this.timer === undefined && (this.queue.length > 0 || this.overflowPointer)) {
      const wait = Math.ceil(((1 - this.tokens) * 1000) / this.rate);
      this.timer = this.scheduler.schedule(this.drain, wait);
    }
  };

  private takeOverflow(): ViewerInput | undefined {
    const e = this.overflowPointer;
    this.overflowPointer = undefined;
    return e;
  }

  /** Drops everything queued and stops (the viewer left). */
  close(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.queue.length = 0;
    this.overflowPointer = undefined;
    this.down.clear();
  }
}
