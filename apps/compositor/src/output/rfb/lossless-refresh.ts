import { Region } from '@fbemu/drm-fb-helper';
import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * A session's lossless refresh (docs/rfb.md, "Tight JPEG"): the region the client shows as JPEG is
 * re-sent exactly once it has not been damaged for `quietMs`, so a picture that stopped changing
 * ends up pixel-exact (TigerVNC's "lossless refresh").
 *
 * The region is kept at Tight-piece granularity and may over-cover: a piece is dropped only when
 * one lossless rect of an update covers it whole. Over-covering costs bytes, never correctness.
 */
export class LosslessRefresh {
  /** Tight adds the pieces it sends as JPEG here during an update (`updateSent` takes them in) */
  readonly sentLossy: Region;
  /** what the client shows JPEG-approximated */
  private lossy: Region;
  /** the next `lossy`, built by `updateSent` (swapped, never reallocated) */
  private spare: Region;
  /** scheduler time the lossy region was last sent or damaged */
  private lastTouch = 0;
  private timer: Subscription | undefined;
  /** quiet long enough: the next update re-sends `lossy` without JPEG */
  private due = false;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly quietMs: number,
    maxRects: number,
    /** called when the refresh falls due (the session then writes it if the client asked) */
    private readonly onDue: () => void,
  ) {
    this.sentLossy = new Region(maxRects);
    this.lossy = new Region(maxRects);
    this.spare = new Region(maxRects);
  }

  /** Damage (or a copy's destination) at `[x1,x2)×[y1,y2)`: if it touches the lossy region, its quiet period restarts. */
  touch(x1: number, y1: number, x2: number, y2: number): void {
    if (!this.overlaps(x1, y1, x2, y2)) return;
    this.lastTouch = this.scheduler.now();
    this.due = false;
    this.arm();
  }

  /** True when `[x1,x2)×[y1,y2)` may show JPEG-approximated pixels. */
  overlaps(x1: number, y1: number, x2: number, y2: number): boolean {
    return !this.lossy.isEmpty() && overlaps(this.lossy, x1, y1, x2, y2);
  }

  /** Marks `[x1,x2)×[y1,y2)` lossy (a CopyRect moved JPEG pixels there). */
  add(x1: number, y1: number, x2: number, y2: number): void {
    this.lossy.addXyxy(x1, y1, x2, y2);
    this.lastTouch = this.scheduler.now();
    this.due = false;
    this.arm();
  }

  /**
   * If the refresh is due, moves the lossy region into `dirty` and returns true: the caller sends
   * that update with JPEG off. `width`×`height` clips it to the current framebuffer.
   */
  take(dirty: Region, width: number, height: number): boolean {
    if (!this.due) return false;
    this.due = false;
    this.lossy.forEachRect((x1, y1, x2, y2) => {
      if (x1 < width && y1 < height) dirty.addXyxy(x1, y1, Math.min(x2, width), Math.min(y2, height));
    });
    this.lossy.clear();
    return true;
  }

  /**
   * An update with the rects `raw` went out: lossy pieces it covered are exact now, the pieces it
   * sent as JPEG (`sentLossy`) are lossy and restart the quiet period.
   */
  updateSent(raw: Region | undefined): void {
    if (this.lossy.isEmpty() && this.sentLossy.isEmpty()) return; // no JPEG: nothing to do, per update
    const next = this.spare.clear();
    this.lossy.forEachRect((x1, y1, x2, y2) => {
      if (raw === undefined || !coveredByOne(raw, x1, y1, x2, y2)) next.addXyxy(x1, y1, x2, y2);
    });
    this.spare = this.lossy;
    this.lossy = next;
    if (this.sentLossy.isEmpty()) return;
    this.lossy.union(this.sentLossy);
    this.sentLossy.clear();
    this.lastTouch = this.scheduler.now();
    this.arm();
  }

  /** Forgets everything (the framebuffer was resized and is re-sent whole, or the session ended). */
  clear(): void {
    this.lossy.clear();
    this.sentLossy.clear();
    this.due = false;
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  get isEmpty(): boolean {
    return this.lossy.isEmpty();
  }

  /** One timer at a time: when it fires early (touched meanwhile) it waits out the rest. */
  private arm(): void {
    if (this.timer !== undefined || this.lossy.isEmpty()) return;
    this.timer = this.scheduler.schedule(() => this.check(), this.quietMs);
  }

  private check(): void {
    this.timer = undefined;
    if (this.lossy.isEmpty()) return;
    const left = this.lastTouch + this.quietMs - this.scheduler.now();
    if (left > 0) {
      this.timer = this.scheduler.schedule(() => this.check(), left);
      return;
    }
    this.due = true;
    this.onDue();
  }
}

/** True when some rect of `r` intersects `[x1,x2)×[y1,y2)`. */
export function overlaps(r: Region, x1: number, y1: number, x2: number, y2: number): boolean {
  let hit = false;
  r.forEachRect((a1, b1, a2, b2) => {
    hit ||= a1 < x2 && x1 < a2 && b1 < y2 && y1 < b2;
  });
  return hit;
}

/** True when one rect of `r` holds all of `[x1,x2)×[y1,y2)`. */
function coveredByOne(r: Region, x1: number, y1: number, x2: number, y2: number): boolean {
  let covered = false;
  r.forEachRect((a1, b1, a2, b2) => {
    covered ||= a1 <= x1 && b1 <= y1 && a2 >= x2 && b2 >= y2;
  });
  return covered;
}
