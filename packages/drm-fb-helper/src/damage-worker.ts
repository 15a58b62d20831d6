import { check, checkBoolean, checkObject, checkOptional } from '@fbemu/gem-shmem';
import { Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import type { ClipMode } from './pageref-damage.js';
import { checkRect, type Rect } from './rect.js';
import { DEFAULT_MAX_RECTS, Region } from './region.js';

/** One completed damage run, as sinks see it. */
export interface Damage {
  /** the visible damage in screen coordinates (the viewport's top-left is (0, 0)) */
  readonly clips: readonly Rect[];
  /** bounding box of `clips` */
  readonly extents: Rect;
  /** the visible area in framebuffer coordinates when the run happened (xoffset, yoffset, xres, yres) */
  readonly viewport: Rect;
  /** everything the run consumed, in framebuffer coordinates (also the off-screen parts) */
  readonly fbClips: readonly Rect[];
  /** bytes copied shadow → BO by this run (0 without a shadow) */
  readonly blitted: number;
  /** 1 for the first run, +1 per run that reached the sinks */
  readonly seq: number;
  /** scheduler time of the run */
  readonly at: number;
}

/** What the worker does with a consumed clip. */
export interface DamageWorkerHooks {
  /** the visible area in framebuffer coordinates, read at each run */
  viewport(): Rect;
  /** shadow → BO copy of the consumed clip (absent: shadow-less); returns bytes copied */
  blit?(clip: Region): number;
  /** `fb->funcs->dirty`; throwing means failure: the clip is merged back for the next run */
  dirty?(damage: Damage): void;
}

export interface DamageWorkerOptions {
  /** `bbox` accumulates one bounding box like the kernel; `region` keeps up to `maxRects` rects */
  mode: ClipMode;
  maxRects?: number;
}

export interface DamageStats {
  runs: number;
  blittedBytes: number;
  failures: number;
}

const isFunction = (f: unknown) => typeof f === 'function';

/** The constructor's arguments: EINVAL for null, `{}`, a missing hook or an unknown mode. */
function checkWorkerArgs(
  scheduler: SchedulerLike,
  hooks: DamageWorkerHooks,
  options: DamageWorkerOptions,
): void {
  checkObject(scheduler, 'scheduler');
  check(
    isFunction(scheduler.schedule) && isFunction(scheduler.now),
    'EINVAL',
    'scheduler is not a SchedulerLike',
  );
  checkObject(hooks, 'damage worker hooks');
  check(isFunction(hooks.viewport), 'EINVAL', 'hooks.viewport must be a function');
  checkOptional(hooks.blit, isFunction, 'hooks.blit');
  checkOptional(hooks.dirty, isFunction, 'hooks.dirty');
  checkObject(options, 'damage worker options');
  check(options.mode === 'bbox' || options.mode === 'region', 'EINVAL', `mode must be 'bbox' or 'region'`);
}

/**
 * The damage accumulator and worker (`helper->damage_clip` + `drm_fb_helper_damage_work`).
 * Damage from every source unions into `pending` (framebuffer coordinates); the first damage
 * after a run schedules one (like `schedule_work`: no delay, no re-arm while pending) on the
 * injected scheduler. A run takes and resets the pending clip, blits it (shadow mode), and hands
 * the visible part to the dirty callback and `damage$`; a failure merges the clip back.
 */
export class DamageWorker {
  readonly damage$: Observable<Damage>;
  /** failures of the blit or the dirty callback (the clip was merged back) */
  readonly errors$: Observable<unknown>;
  readonly stats: DamageStats = { runs: 0, blittedBytes: 0, failures: 0 };
  private readonly pending: Region;
  private readonly working: Region;
  private readonly visible: Region;
  private readonly damages = new Subject<Damage>();
  private readonly errors = new Subject<unknown>();
  private scheduled: Subscription | undefined;
  /** a run is scheduled and has not started */
  private armed = false;
  /** a run is in progress */
  private running = false;
  /** damage arrived during the run in progress */
  private rearm = false;
  private suspended = false;
  private seq = 0;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly hooks: DamageWorkerHooks,
    options: DamageWorkerOptions,
  ) {
    checkWorkerArgs(scheduler, hooks, options);
    const cap = options.mode === 'bbox' ? 1 : (options.maxRects ?? DEFAULT_MAX_RECTS);
    this.pending = new Region(cap);
    this.working = new Region(cap);
    this.visible = new Region(cap);
    this.damage$ = this.damages.asObservable();
    this.errors$ = this.errors.asObservable();
  }

  /** true while damage waits for a run */
  get hasPending(): boolean {
    return !this.pending.isEmpty();
  }

  /** The pending clip's bounding box (framebuffer coordinates). */
  pendingExtents(): Rect {
    return this.pending.extents();
  }

  /** `drm_fb_helper_damage`: union `rect` (framebuffer coordinates) into the pending clip. */
  addRect(rect: Rect): void {
    checkRect(rect, 'damage rect');
    if (rect.isEmpty()) return;
    this.pending.addRect(rect);
    this.kick();
  }

  addRegion(region: Region): void {
    this.pending.union(region); // checks that `region` is a Region
    if (region.isEmpty()) return;
    this.kick();
  }

  /** Runs a scheduled run now (flush_work). */
  flush(): void {
    if (!this.armed) return;
    this.scheduled?.unsubscribe();
    this.run();
  }

  /** fb_set_suspend: while suspended runs leave the pending clip alone; resuming schedules it. */
  setSuspended(suspended: boolean): void {
    checkBoolean(suspended, 'suspended');
    this.suspended = suspended;
    if (!suspended && this.hasPending) this.kick();
  }

  /** Stops scheduling; pending damage is dropped (call `flush` first to keep it). */
  dispose(): void {
    this.scheduled?.unsubscribe();
    this.scheduled = undefined;
    this.armed = false;
    this.pending.clear();
    this.damages.complete();
    this.errors.complete();
  }

  /**
   * `schedule_work`: nothing if a run is already armed. Damage arriving *during* a run (from the
   * dirty callback or a damage$ subscriber) arms the next run when this one ends, so a run never
   * nests in itself even on a synchronous scheduler. A failed run does not re-arm by itself.
   */
  private kick(): void {
    if (this.running) {
      this.rearm = true;
      return;
    }
    if (this.armed || this.suspended || this.damages.closed) return;
    this.armed = true;
    const sub = this.scheduler.schedule(this.task);
    if (this.armed) this.scheduled = sub; // a synchronous scheduler has already run the task
  }

  private readonly task = (): void => this.run();

  private run(): void {
    this.armed = false;
    this.scheduled = undefined;
    if (this.suspended) return;
    this.running = true;
    try {
      this.consume();
    } finally {
      this.running = false;
    }
    if (this.rearm) {
      this.rearm = false;
      this.kick();
    }
  }

  /** Take and reset (the kernel's damage_lock section), blit, dirty, emit; merge back on failure. */
  private consume(): void {
    this.working.copyFrom(this.pending);
    this.pending.clear();
    if (this.working.isEmpty()) return;
    this.stats.runs++;
    try {
      const blitted = this.hooks.blit?.(this.working) ?? 0;
      this.stats.blittedBytes += blitted;
      const damage = this.visibleDamage(blitted);
      if (!damage) return;
      this.hooks.dirty?.(damage);
      this.damages.next(damage);
    } catch (e) {
      this.stats.failures++;
      this.pending.union(this.working);
      this.errors.next(e);
    }
  }

  /** The consumed clip seen through the viewport, in screen coordinates; undefined if none of it shows. */
  private visibleDamage(blitted: number): Damage | undefined {
    const viewport = this.hooks.viewport();
    this.visible.copyFrom(this.working).intersectRect(viewport).translate(-viewport.x1, -viewport.y1);
    if (this.visible.isEmpty()) return undefined;
    return Object.freeze({
      clips: Object.freeze(this.visible.rects()),
      extents: this.visible.extents(),
      viewport,
      fbClips: Object.freeze(this.working.rects()),
      blitted,
      seq: ++this.seq,
      at: this.scheduler.now(),
    });
  }
}
