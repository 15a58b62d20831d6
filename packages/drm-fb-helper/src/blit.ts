import { check } from '@fbemu/gem-shmem';
import { checkRect, type Rect } from './rect.js';
import { Region } from './region.js';
import { checkSurface, type FbSurface } from './surface.js';

/**
 * Below this many bytes a row is copied by a plain loop; above it by `TypedArray.set`, which
 * needs a source view (`subarray`) because `set` has no source-offset form. Full-width rows and
 * whole blocks take the preallocated views instead, so the common fbdev damage (full-width rows
 * from pagerefs) copies without creating any object.
 */
const SET_THRESHOLD = 64;

/** Copies `len` bytes from `src[so..]` to `dst[d..]` (distinct buffers). */
export function copyBytes(src: Uint8Array, so: number, dst: Uint8Array, d: number, len: number): void {
  if (len >= SET_THRESHOLD) {
    dst.set(src.subarray(so, so + len), d);
    return;
  }
  for (let i = 0; i < len; i++) dst[d + i] = src[so + i];
}

/**
 * The shadow → BO damage blit (`drm_fb_helper_damage_blit_real`): for every row of `rect`,
 * `(x2 − x1) · cpp` bytes at `y · pitch + x1 · cpp`; no other byte of `dst` changes.
 * Both surfaces must share geometry (the kernel's shadow has the BO's pitch).
 * Returns the number of bytes copied.
 */
export class ShadowBlitter {
  /** per row, a view of the row's pixel bytes (padding excluded), built once */
  private readonly rows: Uint8Array[];
  private readonly padded: boolean;

  constructor(
    readonly src: FbSurface,
    readonly dst: FbSurface,
  ) {
    checkSurface(src, 'shadow');
    checkSurface(dst, 'BO');
    const same =
      src.width === dst.width &&
      src.height === dst.height &&
      src.pitch === dst.pitch &&
      src.format === dst.format;
    check(same, 'EINVAL', 'shadow and BO surfaces must share width, height, pitch and format');
    const rowLen = src.width * src.cpp;
    this.rows = Array.from({ length: src.height }, (_, y) =>
      src.bytes.subarray(y * src.pitch, y * src.pitch + rowLen),
    );
    this.padded = rowLen !== src.pitch;
  }

  blitRect(r: Rect): number {
    checkRect(r, 'blit rect');
    return this.blit(r.x1, r.y1, r.x2, r.y2);
  }

  /** Every rect of a damage region. */
  blitRegion(region: Region): number {
    check(region instanceof Region, 'EINVAL', 'blitRegion needs a Region');
    let bytes = 0;
    region.forEachRect((x1, y1, x2, y2) => {
      bytes += this.blit(x1, y1, x2, y2);
    });
    return bytes;
  }

  private blit(rx1: number, ry1: number, rx2: number, ry2: number): number {
    const { src, dst } = this;
    const x1 = Math.max(rx1, 0);
    const y1 = Math.max(ry1, 0);
    const x2 = Math.min(rx2, src.width);
    const y2 = Math.min(ry2, src.height);
    if (x1 >= x2 || y1 >= y2) return 0;
    const len = (x2 - x1) * src.cpp;
    const pitch = src.pitch;
    if (x1 === 0 && x2 === src.width) {
      // full-width rows: one block when rows have no padding, else the prebuilt row views
      if (!this.padded) dst.bytes.set(src.bytes.subarray(y1 * pitch, y2 * pitch), y1 * pitch);
      else for (let y = y1; y < y2; y++) dst.bytes.set(this.rows[y], y * pitch);
    } else if (src.u32 && dst.u32 && len < SET_THRESHOLD) {
      blitWords(src.u32, dst.u32, pitch / 4, x1, y1, x2, y2);
    } else {
      for (let y = y1; y < y2; y++) {
        const o = y * pitch + x1 * src.cpp;
        copyBytes(src.bytes, o, dst.bytes, o, len);
      }
    }
    return len * (y2 - y1);
  }
}

/** Narrow rects on 32-bit surfaces: whole words, no views. */
function blitWords(
  s32: Uint32Array,
  d32: Uint32Array,
  stride: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): void {
  for (let y = y1; y < y2; y++) {
    const end = y * stride + x2;
    for (let i = y * stride + x1; i < end; i++) d32[i] = s32[i];
  }
}
