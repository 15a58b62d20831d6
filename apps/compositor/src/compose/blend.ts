import { convertRectToXrgb8888, type FbSurface, type Rect, readRaw } from '@fbemu/drm-fb-helper';

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
    for (let y = r.y1, si = sy * srcStride + sx; y < r.y2; y++, si += srcStride)
      out.set(src.subarray(si, si + w), y * stride + r.x1);
    return;
  }
  convertRectToXrgb8888(surface, r.translate(-p.x, -p.y), out, stride, r.x1, r.y1);
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
