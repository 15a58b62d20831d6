import { check } from '@fbemu/gem-shmem';

/** Words per descriptor: source offset, destination offset, length, control. */
export const SG_DESC_WORDS = 4;
/** control bit: last descriptor of the list */
export const SG_CTRL_LAST = 1;

/**
 * A scatter-gather list in the descriptor format the DMA model executes (one Uint32 quad per
 * segment). `add` merges a segment into the previous one when they are contiguous on both sides
 * and the result stays within `maxSegmentBytes` (what an engine can move per descriptor). The
 * table is reused across updates and only grows.
 */
export class SgList {
  table: Uint32Array;
  count = 0;

  constructor(
    readonly maxSegmentBytes = 1 << 20,
    initialSegments = 64,
  ) {
    check(Number.isSafeInteger(maxSegmentBytes) && maxSegmentBytes > 0, 'EINVAL', 'maxSegmentBytes');
    this.table = new Uint32Array(initialSegments * SG_DESC_WORDS);
  }

  reset(): void {
    this.count = 0;
  }

  /** Bytes covered by the list. */
  get totalBytes(): number {
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.table[i * SG_DESC_WORDS + 2];
    return sum;
  }

  /** Appends `[src, src + length)` → `[dst, dst + length)`, merging with the previous segment when contiguous. */
  add(src: number, dst: number, length: number): void {
    if (length <= 0) return;
    const t = this.table;
    const last = (this.count - 1) * SG_DESC_WORDS;
    if (this.count > 0) {
      const len = t[last + 2];
      const room = this.maxSegmentBytes - len;
      if (t[last] + len === src && t[last + 1] + len === dst && room > 0) {
        const take = Math.min(room, length);
        t[last + 2] = len + take;
        this.add(src + take, dst + take, length - take);
        return;
      }
    }
    const take = Math.min(length, this.maxSegmentBytes);
    this.push(src, dst, take);
    this.add(src + take, dst + take, length - take);
  }

  private push(src: number, dst: number, length: number): void {
    if ((this.count + 1) * SG_DESC_WORDS > this.table.length) {
      const next = new Uint32Array(this.table.length * 2);
      next.set(this.table);
      this.table = next;
    }
    const o = this.count * SG_DESC_WORDS;
    if (this.count > 0) this.table[o - 1] &= ~SG_CTRL_LAST;
    this.table[o] = src;
    this.table[o + 1] = dst;
    this.table[o + 2] = length;
    this.table[o + 3] = SG_CTRL_LAST;
    this.count++;
  }
}
