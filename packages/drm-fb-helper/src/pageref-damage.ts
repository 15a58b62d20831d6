import { check } from '@fbemu/gem-shmem';
import { type ClipGeometry, clipGeometry, memoryRangeToClip } from './clip.js';
import type { Region } from './region.js';

/**
 * How a writeback batch becomes damage:
 *  - `bbox`: the kernel's `drm_fb_helper_deferred_io` — one clip from the lowest to the highest
 *    dirty byte, so two small updates far apart flush everything between them;
 *  - `region`: one clip per run of contiguous dirty pages, merged into a multi-rect `Region`.
 */
export type ClipMode = 'bbox' | 'region';

/** All the converter reads of a pageref: its framebuffer byte offset (never `page.index`). */
export interface PagerefOffset {
  readonly offset: number;
}

/**
 * Pagerefs → damage clips for one framebuffer. Holds a page bitmap so an unsorted batch is
 * turned into runs in O(n + span) without sorting or allocating.
 */
export class PagerefDamage {
  readonly geometry: ClipGeometry;
  private readonly dirty: Uint8Array;

  constructor(
    geometry: ClipGeometry,
    readonly pageSize: number,
  ) {
    this.geometry = clipGeometry(geometry);
    check(Number.isSafeInteger(pageSize) && pageSize > 0, 'EINVAL', `bad page size ${pageSize}`);
    this.dirty = new Uint8Array(Math.ceil(this.geometry.total / pageSize));
  }

  /** Adds the damage of one batch to `out` in `mode`. Offsets past `total` are ignored. */
  damage(pagerefs: readonly PagerefOffset[], sorted: boolean, mode: ClipMode, out: Region): void {
    if (mode === 'bbox') this.bbox(pagerefs, out);
    else if (sorted) this.sortedRuns(pagerefs, out);
    else this.bitmapRuns(pagerefs, out);
  }

  /** `drm_fb_helper_deferred_io`: min..max of the batch (end clamped to `total`), one clip. */
  private bbox(pagerefs: readonly PagerefOffset[], out: Region): void {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (let i = 0; i < pagerefs.length; i++) {
      const off = pagerefs[i].offset;
      if (off < min) min = off;
      if (off + this.pageSize > max) max = off + this.pageSize;
    }
    this.addRange(min, max, out);
  }

  /** Ascending offsets: a run ends where the next page does not follow the previous one. */
  private sortedRuns(pagerefs: readonly PagerefOffset[], out: Region): void {
    let start = -1;
    let end = -1;
    for (let i = 0; i < pagerefs.length; i++) {
      const off = pagerefs[i].offset;
      if (off >= start && off < end) continue;
      if (off !== end) {
        this.addRange(start, end, out);
        start = off;
      }
      end = off + this.pageSize;
    }
    this.addRange(start, end, out);
  }

  /** First-dirtied order: mark pages in the bitmap, then walk it between the lowest and highest page. */
  private bitmapRuns(pagerefs: readonly PagerefOffset[], out: Region): void {
    const pages = this.dirty.length;
    let lo = pages;
    let hi = -1;
    for (let i = 0; i < pagerefs.length; i++) {
      const p = Math.floor(pagerefs[i].offset / this.pageSize);
      if (p >= pages) continue;
      this.dirty[p] = 1;
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
    let runStart = -1;
    for (let p = lo; p <= hi + 1; p++) {
      const set = p <= hi && this.dirty[p] === 1;
      if (set && runStart < 0) runStart = p;
      if (!set && runStart >= 0) {
        this.addRange(runStart * this.pageSize, p * this.pageSize, out);
        runStart = -1;
      }
      if (p <= hi) this.dirty[p] = 0;
    }
  }

  private addRange(start: number, end: number, out: Region): void {
    const stop = Math.min(end, this.geometry.total);
    if (!(start < stop)) return;
    out.addRect(memoryRangeToClip(this.geometry, start, stop - start));
  }
}
