import type { Damage } from './damage-worker.js';
import type { DrmFbHelper } from './fb-helper.js';
import type { ClipMode } from './pageref-damage.js';

/** Options of one fbdev emulation over a GEM dumb buffer (`drm_fbdev_*_driver_fbdev_probe`). */
export interface FbdevSetupOptions {
  /** visible resolution (xres × yres) */
  width: number;
  height: number;
  /** 16, 24 or 32 (default 32) */
  bpp?: number;
  /** 32 with bpp 32 gives ARGB8888, else XRGB8888 */
  depth?: number;
  /** virtual resolution (xres_virtual × yres_virtual) for panning; default the visible one */
  virtualWidth?: number;
  virtualHeight?: number;
  /**
   * false (default): `drm_fbdev_shmem` — /dev/fb maps the GEM object's own pages through the
   * defio `getPage` hook, no copy. true: the generic/ttm flavour — clients draw into a shadow
   * buffer and the damage worker copies damaged rows into the GEM object.
   */
  shadow?: boolean;
  /** `region` (default): multi-rect damage; `bbox`: the kernel's single bounding box */
  clipMode?: ClipMode;
  /** rect cap of the damage region (default 16) */
  maxRects?: number;
  /** defio delay in ms (default 50, the DRM helpers' HZ/20) */
  delay?: number;
  /** hand pagerefs over sorted (sort_pagereflist); damage is the same either way */
  sortPagereflist?: boolean;
  /** mount the dumb buffer at this GEM fake offset (bytes, page aligned) instead of a chosen one */
  gemOffset?: number;
  /** `fb->funcs->dirty`: called per damage run with the visible damage; throwing retries later */
  dirty?: (damage: Damage) => void;
}

/** Creates fbdev emulations on the container's GEM device (the fbdev client's probe). */
export interface DrmFbdevFactoryApi {
  create(options: FbdevSetupOptions): DrmFbHelper;
}

/** Token of the `DrmFbdevFactoryApi` (bound by `drmFbHelperModule`). */
export const DRM_FBDEV_FACTORY: unique symbol = Symbol.for('fbemu.DrmFbdevFactory');
