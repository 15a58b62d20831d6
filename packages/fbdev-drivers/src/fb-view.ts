import {
  type ClipGeometry,
  clipGeometry,
  FbSurface,
  formatForBpp,
  memoryRangeToClip,
  Rect,
} from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import { check } from '@fbemu/gem-shmem';
import type { DirtyPages } from './dirty-pages.js';

/**
 * What a driver reads of its framebuffer: the live bytes (one view over the pages, which lie
 * contiguously in one SharedArrayBuffer), the visible surface, and drm-fb-helper's clip
 * geometry so byte ranges become rows with the same (fixed) math as the DRM damage path.
 */
export interface FbView {
  readonly bytes: Uint8Array;
  readonly surface: FbSurface;
  readonly clip: ClipGeometry;
  readonly pageSize: number;
  readonly smemLen: number;
}

export function fbView(fb: FbDeferredIoApi): FbView {
  const { fix, var: v } = fb.info;
  const first = fb.pagerefs[0];
  check(first !== undefined, 'EINVAL', 'framebuffer has no pages');
  const bytes = new Uint8Array(first.page.memory, first.page.byteOffset, fix.smemLen);
  const format = formatForBpp(v.bitsPerPixel);
  const surface = new FbSurface(bytes, v.xres, v.yres, fix.lineLength, format);
  const clip = clipGeometry({
    lineLength: fix.lineLength,
    bitsPerPixel: v.bitsPerPixel,
    width: v.xres,
    height: v.yres,
    total: fix.smemLen,
  });
  return { bytes, surface, clip, pageSize: first.page.size, smemLen: fix.smemLen };
}

/** Runs of dirty pages → their damage clips (one per run, drm_fb_helper_memory_range_to_clip). */
export function forEachDirtyClip(view: FbView, dirty: DirtyPages, fn: (clip: Rect) => void): void {
  dirty.forEachRun((off, len) => {
    const r = memoryRangeToClip(view.clip, off, len);
    if (!r.isEmpty()) fn(r);
  });
}

/** The bounding box of every dirty clip (what xen-fbfront and hyperv_fb send). */
export function dirtyBounds(view: FbView, dirty: DirtyPages): Rect {
  let box = Rect.EMPTY;
  forEachDirtyClip(view, dirty, (r) => {
    box = box.union(r);
  });
  return box;
}
