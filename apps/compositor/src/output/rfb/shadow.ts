import { type Rect, Region } from '@fbemu/drm-fb-helper';
import { copyWithinOutput } from '../../compose/blend.js';
import type { FrameSource } from '../tokens.js';
import { frameWords } from './rgbx-simd.js';

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
  private bytes = Buffer.alloc(0);
  /** a byte view of the live frame's pixels (for native compares and copies), kept while they stay */
  private live: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  private livePixels: Uint32Array | undefined;
  /** per tile column of the band being refined: differs */
  private marks = new Uint8Array(0);
  private readonly changed = new Region(MAX_REFINED_RECTS);

  /** Takes the whole of `fb` (attach, resize): everything the sessions will be sent comes from here. */
  reset(fb: FrameSource): void {
    const { width, height } = fb;
    if (this.pixels.length !== width * height) {
      // in wasm memory: the RGBX conversion reads it in place (rgbx-simd.ts)
      this.pixels = frameWords(width * height);
      this.bytes = Buffer.from(this.pixels.buffer, this.pixels.byteOffset, this.pixels.byteLength);
    }
    this.width = this.stride = width;
    this.height = height;
    this.marks = new Uint8Array(Math.ceil(width / TILE_WIDTH));
    const live = this.liveBytes(fb);
    for (let y = 0; y < height; y++) this.copyRow(fb, live, y, 0, width);
  }

  /** Same size as `fb` (a frame swapped without a resize yet is taken whole instead of compared). */
  fits(fb: FrameSource): boolean {
    return fb.width === this.width && fb.height === this.height;
  }

  /**
   * The parts of `[x1,x2)×[y1,y2)` (inside the frame) where `fb` differs from the copy, as whole
   * grid tiles clipped to the rect; the copy takes them over. The returned region is reused by the
   * next call. Cost: one native compare per damaged row; a row that differs is then compared in
   * JavaScript tile by tile, skipping tiles already known to differ.
   */
  refine(fb: FrameSource, x1: number, y1: number, x2: number, y2: number): Region {
    const changed = this.changed.clear();
    const live = this.liveBytes(fb);
    const t1 = Math.ceil(x2 / TILE_WIDTH);
    for (let ty = y1 - (y1 % TILE_HEIGHT); ty < y2; ty += TILE_HEIGHT) {
      const ry1 = Math.max(ty, y1);
      const ry2 = Math.min(ty + TILE_HEIGHT, y2);
      this.marks.fill(0);
      for (let y = ry1; y < ry2; y++) this.markRow(fb, live, y, x1, x2);
      let run = -1; // x where the current run of changed tiles starts
      for (let t = Math.floor(x1 / TILE_WIDTH); t <= t1; t++) {
        const rx1 = Math.max(t * TILE_WIDTH, x1);
        if (t < t1 && this.marks[t] === 1) {
          if (run < 0) run = rx1;
        } else if (run >= 0) {
          const end = Math.min(rx1, x2);
          for (let y = ry1; y < ry2; y++) this.copyRow(fb, live, y, run, end);
          changed.addXyxy(run, ry1, end, ry2);
          run = -1;
        }
      }
    }
    return changed;
  }

  /** The frame's block `src` was copied to (dx, dy): the copy moves the same pixels. */
  copyRect(src: Rect, dx: number, dy: number): void {
    copyWithinOutput(this.pixels, this.stride, src, src.translate(dx - src.x1, dy - src.y1));
  }

  /** Marks the tiles of row `y` in `[x1, x2)` that differ: one memcmp, then whole words per tile. */
  private markRow(fb: FrameSource, live: Buffer<ArrayBufferLike>, y: number, x1: number, x2: number): void {
    const a = y * fb.stride;
    const b = y * this.stride;
    if (live.compare(this.bytes, (b + x1) * 4, (b + x2) * 4, (a + x1) * 4, (a + x2) * 4) === 0) return;
    const theirs = fb.pixels;
    const mine = this.pixels;
    const marks = this.marks;
    for (let t = Math.floor(x1 / TILE_WIDTH); t * TILE_WIDTH < x2; t++) {
      if (marks[t] === 1) continue;
      const rx1 = Math.max(t * TILE_WIDTH, x1);
      let i = a + rx1;
      let j = b + rx1;
      const end = a + Math.min((t + 1) * TILE_WIDTH, x2);
      while (i < end) {
        if (theirs[i++] !== mine[j++]) {
          marks[t] = 1;
          break;
        }
      }
    }
  }

  private copyRow(fb: FrameSource, live: Buffer<ArrayBufferLike>, y: number, x1: number, x2: number): void {
    const from = y * fb.stride;
    live.copy(this.bytes, (y * this.stride + x1) * 4, (from + x1) * 4, (from + x2) * 4);
  }

  private liveBytes(fb: FrameSource): Buffer<ArrayBufferLike> {
    const p = fb.pixels;
    if (p !== this.livePixels) {
      this.livePixels = p;
      this.live = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    }
    return this.live;
  }
}
