import { check, KernelError } from '@fbemu/gem-shmem';

/** The pixel formats fbemu framebuffers use (DRM fourcc names; all little-endian in memory). */
export type PixelFormatName = 'XRGB8888' | 'ARGB8888' | 'RGB565' | 'RGB888';

/**
 * A DRM pixel format (`struct drm_format_info`, single plane). A *raw* pixel is the value stored
 * little-endian in `cpp` bytes; a *colour* is `0xAARRGGBB` as a non-negative number.
 */
export interface PixelFormat {
  readonly name: PixelFormatName;
  /** the four characters of the DRM fourcc, e.g. 'XR24' */
  readonly fourcc: string;
  /** `fourcc_code(a, b, c, d)`: the characters packed little-endian */
  readonly code: number;
  /** bytes per pixel (`cpp[0]`) */
  readonly cpp: number;
  /** bits per pixel as fbdev reports it (`bits_per_pixel`) */
  readonly bpp: number;
  /** colour depth (`depth`): 24 for XRGB8888, 32 for ARGB8888 */
  readonly depth: number;
  readonly hasAlpha: boolean;
  /** colour → raw pixel (channels are truncated to the format's precision) */
  pack(argb: number): number;
  /** raw pixel → colour; channels widen by bit replication, alpha is 0xFF without an alpha channel */
  unpack(raw: number): number;
}

function fourccCode(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}

/** Widens a 5- or 6-bit channel to 8 bits by replicating its top bits (0 → 0, max → 255). */
function widen(v: number, bits: number): number {
  return (v << (8 - bits)) | (v >> (2 * bits - 8));
}

export const XRGB8888: PixelFormat = {
  name: 'XRGB8888',
  fourcc: 'XR24',
  code: fourccCode('XR24'),
  cpp: 4,
  bpp: 32,
  depth: 24,
  hasAlpha: false,
  pack: (argb) => argb & 0xffffff,
  unpack: (raw) => (raw | 0xff000000) >>> 0,
};

export const ARGB8888: PixelFormat = {
  name: 'ARGB8888',
  fourcc: 'AR24',
  code: fourccCode('AR24'),
  cpp: 4,
  bpp: 32,
  depth: 32,
  hasAlpha: true,
  pack: (argb) => argb >>> 0,
  unpack: (raw) => raw >>> 0,
};

export const RGB565: PixelFormat = {
  name: 'RGB565',
  fourcc: 'RG16',
  code: fourccCode('RG16'),
  cpp: 2,
  bpp: 16,
  depth: 16,
  hasAlpha: false,
  pack: (argb) => ((argb >> 8) & 0xf800) | ((argb >> 5) & 0x07e0) | ((argb >> 3) & 0x001f),
  unpack: (raw) =>
    (0xff000000 |
      (widen((raw >> 11) & 31, 5) << 16) |
      (widen((raw >> 5) & 63, 6) << 8) |
      widen(raw & 31, 5)) >>>
    0,
};

export const RGB888: PixelFormat = {
  name: 'RGB888',
  fourcc: 'RG24',
  code: fourccCode('RG24'),
  cpp: 3,
  bpp: 24,
  depth: 24,
  hasAlpha: false,
  pack: (argb) => argb & 0xffffff,
  unpack: (raw) => ((raw & 0xffffff) | 0xff000000) >>> 0,
};

export const PIXEL_FORMATS: readonly PixelFormat[] = [XRGB8888, ARGB8888, RGB565, RGB888];

export function formatByName(name: string): PixelFormat {
  const f = PIXEL_FORMATS.find((p) => p.name === name || p.fourcc === name);
  check(f !== undefined, 'EINVAL', `unsupported pixel format ${name}`);
  return f;
}

/**
 * `drm_driver_legacy_fb_format(bpp, depth)`: the format fbdev gets for a bpp/depth pair.
 * 32 bpp means XRGB8888 unless depth is 32. Other bpp (1/2/4/8 palette modes) are EINVAL.
 */
export function formatForBpp(bpp: number, depth?: number): PixelFormat {
  if (bpp === 32) return depth === 32 ? ARGB8888 : XRGB8888;
  if (bpp === 24) return RGB888;
  if (bpp === 16) return RGB565;
  throw new KernelError('EINVAL', `no pixel format for ${bpp} bpp`);
}

/** Raw pixel at byte `o`, little-endian in `cpp` bytes. */
export function readRaw(bytes: Uint8Array, o: number, cpp: number): number {
  if (cpp === 4) return (bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) >>> 0;
  if (cpp === 3) return bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16);
  return bytes[o] | (bytes[o + 1] << 8);
}

/** Stores raw pixel `raw` little-endian in `cpp` bytes at byte `o`. */
export function writeRaw(bytes: Uint8Array, o: number, cpp: number, raw: number): void {
  bytes[o] = raw;
  bytes[o + 1] = raw >> 8;
  if (cpp >= 3) bytes[o + 2] = raw >> 16;
  if (cpp === 4) bytes[o + 3] = raw >>> 24;
}
