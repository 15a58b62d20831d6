import { type Rect, Region } from '@fbemu/drm-fb-helper';
import { copyWithinOutput } from '../../compose/blend.js';
import type { FrameSource } from '../tokens.js';

/** Compare granularity: x11vnc's 32×32 tiles, so a changed pixel costs at most one such tile. */
export const TILE_WIDTH = 32;
export const TILE_HEIGHT = 32;

/** Changed tiles are merged up to this many rects (well above a session's cap, which takes over then). */
const MAX_REFINED_RECTS = 256;

/**
 * The RFB server's copy of the frame as it last saw it (rows packed), which its sessions encode
 * from. Damage says where a program *wrote*; `refine` compares those places against this copy, tile
 * by tile, and keeps only the tiles whose pixels really differ, copying them in as it goes.
 *
 * Why sessions read this copy and not the live frame: a session may send between a write and its
 * damage; had it read the live frame, a pixel written and written back before the damage would
 * compare equal here while that session shows the intermediate value. Reading the copy, every
 * pixel a session shows either equals the copy or is damaged for that session, since any change
 * of the copy is damage for all sessions.
 */
export class ShadowFrame implements FrameSource {
  width = 0;
  height = 0;
  stride = 0;
  pixels = new Uint32Array(0);
  private readonly changed = new Region(MAX_REFINED_RECTS);

  /** Takes the whole of `fb` (attach, resize): everything the sessions will be sent comes from here. */
  reset(fb: FrameSource): void {
    const { width, height } = fb;
    if (this.pixels.length !== width * height) this.pixels = new Uint32Array(width * height);
    this.width = this.stride = width;
    this.height = height;
    for (let y = 0; y < height; y++) this.copyRow(fb, 0, y, width);
  }

  /** Same size as `fb` (a frame swapped without a resize yet is taken whole instead of compared). */
  fits(fb: FrameSource): boolean {
    return fb.width === this.width && fb.height === this.height;
  }

  /**
   * The parts of `[x1,x2)×[y1,y2)` (clipped to the frame) where `fb` differs from the copy, as
   * whole grid tiles clipped to the rect; the copy takes them over. The returned region is reused
   * by the next call. Cost: one compare of the rect's words, stopping at each tile's first change.
   */
  refine(fb: FrameSource, x1: number, y1: number, x2: number, y2: number): Region {
    const changed = this.changed.clear();
    for (let ty = y1 - (y1 % TILE_HEIGHT); ty < y2; ty += TILE_HEIGHT) {
      const ry1 = Math.max(ty, y1);
      const ry2 = Math.min(ty + TILE_HEIGHT, y2);
      let run = -1; // x where the current run of changed tiles starts
      for (let tx = x1 - (x1 % TILE_WIDTH); tx < x2; tx += TILE_WIDTH) {
        const rx1 = Math.max(tx, x1);
        const rx2 = Math.min(tx + TILE_WIDTH, x2);
        if (this.tileDiffers(fb, rx1, ry1, rx2, ry2)) {
          for (let y = ry1; y < ry2; y++) this.copyRow(fb, rx1, y, rx2 - rx1);
          if (run < 0) run = rx1;
        } else if (run >= 0) {
          changed.addXyxy(run, ry1, rx1, ry2);
          run = -1;
        }
      }
      if (run >= 0) changed.addXyxy(run, ry1, x2, ry2);
    }
    return changed;
  }

  /** The frame's block `src` was copied to (dx, dy): the copy moves the same pixels. */
  copyRect(src: Rect, dx: number, dy: number): void {
    copyWithinOutput(this.pixels, this.stride, src, src.translate(dx - src.x1, dy - src.y1));
  }

  /** Row by row, whole words, out at the first difference. */
  private tileDiffers(fb: FrameSource, x1: number, y1: number, x2: number, y2: number): boolean {
    const live = fb.pixels;
    const mine = this.pixels;
    for (let y = y1; y < y2; y++) {
      let a = y * fb.stride + x1;
      let b = y * this.stride + x1;
      const end = a + (x2 - x1);
      while (a < end) if (live[a++] !== mine[b++]) return true;
    }
    return false;
  }

  private copyRow(fb: FrameSource, x: number, y: number, w: number): void {
    const from = y * fb.stride + x;
    this.pixels.set(fb.pixels.subarray(from, from + w), y * this.stride + x);
  }
}
