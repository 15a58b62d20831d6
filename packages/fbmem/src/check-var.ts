import type { PixelFormat } from '@fbemu/drm-fb-helper';
import { check } from '@fbemu/gem-shmem';
import { bitfield, type FbBitfield, type VarScreeninfo } from './uapi.js';

/** The DRM framebuffer behind the fbdev: fixed for the device's lifetime (`fb_helper->fb`). */
export interface FixedMode {
  /** fb->width, fb->height: the whole buffer (the virtual resolution) */
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
}

const U32_MAX = 0xffffffff;
const CHANNELS = ['red', 'green', 'blue', 'transp'] as const;

/**
 * `drm_fb_helper_fill_pixel_fmt` for the formats fbemu has: the channel bitfields of a depth.
 * Depth 16 leaves transp.length as it was, like the kernel.
 */
export function fillPixelFormat(v: VarScreeninfo, format: PixelFormat): void {
  const rgb = (r: FbBitfield, g: FbBitfield, b: FbBitfield) => {
    v.red = r;
    v.green = g;
    v.blue = b;
  };
  if (format.depth === 16) {
    rgb(bitfield(11, 5), bitfield(5, 6), bitfield(0, 5));
    v.transp.offset = 0;
  } else {
    rgb(bitfield(16, 8), bitfield(8, 8), bitfield(0, 8));
    v.transp = format.depth === 32 ? bitfield(24, 8) : bitfield(0, 0);
  }
}

/** `drm_fb_pixel_format_equal`: bpp, grayscale and the four channel bitfields. */
export function pixelFormatEqual(a: VarScreeninfo, b: VarScreeninfo): boolean {
  if (a.bitsPerPixel !== b.bitsPerPixel || a.grayscale !== b.grayscale) return false;
  return CHANNELS.every(
    (c) => a[c].offset === b[c].offset && a[c].length === b[c].length && a[c].msbRight === b[c].msbRight,
  );
}

function allChannelsZero(v: VarScreeninfo): boolean {
  return CHANNELS.every((c) => v[c].offset === 0 && v[c].length === 0 && v[c].msbRight === 0);
}

/** `__fill_var`: what the DRM fbdev forces whatever was asked. */
function fillFixedFields(v: VarScreeninfo, current: VarScreeninfo, mode: FixedMode): void {
  v.xresVirtual = mode.width;
  v.yresVirtual = mode.height;
  v.accelFlags = 0;
  v.bitsPerPixel = mode.format.bpp;
  v.height = current.height;
  v.width = current.width;
  v.leftMargin = v.rightMargin = v.upperMargin = v.lowerMargin = 0;
  v.hsyncLen = v.vsyncLen = 0;
  v.sync = v.vmode = 0;
  v.rotate = 0;
  v.colorspace = 0;
  v.reserved = [0, 0, 0, 0];
}

/**
 * `drm_fb_helper_check_var` on a fixed-mode device: adjusts `v` in place (pixclock 0, virtual
 * size = the buffer, bpp = the format's, timings cleared, zero channels → the format's), or
 * throws EINVAL for anything larger than the buffer, an offset past it, grayscale, nonstd or
 * another pixel format.
 */
export function drmCheckVar(v: VarScreeninfo, current: VarScreeninfo, mode: FixedMode): void {
  v.pixclock = 0;
  const fits =
    v.bitsPerPixel <= mode.format.bpp &&
    v.xres <= mode.width &&
    v.yres <= mode.height &&
    v.xresVirtual <= mode.width &&
    v.yresVirtual <= mode.height;
  check(
    fits,
    'EINVAL',
    `requested ${v.xres}x${v.yres}-${v.bitsPerPixel} (virtual ${v.xresVirtual}x${v.yresVirtual}) ` +
      `does not fit ${mode.width}x${mode.height}-${mode.format.bpp}`,
  );
  fillFixedFields(v, current, mode);
  check(
    v.yoffset <= v.yresVirtual - v.yres && v.xoffset <= v.xresVirtual - v.xres,
    'EINVAL',
    `offset ${v.xoffset},${v.yoffset} beyond the virtual screen`,
  );
  check(v.grayscale === 0, 'EINVAL', 'grayscale / FOURCC is not supported');
  check(v.nonstd === 0, 'EINVAL', 'nonstd is not supported');
  // SDL 1.2 sends all channel fields zero: the kernel fills in the format's
  if (allChannelsZero(v)) fillPixelFormat(v, mode.format);
  check(pixelFormatEqual(v, current), 'EINVAL', 'the fbdev emulation cannot change the pixel format');
}

/**
 * The checks `fb_set_var` makes before the driver's check_var: at least 8×8 (bitfill assumes
 * it) and no u32 overflow of xres·yres or of the virtual product.
 */
export function checkVarGeneric(v: VarScreeninfo): void {
  check(v.xres >= 8 && v.yres >= 8, 'EINVAL', `resolution ${v.xres}x${v.yres} below 8x8`);
  check(
    v.xres * v.yres <= U32_MAX && v.xresVirtual * v.yresVirtual <= U32_MAX,
    'EINVAL',
    'resolution overflows u32',
  );
}

/** After check_var: the virtual resolution must cover the visible one. */
export function checkVirtualCovers(v: VarScreeninfo): void {
  check(v.xresVirtual >= v.xres && v.yresVirtual >= v.yres, 'EINVAL', 'virtual smaller than visible');
}

/** `fb_var_to_videomode` + `fb_mode_is_equal`: the timing part of two vars. */
export function sameVideoMode(a: VarScreeninfo, b: VarScreeninfo): boolean {
  return (
    a.xres === b.xres &&
    a.yres === b.yres &&
    a.pixclock === b.pixclock &&
    a.hsyncLen === b.hsyncLen &&
    a.vsyncLen === b.vsyncLen &&
    a.leftMargin === b.leftMargin &&
    a.rightMargin === b.rightMargin &&
    a.upperMargin === b.upperMargin &&
    a.lowerMargin === b.lowerMargin &&
    a.sync === b.sync &&
    (a.vmode & 0xff) === (b.vmode & 0xff)
  );
}
