import { check, KernelError } from '@fbemu/gem-shmem';
import { type DisplayMode, readModeinfo } from './display-mode.js';
import type { DrmFramebuffer } from './framebuffer.js';
import type { IoctlContext } from './ioctl-context.js';
import { getU32 } from './kdata.js';
import type { DrmConnector, DrmCrtc } from './mode-config.js';
import {
  DRM_MODE_CURSOR_BO,
  DRM_MODE_CURSOR_FLAGS,
  DRM_MODE_CURSOR_MOVE,
  DRM_MODE_OBJECT_CONNECTOR,
  DRM_MODE_OBJECT_CRTC,
  DRM_MODE_OBJECT_FB,
  DRM_MODE_PAGE_FLIP_ASYNC,
  DRM_MODE_PAGE_FLIP_EVENT,
  DRM_MODE_PAGE_FLIP_FLAGS,
  DRM_MODE_PAGE_FLIP_TARGET,
  STRUCTS,
} from './uapi.js';

/** `drm_crtc_check_viewport`: the mode's hdisplay × vdisplay at (x, y) must lie inside the fb (ENOSPC). */
export function checkViewport(x: number, y: number, mode: DisplayMode, fb: DrmFramebuffer): void {
  const ok =
    mode.hdisplay <= fb.width &&
    x <= fb.width - mode.hdisplay &&
    mode.vdisplay <= fb.height &&
    y <= fb.height - mode.vdisplay;
  check(ok, 'ENOSPC', `${mode.hdisplay}x${mode.vdisplay}+${x}+${y} does not fit fb ${fb.width}x${fb.height}`);
}

const CR = STRUCTS.drm_mode_crtc.fields;

/**
 * DRM_IOCTL_MODE_SETCRTC (`drm_mode_setcrtc`, legacy helper path): ERANGE for x/y beyond 16
 * bits; ENOENT for unknown CRTC, fb or connector; fb_id −1 reuses the current fb (EINVAL if
 * none); mode errors from `readModeinfo`; ENOSPC if the mode does not fit the fb; EINVAL for a
 * mode without connectors or connectors without mode, or more connectors than exist; EFAULT on
 * an unreadable connector array. mode_valid 0 turns the CRTC off. Nothing changes on error.
 */
export function setCrtc(c: IoctlContext): void {
  const { k, dev } = c;
  const x = k.u32(CR.x);
  const y = k.u32(CR.y);
  if (x & 0xffff0000 || y & 0xffff0000) throw new KernelError('ERANGE', 'x/y beyond 16.16 fixed point');
  const crtc = dev.find<DrmCrtc>(k.u32(CR.crtc_id), DRM_MODE_OBJECT_CRTC);
  let fb: DrmFramebuffer | undefined;
  let mode: DisplayMode | undefined;
  if (k.u32(CR.mode_valid)) {
    const fbId = k.u32(CR.fb_id);
    if (fbId === 0xffffffff) {
      fb = crtc.primary.fb;
      check(fb !== undefined, 'EINVAL', 'CRTC has no current fb');
    } else {
      fb = dev.find<DrmFramebuffer>(fbId, DRM_MODE_OBJECT_FB);
    }
    mode = readModeinfo(k, CR.mode, {
      maxWidth: dev.config.maxWidth,
      maxHeight: dev.config.maxHeight,
      aspectRatioAllowed: c.file.aspectRatioAllowed,
    });
    check(crtc.primary.formats.includes(fb.format.code), 'EINVAL', 'plane cannot scan out this format');
    checkViewport(x, y, mode, fb);
  }
  const count = k.u32(CR.count_connectors);
  check(!(count === 0 && mode), 'EINVAL', 'a mode needs connectors');
  check(!(count > 0 && (!mode || !fb)), 'EINVAL', 'connectors need a mode and an fb');
  check(
    count <= dev.config.connectors.length,
    'EINVAL',
    `count_connectors ${count} > ${dev.config.connectors.length}`,
  );
  const ptr = k.ptr(CR.set_connectors_ptr);
  const connectors: DrmConnector[] = [];
  for (let i = 0; i < count; i++)
    connectors.push(dev.find<DrmConnector>(getU32(c.mem, ptr, i), DRM_MODE_OBJECT_CONNECTOR));
  if (mode && fb) dev.modeset(crtc, mode, fb, x, y);
  else dev.crtcOff(crtc);
}

const PF = STRUCTS.drm_mode_crtc_page_flip_target.fields;

/**
 * DRM_IOCTL_MODE_PAGE_FLIP (`drm_mode_page_flip_ioctl`, no flip-target support, no async
 * flips): EINVAL for unknown flags, a sequence or target flags, ASYNC; ENOENT for unknown CRTC
 * or fb; EBUSY when the CRTC shows nothing or a flip is still pending; ENOSPC if the fb is too
 * small for the mode; EINVAL for a different pixel format. With DRM_MODE_PAGE_FLIP_EVENT the
 * file gets a `drm_event_vblank` when the compositor has shown the new buffer.
 */
export function pageFlip(c: IoctlContext): void {
  const { k, dev } = c;
  const flags = k.u32(PF.flags);
  check(
    (flags & ~DRM_MODE_PAGE_FLIP_FLAGS) === 0,
    'EINVAL',
    `unknown page flip flags 0x${flags.toString(16)}`,
  );
  check(
    k.u32(PF.sequence) === 0 || (flags & DRM_MODE_PAGE_FLIP_TARGET) !== 0,
    'EINVAL',
    'sequence without a target flag',
  );
  check((flags & DRM_MODE_PAGE_FLIP_TARGET) !== DRM_MODE_PAGE_FLIP_TARGET, 'EINVAL', 'both target flags');
  check((flags & DRM_MODE_PAGE_FLIP_ASYNC) === 0, 'EINVAL', 'async page flips are not supported');
  const crtc = dev.find<DrmCrtc>(k.u32(PF.crtc_id), DRM_MODE_OBJECT_CRTC);
  check((flags & DRM_MODE_PAGE_FLIP_TARGET) === 0, 'EINVAL', 'page flip targets are not supported');
  const old = crtc.primary.fb;
  check(old !== undefined && crtc.mode !== undefined, 'EBUSY', 'the CRTC has no framebuffer');
  const fb = dev.find<DrmFramebuffer>(k.u32(PF.fb_id), DRM_MODE_OBJECT_FB);
  checkViewport(crtc.x, crtc.y, crtc.mode, fb);
  check(old.format.code === fb.format.code, 'EINVAL', 'a page flip may not change the pixel format');
  check(!dev.scanout.flipPending, 'EBUSY', 'a page flip is still pending');
  dev.pageFlip(c.file, crtc, fb, flags & DRM_MODE_PAGE_FLIP_EVENT ? k.u64(PF.user_data) : undefined);
}

const CU = STRUCTS.drm_mode_cursor.fields;

/**
 * DRM_IOCTL_MODE_CURSOR / CURSOR2 (`drm_mode_cursor_common`) on a CRTC without cursor support:
 * EINVAL for no or unknown flags, ENOENT for an unknown CRTC, ENXIO to set a cursor image,
 * EFAULT to move one (the kernel's answer when the driver has no cursor_move).
 */
export function cursor(c: IoctlContext): void {
  const flags = c.k.u32(CU.flags);
  check(
    flags !== 0 && (flags & ~DRM_MODE_CURSOR_FLAGS) === 0,
    'EINVAL',
    `bad cursor flags 0x${flags.toString(16)}`,
  );
  c.dev.find<DrmCrtc>(c.k.u32(CU.crtc_id), DRM_MODE_OBJECT_CRTC);
  if (flags & DRM_MODE_CURSOR_BO) throw new KernelError('ENXIO', 'no hardware cursor');
  if (flags & DRM_MODE_CURSOR_MOVE) throw new KernelError('EFAULT', 'no hardware cursor to move');
}

const LUT = STRUCTS.drm_mode_crtc_lut.fields;

/** DRM_IOCTL_MODE_GETGAMMA: the CRTC has no gamma table (gamma_size 0): any other size is EINVAL. */
export function getGamma(c: IoctlContext): void {
  const crtc = c.dev.find<DrmCrtc>(c.k.u32(LUT.crtc_id), DRM_MODE_OBJECT_CRTC);
  check(c.k.u32(LUT.gamma_size) === crtc.gammaSize, 'EINVAL', 'gamma_size does not match the CRTC');
}

/** DRM_IOCTL_MODE_SETGAMMA: ENOSYS, the CRTC has no legacy gamma (modetest takes that as "no gamma"). */
export function setGamma(c: IoctlContext): void {
  c.dev.find<DrmCrtc>(c.k.u32(LUT.crtc_id), DRM_MODE_OBJECT_CRTC);
  throw new KernelError('ENOSYS', 'the CRTC has no gamma table');
}
