import { check, KernelError } from '@fbemu/gem-shmem';
import type { KData } from './kdata.js';
import {
  DRM_DISPLAY_MODE_LEN,
  DRM_MODE_FLAG_3D_MASK,
  DRM_MODE_FLAG_3D_MAX,
  DRM_MODE_FLAG_ALL,
  DRM_MODE_FLAG_NVSYNC,
  DRM_MODE_FLAG_PHSYNC,
  DRM_MODE_FLAG_PIC_AR_MASK,
  DRM_MODE_TYPE_ALL,
  DRM_MODE_TYPE_DRIVER,
  DRM_MODE_TYPE_PREFERRED,
  STRUCTS,
} from './uapi.js';

/** `struct drm_display_mode` as user space sees it (`drm_mode_modeinfo`). */
export interface DisplayMode {
  readonly clock: number;
  readonly hdisplay: number;
  readonly hsyncStart: number;
  readonly hsyncEnd: number;
  readonly htotal: number;
  readonly hskew: number;
  readonly vdisplay: number;
  readonly vsyncStart: number;
  readonly vsyncEnd: number;
  readonly vtotal: number;
  readonly vscan: number;
  readonly flags: number;
  readonly type: number;
  readonly name: string;
}

const INTERLACE = 1 << 4;
const DBLSCAN = 1 << 5;

/** `drm_mode_vrefresh`: refresh in Hz from the clock (kHz) and totals, rounded to nearest. */
export function modeVrefresh(m: DisplayMode): number {
  if (m.htotal === 0 || m.vtotal === 0) return 0;
  let num = m.clock * 1000;
  let den = m.htotal * m.vtotal;
  if (m.flags & INTERLACE) num *= 2;
  if (m.flags & DBLSCAN) den *= 2;
  if (m.vscan > 1) den *= m.vscan;
  return Math.floor((num + Math.floor(den / 2)) / den);
}

/**
 * A driver mode for a `width × height` output at `refresh` Hz: fixed small blanking (like the
 * reduced-blanking timings virtual drivers use); clock in kHz chosen so the refresh rounds exactly.
 */
export function outputMode(width: number, height: number, refresh = 60, preferred = true): DisplayMode {
  for (const [v, what] of [
    [width, 'width'],
    [height, 'height'],
    [refresh, 'refresh'],
  ] as const) {
    check(Number.isSafeInteger(v) && v > 0 && v <= 0xffff - 200, 'EINVAL', `mode ${what} ${v} out of range`);
  }
  const htotal = width + 160;
  const vtotal = height + 23;
  return Object.freeze({
    clock: Math.round((htotal * vtotal * refresh) / 1000),
    hdisplay: width,
    hsyncStart: width + 48,
    hsyncEnd: width + 80,
    htotal,
    hskew: 0,
    vdisplay: height,
    vsyncStart: height + 3,
    vsyncEnd: height + 9,
    vtotal,
    vscan: 0,
    flags: DRM_MODE_FLAG_PHSYNC | DRM_MODE_FLAG_NVSYNC,
    type: DRM_MODE_TYPE_DRIVER | (preferred ? DRM_MODE_TYPE_PREFERRED : 0),
    name: `${width}x${height}`,
  });
}

const M = STRUCTS.drm_mode_modeinfo.fields;

/** `drm_mode_convert_to_umode` into `k` at `off` (aspect ratio "none": no PIC_AR bits). */
export function writeModeinfo(k: KData, off: number, m: DisplayMode): void {
  k.setU32(off + M.clock, m.clock);
  k.setU16(off + M.hdisplay, m.hdisplay);
  k.setU16(off + M.hsync_start, m.hsyncStart);
  k.setU16(off + M.hsync_end, m.hsyncEnd);
  k.setU16(off + M.htotal, m.htotal);
  k.setU16(off + M.hskew, m.hskew);
  k.setU16(off + M.vdisplay, m.vdisplay);
  k.setU16(off + M.vsync_start, m.vsyncStart);
  k.setU16(off + M.vsync_end, m.vsyncEnd);
  k.setU16(off + M.vtotal, m.vtotal);
  k.setU16(off + M.vscan, m.vscan);
  k.setU32(off + M.vrefresh, modeVrefresh(m));
  k.setU32(off + M.flags, m.flags);
  k.setU32(off + M.type, m.type);
  k.setString(off + M.name, DRM_DISPLAY_MODE_LEN, m.name);
}

/**
 * `drm_mode_convert_umode` + `drm_mode_validate_driver`: ERANGE for a clock or vrefresh above
 * INT_MAX; EINVAL for unknown flags, an aspect ratio, bad timings, or a size beyond the limits.
 */
export function readModeinfo(
  k: KData,
  off: number,
  limits: { maxWidth: number; maxHeight: number; aspectRatioAllowed: boolean },
): DisplayMode {
  const flags = k.u32(off + M.flags);
  const aspect = (flags & DRM_MODE_FLAG_PIC_AR_MASK) >>> 19;
  check(limits.aspectRatioAllowed || aspect === 0, 'EINVAL', 'aspect-ratio flags without the client cap');
  const clock = k.u32(off + M.clock);
  if (clock > 0x7fffffff || k.u32(off + M.vrefresh) > 0x7fffffff)
    throw new KernelError('ERANGE', 'mode clock or vrefresh above INT_MAX');
  check(aspect <= 4, 'EINVAL', `unknown picture aspect ratio ${aspect}`);
  const m: DisplayMode = Object.freeze({
    clock,
    hdisplay: k.u16(off + M.hdisplay),
    hsyncStart: k.u16(off + M.hsync_start),
    hsyncEnd: k.u16(off + M.hsync_end),
    htotal: k.u16(off + M.htotal),
    hskew: k.u16(off + M.hskew),
    vdisplay: k.u16(off + M.vdisplay),
    vsyncStart: k.u16(off + M.vsync_start),
    vsyncEnd: k.u16(off + M.vsync_end),
    vtotal: k.u16(off + M.vtotal),
    vscan: k.u16(off + M.vscan),
    flags: flags & ~DRM_MODE_FLAG_PIC_AR_MASK,
    type: k.u32(off + M.type) & DRM_MODE_TYPE_ALL,
    name: k.string(off + M.name, DRM_DISPLAY_MODE_LEN),
  });
  check((m.flags & ~DRM_MODE_FLAG_ALL) === 0, 'EINVAL', `unknown mode flags 0x${m.flags.toString(16)}`);
  check((m.flags & DRM_MODE_FLAG_3D_MASK) <= DRM_MODE_FLAG_3D_MAX, 'EINVAL', 'bad 3D mode flags');
  check(m.clock > 0, 'EINVAL', 'mode clock is 0');
  check(
    m.hdisplay > 0 && m.hsyncStart >= m.hdisplay && m.hsyncEnd >= m.hsyncStart && m.htotal >= m.hsyncEnd,
    'EINVAL',
    'illegal horizontal timings',
  );
  check(
    m.vdisplay > 0 && m.vsyncStart >= m.vdisplay && m.vsyncEnd >= m.vsyncStart && m.vtotal >= m.vsyncEnd,
    'EINVAL',
    'illegal vertical timings',
  );
  check(
    m.hdisplay <= limits.maxWidth && m.vdisplay <= limits.maxHeight,
    'EINVAL',
    'mode larger than the device allows',
  );
  return m;
}
