import { convertRectToXrgb8888, type FbSurface, type Rect, RGB565, readRaw } from '@fbemu/drm-fb-helper';
import { RGB565_SIMD, rgb565ToXrgb8888Simd } from './rgb565-simd.js';

/** Where a plane's surface sits on the output: its pixel (0,0) lands at output (x, y). */
export interface PlacedSurface {
  readonly surface: FbSurface;
  readonly x: number;
  readonly y: number;
}

/** `((s·a + d·(255−a)) / 255)` per channel, rounded: premultiplication-free "source over". */
function over(s: number, d: number): number {
  const a = s >>> 24;
  if (a === 255) return s & 0xffffff;
  if (a === 0) return d;
  const ia = 255 - a;
  const r = ((((s >>> 16) & 0xff) * a + ((d >>> 16) & 0xff) * ia + 127) / 255) | 0;
  const g = ((((s >>> 8) & 0xff) * a + ((d >>> 8) & 0xff) * ia + 127) / 255) | 0;
  const b = (((s & 0xff) * a + (d & 0xff) * ia + 127) / 255) | 0;
  return (r << 16) | (g << 8) | b;
}

/**
 * Paints `r` (output coordinates, already inside the plane's placement and the output) of a
 * plane into the output's XRGB8888 words. Opaque 32-bit planes copy whole rows with
 * `TypedArray.set`; other opaque formats convert rows; ARGB8888 blends over what is below.
 */
export function paintPlaneRect(out: Uint32Array, stride: number, p: PlacedSurface, r: Rect): void {
  const { surface } = p;
  const sx = r.x1 - p.x;
  const sy = r.y1 - p.y;
  const w = r.x2 - r.x1;
  if (surface.format.hasAlpha) {
    const { format, bytes, pitch, cpp, u32 } = surface;
    for (let y = r.y1; y < r.y2; y++) {
      const so = (sy + y - r.y1) * pitch + sx * cpp;
      for (let i = 0, di = y * stride + r.x1; i < w; i++, di++) {
        const s = u32 ? u32[(so >> 2) + i] : format.unpack(readRaw(bytes, so + i * cpp, cpp));
        out[di] = over(s, out[di]);
      }
    }
    return;
  }
  if (surface.format.cpp === 4 && surface.u32) {
    const src = surface.u32;
    const srcStride = surface.pitch >> 2;
    // Full-width rows contiguous in both buffers are one copy: each `set` from shared memory has
    // a fixed cost that, per row, was most of a full recomposite.
    if (w === srcStride && w === stride) {
      const si = sy * srcStride;
      out.set(src.subarray(si, si + w * (r.y2 - r.y1)), r.y1 * stride);
      return;
    }
    copyRows(src, srcStride, sx, sy, w, r.y2 - r.y1, out, stride, r.x1, r.y1);
    return;
  }
  if (surface.format === RGB565 && surface.u16 && RGB565_SIMD) {
    rgb565ToXrgb8888Simd(surface.u16, surface.pitch >> 1, sx, sy, w, r.y2 - r.y1, out, stride, r.x1, r.y1);
    return;
  }
  convertRectToXrgb8888(surface, r.translate(-p.x, -p.y), out, stride, r.x1, r.y1);
}

/** Reused staging for rows read out of shared memory (grows to the largest block copied). */
let staging = new Uint32Array(0);

/**
 * Copies a `w×h` block of 32-bit words. `set` from a SharedArrayBuffer goes through a slow
 * generic path with a fixed cost per call (about a row's worth of copying); when the rows are most
 * of the source's width, the block of whole rows comes out of shared memory in one `set` and the
 * rows are then placed from ordinary memory, where `set` is a plain memmove.
 */
function copyRows(
  src: Uint32Array,
  srcStride: number,
  sx: number,
  sy: number,
  w: number,
  h: number,
  out: Uint32Array,
  stride: number,
  dx: number,
  dy: number,
): void {
  if (h > 1 && w * 2 >= srcStride && src.buffer instanceof SharedArrayBuffer) {
    const first = sy * srcStride + sx;
    const span = (h - 1) * srcStride + w;
    if (staging.length < span) staging = new Uint32Array(span);
    staging.set(src.subarray(first, first + span));
    for (let y = 0, si = 0; y < h; y++, si += srcStride)
      out.set(staging.subarray(si, si + w), (dy + y) * stride + dx);
    return;
  }
  for (let y = 0, si = sy * srcStride + sx; y < h; y++, si += srcStride)
    out.set(src.subarray(si, si + w), (dy + y) * stride + dx);
}

/** Fills `r` of the output with one XRGB colour, row by row. */
export function fillOutputRect(out: Uint32Array, stride: number, r: Rect, xrgb: number): void {
  for (let y = r.y1; y < r.y2; y++) out.fill(xrgb, y * stride + r.x1, y * stride + r.x2);
}

/**
 * Copies the output pixels of `from` to `to` (same size) inside the output buffer, like a blitter:
 * rows are walked away from the overlap so no source row is overwritten before it is read, and
 * `copyWithin` is a memmove within each row.
 */
export function copyWithinOutput(out: Uint32Array, stride: number, from: Rect, to: Rect): void {
  const w = from.x2 - from.x1;
  const h = from.y2 - from.y1;
  const down = to.y1 > from.y1;
  for (let i = 0; i < h; i++) {
    const row = down ? h - 1 - i : i;
    const src = (from.y1 + row) * stride + from.x1;
    out.copyWithin((to.y1 + row) * stride + to.x1, src, src + w);
  }
}
