import { type Rect, Region } from '@fbemu/drm-fb-helper';
import { copyWithinOutput } from '../../compose/blend.js';
import type { FrameSource } from '../tokens.js';
import { frameWords, SIMD_TILE, TileCompare } from './shadow-simd.js';

/** Compare granularity: x11vnc's 32×32 tiles, so a changed pixel costs at most one such tile. */
export const TILE_WIDTH = SIMD_TILE;
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
  /** per tile column of the band being refined: differs (in wasm memory with `simd`) */
  private marks = new Uint8Array(0);
  /** the SIMD tile compare, when the copy lives in wasm memory */
  private simd: TileCompare | undefined;
  private readonly changed = new Region(MAX_REFINED_RECTS);

  /** `simd: false` keeps the copy in a plain array and compares in JavaScript (the fallback; tests compare both). */
  constructor(private readonly useSimd = true) {}

  /** Takes the whole of `fb` (attach, resize): everything the sessions will be sent comes from here. */
  reset(fb: FrameSource): void {
    const { width, height } = fb;
    // rows padded to whole tiles: the SIMD compare takes a tile row as eight vectors
    const stride = Math.ceil(width / TILE_WIDTH) * TILE_WIDTH;
    if (this.pixels.length !== stride * height) {
      // in wasm memory: the kernels read it in place (shadow-simd.ts)
      this.pixels = this.useSimd ? frameWords(stride * height) : new Uint32Array(stride * height);
      this.bytes = Buffer.from(this.pixels.buffer, this.pixels.byteOffset, this.pixels.byteLength);
      this.simd = TileCompare.of(this.pixels);
    }
    this.width = width;
    this.stride = stride;
    this.height = height;
    this.marks = this.simd?.marks ?? new Uint8Array(stride / TILE_WIDTH);
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
   * next call. Cost with WebAssembly SIMD: one native copy of each damaged row into wasm memory
   * and one vector compare of its tiles (8 XORs per 32-pixel tile row). Without: one native
   * compare per damaged row; a row that differs is then compared in JavaScript tile by tile,
   * skipping tiles already known to differ.
   */
  refine(fb: FrameSource, x1: number, y1: number, x2: number, y2: number): Region {
    const changed = this.changed.clear();
    const live = this.liveBytes(fb);
    const t1 = Math.ceil(x2 / TILE_WIDTH);
    for (let ty = y1 - (y1 % TILE_HEIGHT); ty < y2; ty += TILE_HEIGHT) {
      const ry1 = Math.max(ty, y1);
      const ry2 = Math.min(ty + TILE_HEIGHT, y2);
      this.marks.fill(0);
      if (this.simd !== undefined) this.markBand(this.simd, live, fb.stride, ry1, ry2, x1, x2);
      else for (let y = ry1; y < ry2; y++) this.markRow(fb, live, y, x1, x2);
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

  /**
   * Marks the tiles of rows `[y1, y2)` in `[x1, x2)` that differ, with the SIMD compare: the rows'
   * tiles are staged (the live pixels of the rect, the copy's own pixels where the edge tiles stick
   * out of it, so those compare equal) and compared in one call per stage full.
   */
  private markBand(
    simd: TileCompare,
    live: Buffer<ArrayBufferLike>,
    liveStride: number,
    y1: number,
    y2: number,
    x1: number,
    x2: number,
  ): void {
    const left = x1 - (x1 % TILE_WIDTH);
    const right = Math.ceil(x2 / TILE_WIDTH) * TILE_WIDTH;
    const tiles = (right - left) / TILE_WIDTH;
    const rowBytes = (right - left) * 4;
    const per = simd.stageRows(tiles);
    const { stage } = simd;
    // whole rows of a live frame as wide as the copy's rows: the stage is one contiguous copy
    const contiguous = x1 === left && x2 === right && liveStride === right - left;
    for (let y = y1; y < y2; y += per) {
      const rows = Math.min(per, y2 - y);
      if (contiguous) live.copy(stage, 0, (y * liveStride + x1) * 4, ((y + rows) * liveStride + x1) * 4);
      else
        for (let r = 0; r < rows; r++) {
          const mine = ((y + r) * this.stride + left) * 4;
          const theirs = (y + r) * liveStride * 4;
          const at = r * rowBytes;
          if (left < x1) this.bytes.copy(stage, at, mine, mine + (x1 - left) * 4);
          live.copy(stage, at + (x1 - left) * 4, theirs + x1 * 4, theirs + x2 * 4);
          if (x2 < right)
            this.bytes.copy(stage, at + (x2 - left) * 4, mine + (x2 - left) * 4, mine + rowBytes);
        }
      simd.compare(y * this.stride + left, this.stride, tiles, rows, left / TILE_WIDTH);
    }
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
