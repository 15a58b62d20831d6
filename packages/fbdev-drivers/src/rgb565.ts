import { type FbSurface, RGB565, readRaw } from '@fbemu/drm-fb-helper';

/**
 * Converts `width` pixels of row `y` from `x` into RGB565 values in `dst[0..width)`: what SPI
 * panels (DCS 16 bpp) and USB adapters (udlfb/smscufx run at 16 bpp) scan out. A 565 source is
 * a plain word copy; 32 bpp sources read whole words; others go through the format's unpack.
 */
export function rowToRgb565(s: FbSurface, x: number, y: number, width: number, dst: Uint16Array): void {
  const off = s.offsetOf(x, y);
  if (s.format === RGB565 && s.u16) {
    dst.set(s.u16.subarray(off >> 1, (off >> 1) + width));
    return;
  }
  if (s.u32) {
    const src = s.u32;
    for (let i = 0, si = off >> 2; i < width; i++, si++) {
      const c = src[si];
      dst[i] = ((c >> 8) & 0xf800) | ((c >> 5) & 0x07e0) | ((c >> 3) & 0x001f);
    }
    return;
  }
  const { format, bytes } = s;
  for (let i = 0, o = off; i < width; i++, o += format.cpp)
    dst[i] = RGB565.pack(format.unpack(readRaw(bytes, o, format.cpp)));
}
