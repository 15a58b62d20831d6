import { check, checkCount, checkObject } from './errors.js';
import type { PageGeometry } from './page.js';

/** A window of the fake-offset space, in pages (`drm_vma_offset_manager` init arguments). */
export interface OffsetWindow {
  readonly startPage: number;
  readonly pages: number;
}

/**
 * The window a 64-bit kernel uses: DRM_FILE_PAGE_OFFSET_START = (0xFFFFFFFF >> PAGE_SHIFT) + 1
 * (4 GiB with 4 KiB pages), size (0xFFFFFFFF >> PAGE_SHIFT) × 256 pages.
 */
export function kernelOffsetWindow(geometry: PageGeometry): OffsetWindow {
  const lastPageOf4G = Math.floor(0xffffffff / geometry.size);
  return { startPage: lastPageOf4G + 1, pages: lastPageOf4G * 256 };
}

/** One allocated range (`drm_vma_offset_node`): pages [start, start + pages). */
export interface OffsetNode<T> {
  readonly start: number;
  readonly pages: number;
  readonly owner: T;
}

/**
 * Fake mmap offsets (`drm_vma_offset_manager`): page-aligned, non-overlapping ranges kept sorted
 * by start, so lookups are binary searches, never scans. A range can be placed at an explicit
 * page (a "mount") or in the lowest gap that fits.
 */
export class VmaOffsetManager<T> {
  private readonly nodes: OffsetNode<T>[] = [];

  constructor(readonly window: OffsetWindow) {
    checkObject(window, 'offset window');
    checkCount(window.startPage, 'window start page');
    check(
      Number.isSafeInteger(window.pages) && window.pages > 0,
      'EINVAL',
      'window must hold at least one page',
    );
  }

  get size(): number {
    return this.nodes.length;
  }

  /** All nodes in ascending start order (a copy). */
  list(): OffsetNode<T>[] {
    return this.nodes.slice();
  }

  /** Allocates `pages` pages for `owner`: at page `at` if given (EINVAL outside the window, EBUSY on overlap), else first fit. */
  add(owner: T, pages: number, at?: number): OffsetNode<T> {
    check(
      Number.isSafeInteger(pages) && pages > 0,
      'EINVAL',
      `node size must be a positive page count, got ${pages}`,
    );
    const start = at === undefined ? this.findGap(pages) : this.checkPlacement(at, pages);
    const node: OffsetNode<T> = { start, pages, owner };
    this.nodes.splice(this.insertionIndex(start), 0, node);
    return node;
  }

  remove(node: OffsetNode<T>): void {
    checkObject(node, 'offset node');
    const i = this.insertionIndex(node.start) - 1;
    check(i >= 0 && this.nodes[i] === node, 'EINVAL', 'offset node is not allocated here');
    this.nodes.splice(i, 1);
  }

  /** The node containing `page`, or undefined. */
  lookup(page: number): OffsetNode<T> | undefined {
    const i = this.insertionIndex(page) - 1;
    const node = i >= 0 ? this.nodes[i] : undefined;
    return node && page < node.start + node.pages ? node : undefined;
  }

  /** `drm_vma_offset_exact_lookup_locked`: a node starting exactly at `page` and at least `pages` long. */
  exactLookup(page: number, pages: number): OffsetNode<T> | undefined {
    const node = this.lookup(page);
    return node && node.start === page && pages <= node.pages ? node : undefined;
  }

  /** Index of the first node whose start is > `page` (upper bound). */
  private insertionIndex(page: number): number {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.nodes[mid].start <= page) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private checkPlacement(at: number, pages: number): number {
    const { startPage, pages: windowPages } = this.window;
    check(Number.isSafeInteger(at), 'EINVAL', `offset page must be an integer, got ${at}`);
    check(
      at >= startPage && at + pages <= startPage + windowPages,
      'EINVAL',
      `pages [${at}, ${at + pages}) lie outside the offset window`,
    );
    const i = this.insertionIndex(at);
    const before = this.nodes[i - 1];
    const after = this.nodes[i];
    check(
      !before || before.start + before.pages <= at,
      'EBUSY',
      `page ${at} overlaps the range at page ${before?.start}`,
    );
    check(
      !after || at + pages <= after.start,
      'EBUSY',
      `pages [${at}, ${at + pages}) overlap the range at page ${after?.start}`,
    );
    return at;
  }

  private findGap(pages: number): number {
    let cursor = this.window.startPage;
    for (const node of this.nodes) {
      if (node.start - cursor >= pages) return cursor;
      cursor = Math.max(cursor, node.start + node.pages);
    }
    check(
      this.window.startPage + this.window.pages - cursor >= pages,
      'ENOSPC',
      `no gap of ${pages} pages left in the offset window`,
    );
    return cursor;
  }
}
