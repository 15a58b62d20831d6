import { check } from '@fbemu/gem-shmem';

/**
 * A set of dirty framebuffer pages, keyed by byte offset (`pageref.offset`, never `page.index`),
 * one byte per page with the lowest/highest set page kept so walks skip the clean ends. Runs come
 * out in ascending offset order whatever order pages were added in (the O(n) sort of a bitmap).
 */
export class DirtyPages {
  readonly bits: Uint8Array;
  private lo: number;
  private hi = -1;
  count = 0;

  constructor(
    readonly pageSize: number,
    /** bytes of the framebuffer (smem_len): runs are clamped to it */
    readonly total: number,
  ) {
    check(Number.isSafeInteger(pageSize) && pageSize > 0, 'EINVAL', `page size ${pageSize}`);
    check(Number.isSafeInteger(total) && total > 0, 'EINVAL', `framebuffer length ${total}`);
    this.bits = new Uint8Array(Math.ceil(total / pageSize));
    this.lo = this.bits.length;
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  /** Marks the page holding byte `offset`; offsets past the framebuffer are ignored. */
  addOffset(offset: number): void {
    this.addPage(Math.floor(offset / this.pageSize));
  }

  addPage(page: number): void {
    if (!(page >= 0 && page < this.bits.length) || this.bits[page] === 1) return;
    this.bits[page] = 1;
    this.count++;
    if (page < this.lo) this.lo = page;
    if (page > this.hi) this.hi = page;
  }

  addAll(): void {
    for (let p = 0; p < this.bits.length; p++) this.addPage(p);
  }

  /** Adds every page of `o` (same geometry). */
  merge(o: DirtyPages): void {
    for (let p = o.lo; p <= o.hi; p++) if (o.bits[p] === 1) this.addPage(p);
  }

  clear(): void {
    if (this.count > 0) this.bits.fill(0, this.lo, this.hi + 1);
    this.count = 0;
    this.lo = this.bits.length;
    this.hi = -1;
  }

  /** Visits each page in ascending order. */
  forEachPage(fn: (page: number) => void): void {
    for (let p = this.lo; p <= this.hi; p++) if (this.bits[p] === 1) fn(p);
  }

  /** Visits maximal runs of contiguous dirty pages as byte ranges `[offset, offset + length)`, clamped to `total`. */
  forEachRun(fn: (offset: number, length: number) => void): void {
    let start = -1;
    for (let p = this.lo; p <= this.hi + 1; p++) {
      const set = p <= this.hi && this.bits[p] === 1;
      if (set && start < 0) start = p;
      if (!set && start >= 0) {
        const off = start * this.pageSize;
        fn(off, Math.min(p * this.pageSize, this.total) - off);
        start = -1;
      }
    }
  }
}
