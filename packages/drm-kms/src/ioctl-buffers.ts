import { Region } from '@fbemu/drm-fb-helper';
import { check } from '@fbemu/gem-shmem';
import { checkFramebufferLayout, type DrmFramebuffer, formatByFourcc, legacyFormat } from './framebuffer.js';
import type { IoctlContext } from './ioctl-context.js';
import { copyFromUser } from './kdata.js';
import {
  DRM_MODE_FB_DIRTY_ANNOTATE_COPY,
  DRM_MODE_FB_DIRTY_FLAGS,
  DRM_MODE_FB_DIRTY_MAX_CLIPS,
  DRM_MODE_FB_INTERLACED,
  DRM_MODE_FB_MODIFIERS,
  DRM_MODE_OBJECT_FB,
  STRUCTS,
} from './uapi.js';

const U32_MAX = 0xffffffff;
const CD = STRUCTS.drm_mode_create_dumb.fields;

/**
 * DRM_IOCTL_MODE_CREATE_DUMB (`drm_mode_create_dumb` + the shmem helper): the core's zero and
 * u32-overflow checks, then gem-shmem's layout (pitch = ceil(width·bpp/8), size page aligned).
 * On failure handle, pitch and size read back as 0.
 */
export function createDumb(c: IoctlContext): void {
  const width = c.k.u32(CD.width);
  const height = c.k.u32(CD.height);
  const bpp = c.k.u32(CD.bpp);
  try {
    check(
      width !== 0 && height !== 0 && bpp !== 0,
      'EINVAL',
      'dumb buffer width, height and bpp must be non-zero',
    );
    check(bpp <= U32_MAX - 8, 'EINVAL', 'bpp overflows');
    const cpp = Math.ceil(bpp / 8);
    check(cpp <= Math.floor(U32_MAX / width), 'EINVAL', 'width × cpp overflows u32');
    check(height <= Math.floor(U32_MAX / (cpp * width)), 'EINVAL', 'height × stride overflows u32');
    c.k.setU32(CD.handle, 0);
    c.k.setU32(CD.pitch, 0);
    c.k.setU64(CD.size, 0);
    const { handle, pitch, size } = c.dev.gem.dumbCreate(c.file.gem, { width, height, bpp });
    c.k.setU32(CD.handle, handle);
    c.k.setU32(CD.pitch, pitch);
    c.k.setU64(CD.size, size);
  } catch (e) {
    c.k.setU32(CD.handle, 0);
    c.k.setU32(CD.pitch, 0);
    c.k.setU64(CD.size, 0);
    throw e;
  }
}

const MD = STRUCTS.drm_mode_map_dumb.fields;

/** DRM_IOCTL_MODE_MAP_DUMB: the object's fake offset; ENOENT for a handle of no object here (offset 0 then). */
export function mapDumb(c: IoctlContext): void {
  try {
    c.k.setU64(MD.offset, c.dev.gem.mapDumb(c.file.gem, c.k.u32(MD.handle)));
  } catch (e) {
    c.k.setU64(MD.offset, 0);
    throw e;
  }
}

/** DRM_IOCTL_MODE_DESTROY_DUMB: drops the handle (EINVAL if unknown); framebuffers keep the object. */
export function destroyDumb(c: IoctlContext): void {
  c.dev.gem.destroyDumb(c.file.gem, c.k.u32(STRUCTS.drm_mode_destroy_dumb.fields.handle));
}

const F2 = STRUCTS.drm_mode_fb_cmd2.fields;

/**
 * DRM_IOCTL_MODE_ADDFB2 (`drm_internal_framebuffer_create` + `framebuffer_check` +
 * `drm_gem_fb_create`): flags, size limits, format, modifiers (refused: this driver reports
 * `fb_modifiers_not_supported`), the unused planes 1–3, pitch and object size, handle lookup.
 */
export function addFb2(c: IoctlContext): void {
  const { k } = c;
  const flags = k.u32(F2.flags);
  check(
    (flags & ~(DRM_MODE_FB_INTERLACED | DRM_MODE_FB_MODIFIERS)) === 0,
    'EINVAL',
    `bad fb flags 0x${flags.toString(16)}`,
  );
  const width = k.u32(F2.width);
  const height = k.u32(F2.height);
  const { config } = c.dev;
  check(width >= config.minWidth && width <= config.maxWidth, 'EINVAL', `bad framebuffer width ${width}`);
  check(
    height >= config.minHeight && height <= config.maxHeight,
    'EINVAL',
    `bad framebuffer height ${height}`,
  );
  check((flags & DRM_MODE_FB_MODIFIERS) === 0, 'EINVAL', 'the driver does not support fb modifiers');
  const format = formatByFourcc(k.u32(F2.pixel_format));
  check(format !== undefined, 'EINVAL', `unsupported pixel format 0x${k.u32(F2.pixel_format).toString(16)}`);
  const handle = k.u32(F2.handles);
  const pitch = k.u32(F2.pitches);
  const offset = k.u32(F2.offsets);
  check(handle !== 0, 'EINVAL', 'no buffer object handle for plane 0');
  checkFramebufferLayout(format, width, height, pitch, offset);
  check(k.u64(F2.modifier) === 0n, 'EINVAL', 'modifier without DRM_MODE_FB_MODIFIERS');
  for (let i = 1; i < 4; i++)
    check(k.u64(F2.modifier + 8 * i) === 0n, 'EINVAL', `modifier for unused plane ${i}`);
  const object = c.dev.gem.lookup(c.file.gem, handle);
  checkFramebufferLayout(format, width, height, pitch, offset, object.size);
  const fb = c.dev.addFramebuffer(c.file, object, width, height, format, pitch, offset);
  k.setU32(F2.fb_id, fb.id);
}

const F1 = STRUCTS.drm_mode_fb_cmd.fields;

/** DRM_IOCTL_MODE_ADDFB: legacy bpp/depth → fourcc (`drm_driver_legacy_fb_format`), then ADDFB2's checks. */
export function addFb(c: IoctlContext): void {
  const { k } = c;
  const format = legacyFormat(k.u32(F1.bpp), k.u32(F1.depth));
  check(format !== undefined, 'EINVAL', `bad bpp ${k.u32(F1.bpp)} / depth ${k.u32(F1.depth)}`);
  const width = k.u32(F1.width);
  const height = k.u32(F1.height);
  const { config } = c.dev;
  check(width >= config.minWidth && width <= config.maxWidth, 'EINVAL', `bad framebuffer width ${width}`);
  check(
    height >= config.minHeight && height <= config.maxHeight,
    'EINVAL',
    `bad framebuffer height ${height}`,
  );
  const handle = k.u32(F1.handle);
  const pitch = k.u32(F1.pitch);
  check(handle !== 0, 'EINVAL', 'no buffer object handle');
  checkFramebufferLayout(format, width, height, pitch, 0);
  const object = c.dev.gem.lookup(c.file.gem, handle);
  checkFramebufferLayout(format, width, height, pitch, 0, object.size);
  const fb = c.dev.addFramebuffer(c.file, object, width, height, format, pitch, 0);
  k.setU32(F1.fb_id, fb.id);
}

/**
 * DRM_IOCTL_MODE_RMFB (`drm_mode_rmfb`): ENOENT for an unknown id and for another file's
 * framebuffer; a framebuffer being scanned out turns its CRTC off first.
 */
export function rmFb(c: IoctlContext): void {
  const id = c.k.u32(0);
  const fb = c.dev.find<DrmFramebuffer>(id, DRM_MODE_OBJECT_FB);
  check(c.file.fbs.includes(fb), 'ENOENT', `framebuffer ${id} does not belong to this file`);
  c.dev.removeFramebuffer(fb);
}

const GF = STRUCTS.drm_mode_fb_cmd.fields;

/**
 * DRM_IOCTL_MODE_GETFB (`drm_mode_getfb`): size, depth, bpp, pitch; a new handle to the object
 * for the current master (or a privileged caller), 0 for anyone else.
 */
export function getFb(c: IoctlContext): void {
  const fb = c.dev.find<DrmFramebuffer>(c.k.u32(GF.fb_id), DRM_MODE_OBJECT_FB);
  c.k.setU32(GF.height, fb.height);
  c.k.setU32(GF.width, fb.width);
  c.k.setU32(GF.depth, fb.format.depth);
  c.k.setU32(GF.bpp, fb.format.bpp);
  c.k.setU32(GF.pitch, fb.pitch);
  c.k.setU32(GF.handle, handleForGetFb(c, fb));
}

/** A new handle to the fb's object for the current master or a privileged caller, 0 for others. */
function handleForGetFb(c: IoctlContext, fb: DrmFramebuffer): number {
  const allowed = c.dev.isCurrentMaster(c.file) || c.dev.privileged;
  return allowed ? c.dev.gem.handleCreate(c.file.gem, fb.object) : 0;
}

const G2 = STRUCTS.drm_mode_fb_cmd2.fields;

/**
 * DRM_IOCTL_MODE_GETFB2 (`drm_mode_getfb2_ioctl`): size, fourcc, plane 0's pitch and offset, and
 * a handle as GETFB gives one; the other planes are zeroed. No modifiers: the device does not
 * support them (GET_CAP ADDFB2_MODIFIERS is 0), so `flags` and `modifier[]` are 0.
 */
export function getFb2(c: IoctlContext): void {
  const fb = c.dev.find<DrmFramebuffer>(c.k.u32(G2.fb_id), DRM_MODE_OBJECT_FB);
  c.k.setU32(G2.width, fb.width);
  c.k.setU32(G2.height, fb.height);
  c.k.setU32(G2.pixel_format, fb.format.code);
  c.k.setU32(G2.flags, 0);
  for (let i = 0; i < 4; i++) {
    c.k.setU32(G2.handles + 4 * i, 0);
    c.k.setU32(G2.pitches + 4 * i, 0);
    c.k.setU32(G2.offsets + 4 * i, 0);
    c.k.setU64(G2.modifier + 8 * i, 0n);
  }
  c.k.setU32(G2.pitches, fb.pitch);
  c.k.setU32(G2.offsets, fb.offset);
  c.k.setU32(G2.handles, handleForGetFb(c, fb));
}

const D = STRUCTS.drm_mode_fb_dirty_cmd.fields;
const CLIP = STRUCTS.drm_clip_rect;

/**
 * DRM_IOCTL_MODE_DIRTYFB (`drm_mode_dirtyfb_ioctl` + `drm_atomic_helper_dirtyfb`): clips and
 * pointer must come together (EINVAL), ANNOTATE_COPY needs pairs (only the first of each pair
 * counts), at most 256 clips, EFAULT on an unreadable clip array. No clips = the whole plane.
 * A framebuffer that is not scanned out takes the call and shows nothing.
 */
export function dirtyFb(c: IoctlContext): void {
  const { k } = c;
  const fb = c.dev.find<DrmFramebuffer>(k.u32(D.fb_id), DRM_MODE_OBJECT_FB);
  const numClips = k.i32(D.num_clips);
  const ptr = k.ptr(D.clips_ptr);
  check(!numClips === !ptr, 'EINVAL', 'num_clips and clips_ptr must both be set or both be 0');
  const flags = k.u32(D.flags) & DRM_MODE_FB_DIRTY_FLAGS;
  const copy = (flags & DRM_MODE_FB_DIRTY_ANNOTATE_COPY) !== 0;
  check(!copy || numClips % 2 === 0, 'EINVAL', 'ANNOTATE_COPY needs clips in pairs');
  let region: Region | undefined;
  if (numClips) {
    check(
      numClips > 0 && numClips <= DRM_MODE_FB_DIRTY_MAX_CLIPS,
      'EINVAL',
      `num_clips ${numClips} out of range`,
    );
    const raw = copyFromUser(c.mem, ptr, numClips * CLIP.sizeof);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    region = new Region(c.dev.scanout.maxRects);
    for (let i = 0; i < numClips; i += copy ? 2 : 1) {
      const o = i * CLIP.sizeof;
      const x1 = view.getUint16(o + CLIP.fields.x1, true);
      const y1 = view.getUint16(o + CLIP.fields.y1, true);
      const x2 = view.getUint16(o + CLIP.fields.x2, true);
      const y2 = view.getUint16(o + CLIP.fields.y2, true);
      region.addXyxy(x1, y1, x2, y2);
    }
    // every clip empty or inverted: the commit carries damage that iterates to nothing
    if (region.isEmpty()) return;
  }
  c.dev.scanout.damage(fb, region, 'dirtyfb');
}
