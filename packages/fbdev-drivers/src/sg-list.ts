import { check, isCount, KernelError } from '@fbemu/gem-shmem';

/** Words per descriptor: source offset, destination offset, length, control. */
export const SG_DESC_WORDS = 4;
/** control bit: last descriptor of the list */
export const SG_CTRL_LAST = 1;
/** Descriptor words are u32: no address or length may reach 2^32. */
const SG_ADDRESS_LIMIT = 2 ** 32;

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
    check(
      isCount(maxSegmentBytes) && maxSegmentBytes > 0 && maxSegmentBytes < SG_ADDRESS_LIMIT,
      'EINVAL',
      'maxSegmentBytes',
    );
    check(isCount(initialSegments) && initialSegments > 0, 'EINVAL', 'initialSegments');
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

  /**
   * Appends `[src, src + length)` → `[dst, dst + length)`: first fills the previous segment when
   * contiguous on both sides, then one segment per `maxSegmentBytes` (a loop: a long range makes
   * many segments, never a deep call chain). EINVAL, list unchanged, unless all three are
   * non-negative integers and both ranges end within the u32 descriptor words.
   */
  add(src: number, dst: number, length: number): void {
    const ok =
      isCount(src) &&
      isCount(dst) &&
      isCount(length) &&
      src + length <= SG_ADDRESS_LIMIT &&
      dst + length <= SG_ADDRESS_LIMIT;
    if (!ok) throw new KernelError('EINVAL', `SG segment ${src} → ${dst} (${length} bytes)`);
    let done = this.extendLast(src, dst, length);
    while (done < length) {
      const take = Math.min(length - done, this.maxSegmentBytes);
      this.push(src + done, dst + done, take);
      done += take;
    }
  }

  /** Grows the last segment by what of the range continues it; returns the bytes taken. */
  private extendLast(src: number, dst: number, length: number): number {
    if (this.count === 0 || length === 0) return 0;
    const t = this.table;
    const last = (this.count - 1) * SG_DESC_WORDS;
    const len = t[last + 2];
    if (t[last] + len !== src || t[last + 1] + len !== dst) return 0;
    const take = Math.min(this.maxSegmentBytes - len, length);
    t[last + 2] = len + take;
    return take;
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
