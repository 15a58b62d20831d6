import { bitmapWords } from './layout.js';

/**
 * The enlisted pages of one cycle (the kernel's pagereflist): a bitmap answers "already
 * enlisted?" in O(1) and an array keeps first-dirtied order. Draining in offset order walks
 * the bitmap (O(n + pages/32)) or, for a short list, sorts it; never the O(n²) insertion.
 */
export class DirtyList {
  private readonly order: Int32Array;
  private readonly bitmap: Int32Array;
  private length = 0;

  constructor(readonly pages: number) {
    this.order = new Int32Array(pages);
    this.bitmap = new Int32Array(bitmapWords(pages));
  }

  /** Enlists `page`; false when it already is (one enlist per page per cycle). */
  add(page: number): boolean {
    const word = page >>> 5;
    const bit = 1 << (page & 31);
    if (this.bitmap[word] & bit) return false;
    this.bitmap[word] |= bit;
    this.order[this.length++] = page;
    return true;
  }

  /** Copies the list into `out` (first-dirtied or ascending order), empties it, returns the count. */
  drain(sorted: boolean, out: Int32Array): number {
    const n = this.length;
    if (sorted && n * 8 >= this.bitmap.length) this.walkBitmap(out);
    else {
      out.set(this.order.subarray(0, n));
      if (sorted) out.subarray(0, n).sort();
    }
    for (let i = 0; i < n; i++) {
      const page = this.order[i];
      this.bitmap[page >>> 5] &= ~(1 << (page & 31));
    }
    this.length = 0;
    return n;
  }

  private walkBitmap(out: Int32Array): void {
    let k = 0;
    for (let w = 0; w < this.bitmap.length; w++) {
      let bits = this.bitmap[w];
      while (bits !== 0) {
        const low = bits & -bits;
        out[k++] = (w << 5) | (31 - Math.clz32(low));
        bits ^= low;
      }
    }
  }
}
