import type { SharedMemory, SharedMemoryAllocator } from '@fbemu/chrdev';
import {
  type ClipMode,
  type Damage,
  DRM_FBDEV_DELAY_MS,
  DrmFbHelper,
  FbSurface,
  formatForBpp,
  type PixelFormat,
} from '@fbemu/drm-fb-helper';
import type { FbDeferredIoFactory, FbInfo } from '@fbemu/fbdev-defio';
import { check, DEFAULT_PAGE_GEOMETRY, dumbLayout, KernelError } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';

/** The mode of one /dev/fbN (what `drm_fbdev_*_driver_fbdev_probe` is asked for). */
export interface FbmemModeOptions {
  /** visible resolution: the display mode (xres × yres at creation) */
  width: number;
  height: number;
  /** 16, 24 or 32 (default 32) */
  bpp?: number;
  /** 32 with bpp 32 gives ARGB8888, else XRGB8888 */
  depth?: number;
  /** the buffer (xres_virtual × yres_virtual) for panning; default the visible size */
  virtualWidth?: number;
  virtualHeight?: number;
  /** defio delay in ms (default 50, the DRM helpers' HZ/20) */
  delay?: number;
  /** `region` (default) or the kernel's `bbox` */
  clipMode?: ClipMode;
  maxRects?: number;
  /**
   * false: process mappings are served untracked (plain shared memory, no damage from their
   * stores) — the baseline a benchmark compares tracking with. Default true.
   */
  track?: boolean;
  /** `fb->funcs->dirty`, called per damage run */
  dirty?: (damage: Damage) => void;
}

/**
 * The DRM device an fbdev emulation is a client of (`drm_fbdev_shmem` registered by a DRM driver):
 * what `drm_fb_helper`'s fb_ops ask of it.
 */
export interface FbdevDrmDevice {
  /** a DRM master holds the device (`drm_master_internal_acquire` fails): pan, setcmap, WAITFORVSYNC are EBUSY */
  readonly masterHeld: boolean;
  /** `drm_client_modeset_commit`: the fbdev's mode and framebuffer on the CRTC again, at the pan offset */
  restore(): void;
}

/** What the device is built on: process-mappable memory, defio and the DRM fbdev helper over it. */
export interface FbmemBackend {
  readonly memory: SharedMemory;
  readonly helper: DrmFbHelper;
  readonly format: PixelFormat;
  /** the display mode size (what the CRTC scans out from the pan offset) */
  readonly modeWidth: number;
  readonly modeHeight: number;
  /** the DRM device whose fbdev emulation this is; absent: a standalone fbdev */
  readonly drm?: FbdevDrmDevice;
}

function positive(n: number | undefined, what: string): number {
  check(Number.isSafeInteger(n) && (n as number) > 0, 'EINVAL', `${what} must be a positive integer`);
  return n as number;
}

interface Layout {
  xres: number;
  yres: number;
  vw: number;
  vh: number;
  format: PixelFormat;
  clip: ClipMode;
  /** line_length: a dumb buffer's pitch, ceil(width·bpp/8) */
  pitch: number;
  /** screen_size = pitch × yres_virtual */
  smemLen: number;
}

/** Validates the options (EINVAL) and lays the buffer out. */
function layout(o: FbmemModeOptions): Layout {
  check(typeof o === 'object' && o !== null, 'EINVAL', 'mode options missing');
  const xres = positive(o.width, 'width');
  const yres = positive(o.height, 'height');
  const vw = positive(o.virtualWidth ?? xres, 'virtualWidth');
  const vh = positive(o.virtualHeight ?? yres, 'virtualHeight');
  check(vw >= xres && vh >= yres, 'EINVAL', 'virtual resolution smaller than the visible one');
  const clip = o.clipMode ?? 'region';
  check(clip === 'region' || clip === 'bbox', 'EINVAL', `clipMode ${String(clip)}`);
  check(o.dirty === undefined || typeof o.dirty === 'function', 'EINVAL', 'dirty must be a function');
  const format = formatForBpp(o.bpp ?? 32, o.depth);
  const { pitch } = dumbLayout({ width: vw, height: vh, bpp: format.bpp }, DEFAULT_PAGE_GEOMETRY);
  return { xres, yres, vw, vh, format, clip, pitch, smemLen: pitch * vh };
}

/**
 * Builds the framebuffer like `drm_fbdev_shmem` does (no shadow: /dev/fbN maps the buffer the
 * display reads, damage needs no copy), but over memory from the injected allocator so a real
 * process can map it.
 */
export function createFbmemBackend(
  o: FbmemModeOptions,
  allocate: SharedMemoryAllocator,
  defioFactory: FbDeferredIoFactory,
  scheduler: SchedulerLike,
): FbmemBackend {
  const l = layout(o);
  const geometry = DEFAULT_PAGE_GEOMETRY;
  const memory = allocate(geometry.align(l.smemLen));
  const short = memory.buffer.byteLength < geometry.align(l.smemLen);
  check(!short, 'ENOMEM', 'allocator returned too little memory');
  const info: FbInfo = {
    fix: { smemLen: l.smemLen, lineLength: l.pitch },
    var: {
      xres: l.xres,
      yres: l.yres,
      xresVirtual: l.vw,
      yresVirtual: l.vh,
      xoffset: 0,
      yoffset: 0,
      bitsPerPixel: l.format.bpp,
    },
    screenBuffer: memory.buffer,
  };
  const defio = defioFactory(info, { delay: o.delay ?? DRM_FBDEV_DELAY_MS, pageGeometry: geometry });
  try {
    const surface = new FbSurface(new Uint8Array(memory.buffer), l.vw, l.vh, l.pitch, l.format);
    const helper = new DrmFbHelper({
      ...{ info, defio, scheduler, screen: surface, bo: surface, mode: l.clip },
      ...{ maxRects: o.maxRects, pageSize: geometry.size, dirty: o.dirty, release: () => {} },
    });
    return { memory, helper, format: l.format, modeWidth: l.xres, modeHeight: l.yres };
  } catch (e) {
    defio.cleanup();
    throw e;
  }
}

/**
 * A backend over an fbdev emulation built elsewhere: a shadow-less `DrmFbHelper` over a GEM-shmem
 * object of a DRM device (`drm_fbdev_shmem`), `memory` the process-mappable store of that object
 * (its byte 0 is /dev/fbN offset 0), `drm` the device. EINVAL unless the helper draws straight
 * into `memory` from its start.
 */
export function fbmemBackendOf(
  helper: DrmFbHelper,
  memory: SharedMemory,
  drm?: FbdevDrmDevice,
): FbmemBackend {
  const { bo, screen, info } = helper;
  check(screen === bo, 'EINVAL', 'a shadowed fbdev cannot be mapped: its process pages are not the scanout');
  check(
    bo.bytes.buffer === memory.buffer && bo.bytes.byteOffset === 0,
    'EINVAL',
    'memory is not the fbdev buffer',
  );
  const modeWidth = info.var.xres;
  const modeHeight = info.var.yres;
  return { memory, helper, format: bo.format, modeWidth, modeHeight, drm };
}

/** The default allocator: plain shared memory no process can map (fd −1), for tests and demos. */
export const plainSharedMemory: SharedMemoryAllocator = (bytes) => {
  try {
    return { buffer: new SharedArrayBuffer(bytes), fd: -1 };
  } catch {
    throw new KernelError('ENOMEM', `cannot allocate ${bytes} bytes`);
  }
};
