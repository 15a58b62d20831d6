import { check } from './errors.js';

/** The kernel's default page size; fbemu devices may use 16 KiB or 64 KiB as well. */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

/** Page sizes Linux runs with (4 KiB, 16 KiB and 64 KiB): 16 KiB exposes upstream clip bugs. */
export const SUPPORTED_PAGE_SIZES: readonly number[] = [4096, 16384, 65536];

/** Page size and shift of one device; every page computation of a device goes through it. */
export class PageGeometry {
  readonly shift: number;
  readonly mask: number;

  constructor(readonly size: number = PAGE_SIZE) {
    check(
      SUPPORTED_PAGE_SIZES.includes(size),
      'EINVAL',
      `page size ${size} is not one of ${SUPPORTED_PAGE_SIZES.join(', ')}`,
    );
    this.shift = Math.log2(size);
    this.mask = size - 1;
  }

  /** PAGE_ALIGN: rounds a byte count up to a whole number of pages. */
  align(bytes: number): number {
    return Math.ceil(bytes / this.size) * this.size;
  }

  /** DIV_ROUND_UP(bytes, PAGE_SIZE) */
  pages(bytes: number): number {
    return Math.ceil(bytes / this.size);
  }

  isAligned(bytes: number): boolean {
    return bytes % this.size === 0;
  }

  /** Byte offset → page number (floor). Division, not `>>`: offsets exceed 2^32. */
  pageOf(offset: number): number {
    return Math.floor(offset / this.size);
  }
}

export const DEFAULT_PAGE_GEOMETRY = new PageGeometry(PAGE_SIZE);

/**
 * The `struct page` stand-in: one page of backing memory in a `SharedArrayBuffer`.
 *
 * `index` is what the kernel keeps in `page->index`: the page offset *in the mapping the page
 * was last faulted through* (the file's pgoff). It differs from the page's position inside its
 * object whenever the object is mapped at a non-zero offset, so nothing that needs the
 * framebuffer position may read it; use the pageref's `offset` instead (design rule 1).
 */
export class Page {
  /** pgoff of the last fault that mapped this page; -1 before any fault */
  index = -1;
  /** view on this page only */
  readonly bytes: Uint8Array;

  constructor(
    readonly memory: SharedArrayBuffer,
    /** byte offset of this page inside `memory` */
    readonly byteOffset: number,
    readonly size: number,
    /** position of this page inside the object or buffer that owns it */
    readonly number: number,
  ) {
    this.bytes = new Uint8Array(memory, byteOffset, size);
  }
}
