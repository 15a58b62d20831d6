import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import type { KernelError } from '@fbemu/gem-shmem';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { checkDriverArgs } from './checks.js';
import type { DirtyPages } from './dirty-pages.js';
import { type FbView, fbView } from './fb-view.js';
import type { DriverStats, PumpOptions, SendDone } from './tokens.js';
import { UpdatePump, type UpdateSink } from './update-pump.js';

/**
 * What every family shares: it subscribes to the framebuffer's `pagerefs$` (the deferred_io
 * callback), keeps an `UpdatePump` and reads the live framebuffer through an `FbView`. A family
 * only says how dirty pages become one device update (`start`).
 */
export abstract class DefioDriver implements UpdateSink {
  readonly view: FbView;
  protected readonly pump: UpdatePump;
  private readonly subscription: Subscription;

  constructor(fb: FbDeferredIoApi, scheduler: SchedulerLike, pacing: PumpOptions) {
    checkDriverArgs(fb, scheduler);
    this.view = fbView(fb);
    this.pump = new UpdatePump(this, this.view.pageSize, this.view.smemLen, scheduler, pacing);
    this.subscription = fb.pagerefs$.subscribe(this.pump.enqueue);
  }

  abstract start(dirty: DirtyPages, done: SendDone): void;

  get stats(): Readonly<DriverStats> {
    return this.pump.stats;
  }

  /** Nothing pending, in flight or waiting. */
  get idle(): boolean {
    return this.pump.idle;
  }

  get lastError(): Error | undefined {
    return this.pump.lastError;
  }

  /** An EIO per update given up on after its retries (see `UpdatePump`). */
  get errors$(): Observable<KernelError> {
    return this.pump.errors$;
  }

  /** Gave up retrying; the damage waits for the next batch or `refreshAll`. */
  get stalled(): boolean {
    return this.pump.stalled;
  }

  /** Sends the whole framebuffer (after plug-in, or to resync a device that lost its memory). */
  refreshAll(): void {
    this.pump.refreshAll();
  }

  /** Stops listening to writebacks; an update in flight completes unobserved. */
  dispose(): void {
    this.subscription.unsubscribe();
    this.pump.dispose();
  }
}
