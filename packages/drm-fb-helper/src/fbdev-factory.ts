import {
  FB_DEFERRED_IO_FACTORY,
  type FbDeferredIoApi,
  type FbDeferredIoFactory,
  type FbInfo,
  type GetPage,
  SCHEDULER,
} from '@fbemu/fbdev-defio';
import { check, GEM_DEVICE, type GemDevice, type GemShmemObject } from '@fbemu/gem-shmem';
import { inject, injectable } from 'inversify';
import type { SchedulerLike } from 'rxjs';
import { DrmFbHelper } from './fb-helper.js';
import { formatForBpp, type PixelFormat } from './format.js';
import { FbSurface } from './surface.js';
import type { DrmFbdevFactoryApi, FbdevSetupOptions } from './tokens.js';

/** The DRM fbdev helpers' defio delay: HZ / 20 jiffies. */
export const DRM_FBDEV_DELAY_MS = 50;

interface Resolution {
  xres: number;
  yres: number;
  xresVirtual: number;
  yresVirtual: number;
  bpp: number;
  format: PixelFormat;
}

function resolution(o: FbdevSetupOptions): Resolution {
  check(typeof o === 'object' && o !== null, 'EINVAL', 'fbdev setup options missing');
  const xres = o.width;
  const yres = o.height;
  const xresVirtual = o.virtualWidth ?? xres;
  const yresVirtual = o.virtualHeight ?? yres;
  for (const n of [xres, yres, xresVirtual, yresVirtual]) {
    check(
      Number.isSafeInteger(n) && n > 0,
      'EINVAL',
      `resolution values must be positive integers, got ${n}`,
    );
  }
  check(
    xresVirtual >= xres && yresVirtual >= yres,
    'EINVAL',
    'virtual resolution smaller than the visible one',
  );
  check(
    o.clipMode === undefined || o.clipMode === 'bbox' || o.clipMode === 'region',
    'EINVAL',
    `clipMode ${o.clipMode}`,
  );
  check(o.shadow === undefined || typeof o.shadow === 'boolean', 'EINVAL', 'shadow must be a boolean');
  check(o.dirty === undefined || typeof o.dirty === 'function', 'EINVAL', 'dirty must be a function');
  const bpp = o.bpp ?? 32;
  return { xres, yres, xresVirtual, yresVirtual, bpp, format: formatForBpp(bpp, o.depth) };
}

/**
 * Builds fbdev emulations over GEM dumb buffers of the container's `GemDevice`:
 *  - shadow-less (`drm_fbdev_shmem`): the buffer is vmapped (which pins its pages), /dev/fb's
 *    defio `getPage` hook returns the GEM object's pages, smem_len = pitch × rows (screen_size);
 *  - with shadow (generic/ttm): /dev/fb maps a separate page-aligned buffer of the GEM object's
 *    size, and damage runs copy damaged rows into the vmapped GEM object.
 */
@injectable()
export class DrmFbdevFactory implements DrmFbdevFactoryApi {
  constructor(
    @inject(GEM_DEVICE) private readonly device: GemDevice,
    @inject(FB_DEFERRED_IO_FACTORY) private readonly defioFactory: FbDeferredIoFactory,
    @inject(SCHEDULER) private readonly scheduler: SchedulerLike,
  ) {}

  create(options: FbdevSetupOptions): DrmFbHelper {
    const res = resolution(options);
    const file = this.device.open();
    let handle: number | undefined;
    let object: GemShmemObject | undefined;
    const undo = () => {
      if (object) object.vunmap();
      if (handle !== undefined) this.device.destroyDumb(file, handle);
      this.device.closeFile(file);
    };
    try {
      const dumb = this.device.dumbCreate(
        file,
        { width: res.xresVirtual, height: res.yresVirtual, bpp: res.bpp },
        options.gemOffset,
      );
      handle = dumb.handle;
      const obj = this.device.lookup(file, handle);
      const vaddr = obj.vmap();
      object = obj;
      return this.assemble(options, res, obj, vaddr, dumb.pitch, undo);
    } catch (e) {
      undo();
      throw e;
    }
  }

  private assemble(
    o: FbdevSetupOptions,
    res: Resolution,
    object: GemShmemObject,
    vaddr: Uint8Array,
    pitch: number,
    release: () => void,
  ): DrmFbHelper {
    const shadow = o.shadow === true;
    const geometry = this.device.geometry;
    // shmem: screen_size (not page aligned); ttm: the whole page-aligned GEM object
    const smemLen = shadow ? object.size : pitch * res.yresVirtual;
    const screenBuffer = shadow ? new SharedArrayBuffer(geometry.align(smemLen)) : undefined;
    const info: FbInfo = {
      fix: { smemLen, lineLength: pitch },
      var: {
        xres: res.xres,
        yres: res.yres,
        xresVirtual: res.xresVirtual,
        yresVirtual: res.yresVirtual,
        xoffset: 0,
        yoffset: 0,
        bitsPerPixel: res.bpp,
      },
      screenBuffer,
    };
    const defio = this.defioFactory(info, {
      delay: o.delay ?? DRM_FBDEV_DELAY_MS,
      sortPagereflist: o.sortPagereflist,
      pageGeometry: geometry,
      getPage: shadow ? undefined : gemGetPage(object),
    });
    const surface = (bytes: Uint8Array) =>
      new FbSurface(bytes, res.xresVirtual, res.yresVirtual, pitch, res.format);
    const bo = surface(vaddr);
    try {
      return this.helper(
        o,
        info,
        defio,
        bo,
        screenBuffer ? surface(new Uint8Array(screenBuffer)) : bo,
        release,
      );
    } catch (e) {
      defio.cleanup();
      throw e;
    }
  }

  private helper(
    o: FbdevSetupOptions,
    info: FbInfo,
    defio: FbDeferredIoApi,
    bo: FbSurface,
    screen: FbSurface,
    release: () => void,
  ): DrmFbHelper {
    return new DrmFbHelper({
      info,
      defio,
      screen,
      bo,
      scheduler: this.scheduler,
      mode: o.clipMode ?? 'region',
      maxRects: o.maxRects,
      pageSize: this.device.geometry.size,
      dirty: o.dirty,
      release,
    });
  }
}

/**
 * `drm_fbdev_shmem_get_page`: framebuffer byte `offset` → the GEM object's page there. The kernel
 * tests `offset > size` (off by one, harmless behind the defio fault check); this tests `>=`.
 */
export function gemGetPage(object: GemShmemObject): GetPage {
  const pageSize = object.geometry.size;
  return (offset) =>
    offset >= 0 && offset < object.size ? object.page(Math.floor(offset / pageSize)) : undefined;
}
