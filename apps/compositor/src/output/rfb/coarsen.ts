import { Region } from '@fbemu/drm-fb-helper';

/** The first grid damage above the cap is snapped to: twice the refine tiles (shadow.ts). */
const FIRST_GRID = 64;

/**
 * A session's damage may hold more rects than an update may carry (the region keeps many, so
 * scattered changes stay exact while they accumulate). Above the cap, `fit` snaps every rect
 * outward to a grid of 64, 128, 256, … px squares until their union fits: neighbouring rects
 * merge, clusters far apart stay apart. A single bounding box of refined damage (ffmpeg's
 * testsrc2 changes ≈ 30 scattered tile runs per frame) sent 2–3× the changed pixels; the grid
 * costs at most one square around each rect. The bounding box stays the last resort: when no grid
 * fits, or the one that does covers as much.
 */
export class DamageCoarsener {
  private readonly into: Region;
  private grid = FIRST_GRID;
  private width = 0;
  private height = 0;

  constructor(readonly maxRects: number) {
    this.into = new Region(maxRects);
  }

  /** `damage` itself when it fits the cap, else a coarser region (reused by the next call). */
  fit(damage: Region, width: number, height: number): Region {
    if (damage.numRects <= this.maxRects) return damage;
    this.width = width;
    this.height = height;
    const box = damage.extents();
    for (this.grid = FIRST_GRID; this.grid < Math.max(width, height); this.grid *= 2) {
      this.into.clear();
      damage.forEachRect(this.snap);
      if (this.into.overflowed || this.into.area() >= box.width * box.height) continue;
      return this.into;
    }
    return this.into.clear().addXyxy(box.x1, box.y1, box.x2, box.y2);
  }

  private readonly snap = (x1: number, y1: number, x2: number, y2: number): void => {
    const g = this.grid;
    this.into.addXyxy(
      x1 - (x1 % g),
      y1 - (y1 % g),
      Math.min(Math.ceil(x2 / g) * g, this.width),
      Math.min(Math.ceil(y2 / g) * g, this.height),
    );
  };
}
