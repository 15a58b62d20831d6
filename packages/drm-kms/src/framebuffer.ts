import { ARGB8888, FbSurface, type PixelFormat, RGB565, RGB888, XRGB8888 } from '@fbemu/drm-fb-helper';
import { check, type GemShmemObject, KernelError } from '@fbemu/gem-shmem';
import type { ModeObject } from './mode-object.js';
import { DRM_MODE_OBJECT_FB } from './uapi.js';

/** The pixel formats the primary plane scans out (fourcc → format), in the plane's format list order. */
export const PLANE_FORMATS: readonly PixelFormat[] = [XRGB8888, ARGB8888, RGB565, RGB888];

/** `drm_format_info` lookup among the formats fbemu supports; undefined for any other fourcc. */
export function formatByFourcc(code: number): PixelFormat | undefined {
  return PLANE_FORMATS.find((f) => f.code === code);
}

/**
 * `drm_driver_legacy_fb_format(bpp, depth)` for legacy ADDFB. Pairs the kernel knows but fbemu
 * does not scan out (8/8 C8, 16/15 XRGB1555, 32/30 XRGB2101010) are refused with EINVAL here.
 */
export function legacyFormat(bpp: number, depth: number): PixelFormat | undefined {
  if (bpp === 16 && depth === 16) return RGB565;
  if (bpp === 24 && depth === 24) return RGB888;
  if (bpp === 32 && depth === 24) return XRGB8888;
  if (bpp === 32 && depth === 32) return ARGB8888;
  return undefined;
}

/** Owner of framebuffers: the open file whose `fbs` list holds them (reaped on close). */
export interface FramebufferOwner {
  readonly fbs: DrmFramebuffer[];
}

/**
 * `struct drm_framebuffer` over one GEM-shmem object (`drm_gem_fb_create`, single plane). It
 * holds a reference on the object and a kernel mapping (vmap) of it, so the scanout can read the
 * pixels at any time and the object outlives the handle that named it.
 */
export class DrmFramebuffer implements ModeObject {
  readonly type = DRM_MODE_OBJECT_FB;
  id = 0;
  readonly surface: FbSurface;
  private live = true;

  constructor(
    readonly owner: FramebufferOwner,
    readonly object: GemShmemObject,
    readonly width: number,
    readonly height: number,
    readonly format: PixelFormat,
    readonly pitch: number,
    /** byte offset of pixel (0, 0) inside the object (offsets[0]) */
    readonly offset: number,
  ) {
    const bytes = object.vmap();
    try {
      this.surface = new FbSurface(bytes.subarray(offset), width, height, pitch, format);
      object.get();
    } catch (e) {
      object.vunmap();
      throw e;
    }
  }

  get alive(): boolean {
    return this.live;
  }

  /** The last reference went: unmap and drop the object reference. */
  destroy(): void {
    check(this.live, 'EINVAL', `framebuffer ${this.id} destroyed twice`);
    this.live = false;
    this.object.vunmap();
    this.object.put();
  }
}

/** Plane-0 checks of `framebuffer_check` + `drm_gem_fb_init_with_funcs` (size against the object). */
export function checkFramebufferLayout(
  format: PixelFormat,
  width: number,
  height: number,
  pitch: number,
  offset: number,
  objectSize?: number,
): void {
  const minPitch = width * format.cpp;
  if (minPitch > 0xffffffff) throw new KernelError('ERANGE', 'minimum pitch overflows u32');
  if (height * pitch + offset > 0xffffffff)
    throw new KernelError('ERANGE', 'height × pitch + offset overflows u32');
  check(pitch >= minPitch, 'EINVAL', `pitch ${pitch} < width × cpp ${minPitch}`);
  if (objectSize === undefined) return;
  const minSize = (height - 1) * pitch + minPitch + offset;
  check(objectSize >= minSize, 'EINVAL', `object of ${objectSize} bytes < ${minSize} the framebuffer needs`);
}
