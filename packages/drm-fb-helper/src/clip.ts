import { check, checkObject, isCount, KernelError } from '@fbemu/gem-shmem';
import { Rect } from './rect.js';
import { Region } from './region.js';

/** Bits per pixel the clip math accepts (the fbdev depths DRM emulates). */
export const CLIP_BPPS: readonly number[] = [8, 16, 24, 32];

/**
 * What `memoryRangeToClip` needs to know about a framebuffer. Coordinates are framebuffer
 * coordinates over the whole (virtual) buffer: `width × height` pixels, row y at byte
 * `y · lineLength`. The kernel clamps rows to the visible `yres`; fbemu clamps to the virtual
 * height and leaves visibility to the viewport (see `Viewport`), so off-screen writes are kept.
 */
export interface ClipGeometry {
  /** fix.line_length: bytes per row, may exceed width · bpp / 8 */
  readonly lineLength: number;
  /** var.bits_per_pixel */
  readonly bitsPerPixel: number;
  /** pixels per row (xres_virtual) */
  readonly width: number;
  /** rows (yres_virtual) */
  readonly height: number;
  /** bytes that may be dirtied: screen_size, or smem_len when there is none */
  readonly total: number;
}

/** Validates and freezes a clip geometry (EINVAL on anything inconsistent). */
export function clipGeometry(g: ClipGeometry): ClipGeometry {
  checkObject(g, 'clip geometry');
  for (const k of ['lineLength', 'width', 'height', 'total'] as const) {
    check(Number.isSafeInteger(g[k]) && g[k] > 0, 'EINVAL', `${k} must be a positive integer, got ${g[k]}`);
  }
  check(CLIP_BPPS.includes(g.bitsPerPixel), 'EINVAL', `unsupported bits_per_pixel ${g.bitsPerPixel}`);
  check(
    g.lineLength * 8 >= g.width * g.bitsPerPixel,
    'EINVAL',
    `line_length ${g.lineLength} < width × bpp / 8`,
  );
  return Object.freeze({ ...g });
}

/**
 * `drm_fb_helper_memory_range_to_clip`, fixed: the byte range `[off, off + len)` (its end clamped
 * to `total`) becomes rows `[floor(off / pitch), ceil(end / pitch))` clamped to the height, full
 * width; a range inside one row is narrowed to `x1 = floor(bit_off / bpp)`,
 * `x2 = ceil((bit_off + 8·len) / bpp)`. The 5.19–2025 kernel computed the end bit from
 * `end mod pitch`, which is 0 when the range ends on a row end, and so dropped that damage.
 * The result is clipped to the framebuffer (a write into pitch padding yields an empty rect).
 */
export function memoryRangeToClip(g: ClipGeometry, off: number, len: number): Rect {
  if (!(isCount(off) && isCount(len)))
    throw new KernelError('EINVAL', `range ${off}+${len} must be non-negative integers`);
  const end = Math.min(off + len, g.total);
  if (off >= end) return Rect.EMPTY;
  const pitch = g.lineLength;
  const y1 = Math.min(Math.floor(off / pitch), g.height);
  const y2 = Math.min(Math.ceil(end / pitch), g.height);
  if (y2 - y1 !== 1) return new Rect(0, y1, g.width, y2).clipTo(g.width, g.height);
  const bitOff = (off - y1 * pitch) * 8;
  const bitEnd = bitOff + (end - off) * 8;
  const x1 = Math.floor(bitOff / g.bitsPerPixel);
  const x2 = Math.ceil(bitEnd / g.bitsPerPixel);
  return new Rect(x1, y1, x2, y2).clipTo(g.width, g.height);
}

/**
 * Region-mode variant (fbemu only): like `memoryRangeToClip`, but a range over exactly two rows
 * becomes two clips — the tail of the first row and the head of the second — instead of two
 * full-width rows. That is the shape of a 4 KiB page straddling a row boundary, the most common
 * small update, and halves what such an update flushes. Longer ranges stay one full-width band,
 * so a run never costs more than two rects of the region's cap.
 */
export function memoryRangeToClips(g: ClipGeometry, off: number, len: number, out: Region): void {
  check(out instanceof Region, 'EINVAL', 'memoryRangeToClips needs a Region');
  const band = memoryRangeToClip(g, off, len);
  if (band.height !== 2 || band.x1 !== 0) {
    out.addRect(band);
    return;
  }
  const pitch = g.lineLength;
  const end = Math.min(off + len, g.total);
  const x1 = Math.floor(((off - band.y1 * pitch) * 8) / g.bitsPerPixel);
  const x2 = Math.ceil(((end - band.y2 * pitch + pitch) * 8) / g.bitsPerPixel);
  out.addRect(new Rect(x1, band.y1, g.width, band.y1 + 1).clipTo(g.width, g.height));
  out.addRect(new Rect(0, band.y1 + 1, x2, band.y2).clipTo(g.width, g.height));
}
