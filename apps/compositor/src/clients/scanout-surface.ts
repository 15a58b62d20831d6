import { FbSurface } from '@fbemu/drm-fb-helper';
import type { FbScanout } from '@fbemu/fbmem';

/**
 * The surface a CRTC scans out of an fbdev: the mode-sized rect at the pan offset, or black
 * while the device is blanked (FBIOBLANK above FB_BLANK_UNBLANK turns the display off).
 */
export function scanoutSurface(s: FbScanout, black: () => Uint8Array): FbSurface {
  const bytes = new Uint8Array(s.memory.buffer);
  if (s.blank !== 0) return new FbSurface(black(), s.width, s.height, s.pitch, s.format);
  const start = s.yoffset * s.pitch + s.xoffset * s.format.cpp;
  return new FbSurface(bytes.subarray(start), s.width, s.height, s.pitch, s.format);
}
