import { check } from '@fbemu/gem-shmem';
import { type ClipGeometry, clipGeometry, memoryRangeToClip, memoryRangeToClips } from './clip.js';
import { Region } from './region.js';

/**
 * How a writeback batch becomes damage:
 *  - `bbox`: the kernel's `drm_fb_helper_deferred_io` — one clip from the lowest to the highest
 *    dirty byte, so two small updates far apart flush everything between them;
 *  - `region`: one clip per run of contiguous dirty pages (two when the run covers exactly two
 *    rows, see `memoryRangeToClips`), merged into a multi-rect `Region`.
 */
export type ClipMode = 'bbox' | 'region';

/** All the converter reads of a pageref: its framebuffer byte offset (never `page.index`). */
export interface PagerefOffset {
  readonly offset: number;
}

/**
 * Pagerefs → damage clips for one framebuffer. Runs of contiguous pages are collected first
 * (sorted batches in one pass; unsorted ones through a page bitmap, O(n + span), no sorting),
 * then turned into clips. Region mode tries the tight shape first (two-row runs split, see
 * `memoryRangeToClips`); if that would overflow the rect cap it falls back to one full-width
 * band per run, and only if that overflows too does the region become its bounding box.
 */
export class PagerefDamage {
  readonly geometry: ClipGeometry;
  private readonly dirty: Uint8Array;
  /** run i covers bytes [runs[2i], runs[2i+1]) */
  private readonly runs: Float64Array;
  private scratch: Region | undefined;

  constructor(
    geometry: ClipGeometry,
    readonly pageSize: number,
  ) {
    this.geometry = clipGeometry(geometry);
    check(Number.isSafeInteger(pageSize) && pageSize > 0, 'EINVAL', `bad page size ${pageSize}`);
    this.dirty = new Uint8Array(Math.ceil(this.geometry.total / pageSize));
    this.runs = new Float64Array(2 * (Math.ceil(this.dirty.length / 2) + 1));
  }

  /** Adds the damage of one batch to `out` in `mode`. Offsets past `total` are ignored. */
  damage(pagerefs: readonly PagerefOffset[], sorted: boolean, mode: ClipMode, out: Region): void {
    check(
      Array.isArray(pagerefs) && out instanceof Region,
      'EINVAL',
      'damage needs a pageref array and a Region',
    );
    check(mode === 'bbox' || mode === 'region', 'EINVAL', `clip mode ${String(mode)}`);
    if (mode === 'bbox') {
      this.bbox(pagerefs, out);
      return;
    }
    const n = sorted ? this.sortedRuns(pagerefs) : this.bitmapRuns(pagerefs);
    if (this.scratch?.maxRects !== out.maxRects) this.scratch = new Region(out.maxRects);
    const scratch = this.scratch.clear();
    this.emitRuns(n, scratch, true);
    if (scratch.overflowed) this.emitRuns(n, scratch.clear(), false);
    out.union(scratch);
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
    const stop = Math.min(max, this.geometry.total);
    if (min < stop) out.addRect(memoryRangeToClip(this.geometry, min, stop - min));
  }

  /** Ascending offsets: a run ends where the next page does not follow the previous one. */
  private sortedRuns(pagerefs: readonly PagerefOffset[]): number {
    let n = 0;
    let end = -1;
    for (let i = 0; i < pagerefs.length; i++) {
      const off = pagerefs[i].offset;
      if (off >= this.geometry.total || (n > 0 && off < end)) continue;
      if (off !== end) this.runs[2 * n++] = off;
      end = off + this.pageSize;
      this.runs[2 * n - 1] = end;
    }
    return n;
  }

  /** First-dirtied order: mark pages in the bitmap, then walk it between the lowest and highest page. */
  private bitmapRuns(pagerefs: readonly PagerefOffset[]): number {
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
    let n = 0;
    let runStart = -1;
    for (let p = lo; p <= hi + 1; p++) {
      const set = p <= hi && this.dirty[p] === 1;
      if (set && runStart < 0) runStart = p;
      if (!set && runStart >= 0) {
        this.runs[2 * n] = runStart * this.pageSize;
        this.runs[2 * n++ + 1] = p * this.pageSize;
        runStart = -1;
      }
      if (p <= hi) this.dirty[p] = 0;
    }
    return n;
  }

  private emitRuns(n: number, out: Region, tight: boolean): void {
    for (let i = 0; i < n; i++) {
      const start = this.runs[2 * i];
      const stop = Math.min(this.runs[2 * i + 1], this.geometry.total);
      if (start >= stop) continue;
      if (tight) memoryRangeToClips(this.geometry, start, stop - start, out);
      else out.addRect(memoryRangeToClip(this.geometry, start, stop - start));
      if (tight && out.overflowed) return;
    }
  }
}
