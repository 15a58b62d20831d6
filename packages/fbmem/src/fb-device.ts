import type { SharedMemory } from '@fbemu/chrdev';
import type { Damage, DrmFbHelper, PixelFormat } from '@fbemu/drm-fb-helper';
import { check } from '@fbemu/gem-shmem';
import { BehaviorSubject, type Observable } from 'rxjs';
import {
  checkVarGeneric,
  checkVirtualCovers,
  drmCheckVar,
  type FixedMode,
  fillPixelFormat,
  sameVideoMode,
} from './check-var.js';
import { FbCmap } from './cmap.js';
import { type DefioMappingAttacher, mappingAttacherFor } from './defio-mapping.js';
import type { FbdevDrmDevice, FbmemBackend, FbmemModeOptions } from './framebuffer.js';
import {
  cloneVar,
  emptyVar,
  encodeFix,
  encodeVar,
  FB_ACCEL_NONE,
  FB_ACTIVATE_FORCE,
  FB_ACTIVATE_INV_MODE,
  FB_ACTIVATE_KD_TEXT,
  FB_ACTIVATE_MASK,
  FB_ACTIVATE_NOW,
  FB_BLANK_POWERDOWN,
  FB_BLANK_UNBLANK,
  FB_TYPE_PACKED_PIXELS,
  FB_VISUAL_TRUECOLOR,
  FB_VMODE_YWRAP,
  type FixScreeninfo,
  type VarScreeninfo,
  varEquals,
} from './uapi.js';

/** What a compositor needs to make a plane of the device: memory, layout, pan offset, blank. */
export interface FbScanout {
  /** the framebuffer memory (byte 0 = /dev/fbN offset 0) */
  readonly memory: SharedMemory;
  readonly format: PixelFormat;
  /** bytes per row (line_length) */
  readonly pitch: number;
  /** the whole buffer (xres_virtual × yres_virtual) */
  readonly bufferWidth: number;
  readonly bufferHeight: number;
  /** the display mode: the size shown from (xoffset, yoffset) */
  readonly width: number;
  readonly height: number;
  readonly xoffset: number;
  readonly yoffset: number;
  /** FB_BLANK_* level; anything but FB_BLANK_UNBLANK shows nothing */
  readonly blank: number;
}

/** Device naming and the physical size it reports. */
export interface FbmemIdentity {
  /** fix.id (at most 15 characters); the DRM fbdev reports "<driver>drmfb" */
  id?: string;
  /** var.width / var.height: picture size in mm (0 = unknown) */
  widthMm?: number;
  heightMm?: number;
}

/**
 * One framebuffer (`struct fb_info` + the DRM fbdev's fb_ops): the uapi var/fix screeninfo,
 * mode setting as `fb_set_var` + `drm_fb_helper_check_var` do it on a fixed-mode device,
 * panning, the colour map, blanking; the memory and damage for the compositor.
 */
export class FbmemDevice {
  readonly helper: DrmFbHelper;
  readonly memory: SharedMemory;
  readonly mode: FixedMode;
  readonly fix: Readonly<FixScreeninfo>;
  readonly cmap = new FbCmap();
  readonly attacher: DefioMappingAttacher;
  /** whether process mappings join the deferred-I/O core (`FbmemModeOptions.track`) */
  readonly tracked: boolean;
  readonly damage$: Observable<Damage>;
  readonly scanout$: Observable<FbScanout>;
  /** the DRM device whose fbdev emulation this is (`FbmemBackend.drm`) */
  readonly drm: FbdevDrmDevice | undefined;
  private current: VarScreeninfo;
  /** FBIOGET_VSCREENINFO's answer, encoded once per change (programs ask once per frame) */
  private encodedVar: Uint8Array;
  /** FBIOGET_FSCREENINFO's answer (fix never changes) */
  readonly fixBytes: Uint8Array;
  private blankLevel = FB_BLANK_UNBLANK;
  private readonly scanoutState: BehaviorSubject<FbScanout>;
  private destroyed = false;

  constructor(backend: FbmemBackend, identity: FbmemIdentity & Pick<FbmemModeOptions, 'track'> = {}) {
    const { helper, format } = backend;
    this.helper = helper;
    this.memory = backend.memory;
    const info = helper.info;
    this.mode = { width: info.var.xresVirtual, height: info.var.yresVirtual, format };
    this.fix = Object.freeze(
      fixScreeninfo(identity.id ?? 'fbemudrmfb', info.fix.smemLen, info.fix.lineLength),
    );
    this.current = initialVar(backend, identity);
    this.encodedVar = encodeVar(this.current);
    this.fixBytes = encodeFix(this.fix);
    this.attacher = mappingAttacherFor(helper.defio);
    this.tracked = identity.track ?? true;
    this.drm = backend.drm;
    this.damage$ = helper.damage$;
    this.scanoutState = new BehaviorSubject(this.snapshot());
    this.scanout$ = this.scanoutState.asObservable();
  }

  /** info->var as FBIOGET_VSCREENINFO reads it (a copy) */
  get var(): VarScreeninfo {
    return cloneVar(this.current);
  }

  /** info->var in the uapi layout (160 bytes); a new array after every change, never written to */
  get varBytes(): Uint8Array {
    return this.encodedVar;
  }

  get blank(): number {
    return this.blankLevel;
  }

  get scanout(): FbScanout {
    return this.scanoutState.value;
  }

  get live(): boolean {
    return !this.destroyed;
  }

  /**
   * FBIOPUT_VSCREENINFO (`fb_set_var`): returns the var to copy back. INV_MODE deletes a mode
   * (EINVAL for the current one); an identical var without FORCE is a no-op; otherwise the
   * generic checks and `drm_fb_helper_check_var` adjust or refuse it; only FB_ACTIVATE_NOW
   * stores it. The display mode never changes (set_par restores the fbdev mode).
   */
  putVar(request: VarScreeninfo): VarScreeninfo {
    this.assertLive();
    const v = cloneVar(request);
    v.activate = (v.activate & ~FB_ACTIVATE_KD_TEXT) >>> 0;
    if (v.activate & FB_ACTIVATE_INV_MODE) {
      check(!sameVideoMode(v, this.current), 'EINVAL', 'cannot delete the current video mode');
      return v;
    }
    if (!(v.activate & FB_ACTIVATE_FORCE) && varEquals(this.current, v)) return v;
    checkVarGeneric(v);
    drmCheckVar(v, this.current, this.mode);
    checkVirtualCovers(v);
    if ((v.activate & FB_ACTIVATE_MASK) !== FB_ACTIVATE_NOW) return v;
    this.current = cloneVar(v);
    // set_par (drm_fb_helper_set_par) commits the fbdev mode unless a DRM master holds the device
    if (this.drm && !this.drm.masterHeld) this.drm.restore();
    // fb_set_var pans to the new offsets and ignores the result
    try {
      this.driverPan(v.xoffset, v.yoffset);
    } catch {}
    this.publish();
    return v;
  }

  /**
   * FBIOPAN_DISPLAY (`fb_pan_display` → `drm_fb_helper_pan_display`): EINVAL for offsets not on
   * the pan step, YWRAP (ywrapstep is 0) or past the virtual screen; EBUSY while a DRM master
   * holds the device; the shown rows follow (on a DRM device: the CRTC shows the fbdev again).
   */
  panDisplay(request: VarScreeninfo): void {
    this.assertLive();
    const v = this.current;
    const ywrap = (request.vmode & FB_VMODE_YWRAP) !== 0;
    check(!(ywrap && request.yoffset > 0), 'EINVAL', 'ywrap is not supported (ywrapstep 0)');
    check(
      request.yoffset <= v.yresVirtual - v.yres && request.xoffset <= v.xresVirtual - v.xres,
      'EINVAL',
      `pan ${request.xoffset},${request.yoffset} beyond the virtual screen`,
    );
    this.checkNoMaster();
    this.driverPan(request.xoffset, request.yoffset);
    this.drm?.restore();
    v.xoffset = request.xoffset;
    v.yoffset = request.yoffset;
    v.vmode = (ywrap ? v.vmode | FB_VMODE_YWRAP : v.vmode & ~FB_VMODE_YWRAP) >>> 0;
    this.publish();
  }

  /** FBIOBLANK (`fb_blank` → `drm_fb_helper_blank`): levels 0–4, anything else EINVAL. */
  setBlank(level: number): void {
    this.assertLive();
    check(Number.isInteger(level) && level >= 0 && level <= FB_BLANK_POWERDOWN, 'EINVAL', `blank ${level}`);
    this.blankLevel = level;
    this.publish();
  }

  /** unregister_framebuffer: flush, then every file operation answers ENODEV. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.helper.destroy();
    this.scanoutState.complete();
  }

  /** `drm_master_internal_acquire` in drm_fb_helper's fb_ops: EBUSY while a DRM master holds the device. */
  checkNoMaster(): void {
    check(!this.drm?.masterHeld, 'EBUSY', 'a DRM master holds the device');
  }

  assertLive(): void {
    check(!this.destroyed, 'ENODEV', 'the framebuffer was unregistered');
  }

  /**
   * The CRTC shows the mode's size from the pan offset: a source rect outside the buffer fails
   * the atomic check with ENOSPC (`drm_framebuffer_check_src_coords`), even when fb_pan_display
   * allowed it because a smaller xres/yres was set.
   */
  private driverPan(x: number, y: number): void {
    const { width, height } = this.mode;
    const info = this.helper.info.var;
    check(x + info.xres <= width && y + info.yres <= height, 'ENOSPC', 'plane source outside the buffer');
    this.helper.pan(x, y);
  }

  private publish(): void {
    this.encodedVar = encodeVar(this.current);
    this.scanoutState.next(this.snapshot());
  }

  private snapshot(): FbScanout {
    const info = this.helper.info;
    return Object.freeze({
      memory: this.memory,
      format: this.mode.format,
      pitch: info.fix.lineLength,
      bufferWidth: this.mode.width,
      bufferHeight: this.mode.height,
      width: info.var.xres,
      height: info.var.yres,
      xoffset: info.var.xoffset,
      yoffset: info.var.yoffset,
      blank: this.blankLevel,
    });
  }
}

/** `drm_fb_helper_fill_fix` with smem_start hidden (0), as the shmem fbdev reports it. */
function fixScreeninfo(id: string, smemLen: number, lineLength: number): FixScreeninfo {
  return {
    id,
    smemStart: 0,
    smemLen,
    type: FB_TYPE_PACKED_PIXELS,
    typeAux: 0,
    visual: FB_VISUAL_TRUECOLOR,
    xpanstep: 1,
    ypanstep: 1,
    ywrapstep: 0,
    lineLength,
    mmioStart: 0,
    mmioLen: 0,
    accel: FB_ACCEL_NONE,
    capabilities: 0,
    reserved: [0, 0],
  };
}

/** `drm_fb_helper_fill_var`: buffer size as virtual, the format's channels, activate NOW. */
function initialVar(backend: FbmemBackend, identity: FbmemIdentity): VarScreeninfo {
  const info = backend.helper.info.var;
  const v = emptyVar();
  v.xres = backend.modeWidth;
  v.yres = backend.modeHeight;
  v.xresVirtual = info.xresVirtual;
  v.yresVirtual = info.yresVirtual;
  v.bitsPerPixel = backend.format.bpp;
  v.width = identity.widthMm ?? 0;
  v.height = identity.heightMm ?? 0;
  v.activate = FB_ACTIVATE_NOW;
  fillPixelFormat(v, backend.format);
  return v;
}
