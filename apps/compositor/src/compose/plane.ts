import { type FbSurface, Rect } from '@fbemu/drm-fb-helper';
import { check } from '@fbemu/gem-shmem';
import type { PlacedSurface } from './blend.js';

/** A plane: a client's surface placed on the output at (x, y), stacked by `z` (higher on top). */
export class Plane implements PlacedSurface {
  constructor(
    readonly id: string,
    /** what the plane scans out; a client may swap it (pan, blank) and then damages the plane */
    public surface: FbSurface,
    public x: number,
    public y: number,
    public z: number,
  ) {
    for (const [v, what] of [
      [x, 'x'],
      [y, 'y'],
      [z, 'z'],
    ] as const) {
      check(Number.isSafeInteger(v), 'EINVAL', `plane ${id}: ${what} must be an integer, got ${v}`);
    }
  }

  /** The plane's area in output coordinates. */
  get rect(): Rect {
    return new Rect(this.x, this.y, this.x + this.surface.width, this.y + this.surface.height);
  }

  /** Opaque planes hide what is below them, so compositing may start at the top-most covering one. */
  get opaque(): boolean {
    return !this.surface.format.hasAlpha;
  }
}
