import { check } from './errors.js';
import type { PageGeometry } from './page.js';

/** Bits per pixel a dumb buffer may have (the legacy fbdev depths plus sub-byte ones). */
export const DUMB_BPPS: readonly number[] = [1, 2, 4, 8, 16, 24, 32];

export interface DumbCreateArgs {
  width: number;
  height: number;
  bpp: number;
}

export interface DumbLayout {
  pitch: number;
  size: number;
}

const U32_MAX = 0xffffffff;

function positiveInt(n: unknown, what: string): asserts n is number {
  check(
    typeof n === 'number' && Number.isSafeInteger(n) && n > 0,
    'EINVAL',
    `dumb buffer ${what} must be a positive integer, got ${String(n)}`,
  );
}

/**
 * `drm_mode_create_dumb` + `drm_gem_shmem_dumb_create` sizing: pitch = ceil(width·bpp/8),
 * size = PAGE_ALIGN(pitch·height); EINVAL for zero, negative, non-integer, unsupported bpp,
 * or anything that overflows the kernel's u32 fields.
 */
export function dumbLayout(args: DumbCreateArgs, geometry: PageGeometry): DumbLayout {
  check(typeof args === 'object' && args !== null, 'EINVAL', 'dumb create needs { width, height, bpp }');
  positiveInt(args.width, 'width');
  positiveInt(args.height, 'height');
  positiveInt(args.bpp, 'bpp');
  check(
    DUMB_BPPS.includes(args.bpp),
    'EINVAL',
    `unsupported bpp ${args.bpp} (supported: ${DUMB_BPPS.join(', ')})`,
  );
  const pitch = Math.ceil((args.width * args.bpp) / 8);
  check(pitch <= U32_MAX, 'EINVAL', `pitch ${pitch} overflows u32`);
  const bytes = pitch * args.height;
  check(bytes <= U32_MAX, 'EINVAL', `size ${bytes} overflows u32`);
  const size = geometry.align(bytes);
  check(size <= U32_MAX, 'EINVAL', `page-aligned size ${size} overflows u32`);
  return { pitch, size };
}
