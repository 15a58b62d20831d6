import { convertRectToRgba8888, FbSurface, XRGB8888 } from '@fbemu/drm-fb-helper';
import { check } from '@fbemu/gem-shmem';
import type { FrameSource } from './tokens.js';

/** RFB carries sizes and coordinates as U16, which also bounds what a PNG output is asked to write. */
export const MAX_FRAME_DIMENSION = 0xffff;

/** EINVAL unless `fb` describes a non-empty XRGB8888 frame that fits its pixel array. */
export function checkFrame(fb: FrameSource): void {
  const { width, height, stride, pixels } = fb;
  const dim = (n: number) => Number.isSafeInteger(n) && n >= 1 && n <= MAX_FRAME_DIMENSION;
  check(
    dim(width) && dim(height),
    'EINVAL',
    `frame size ${width}x${height} must be 1..${MAX_FRAME_DIMENSION}`,
  );
  check(
    Number.isSafeInteger(stride) && stride >= width,
    'EINVAL',
    `stride ${stride} is below width ${width}`,
  );
  check(pixels instanceof Uint32Array, 'EINVAL', 'frame pixels must be a Uint32Array of XRGB8888 words');
  check(
    pixels.length >= stride * (height - 1) + width,
    'EINVAL',
    `${pixels.length} pixels cannot hold ${width}x${height} at stride ${stride}`,
  );
}

/** The visible pixels of `fb` as RGBA8888 bytes, rows packed (what PNG encoders and pixelmatch take). */
export function frameToRgba(
  fb: FrameSource,
  out: Uint8Array = new Uint8Array(fb.width * fb.height * 4),
): Uint8Array {
  const bytes = new Uint8Array(fb.pixels.buffer, fb.pixels.byteOffset, fb.pixels.byteLength);
  const surface = new FbSurface(bytes, fb.width, fb.height, fb.stride * 4, XRGB8888);
  convertRectToRgba8888(surface, surface.bounds, out, fb.width * 4);
  return out;
}
