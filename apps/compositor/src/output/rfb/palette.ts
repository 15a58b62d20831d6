/**
 * A small colour → index table for one tile (ZRLE allows 127 colours, Tight 256): open addressing
 * in twice as many slots, cleared in O(1) per tile by bumping a generation stamp.
 */
export class TilePalette {
  /** the colours in first-seen order */
  readonly colours: Uint32Array;
  size = 0;
  private readonly keys: Uint32Array;
  private readonly index: Uint16Array;
  private readonly stamp: Uint16Array;
  private generation = 0;
  private readonly mask: number;
  private readonly shift: number;

  /** `limit` colours at most; `limit * 2` must be a power of two no larger than 65536. */
  constructor(readonly limit: number) {
    const slots = limit * 2;
    this.colours = new Uint32Array(limit);
    this.keys = new Uint32Array(slots);
    this.index = new Uint16Array(slots);
    this.stamp = new Uint16Array(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
  }

  clear(): void {
    this.size = 0;
    if (++this.generation === 0x10000) {
      this.stamp.fill(0);
      this.generation = 1;
    }
  }

  /** Adds `v` if it is new; once more than `limit` colours were seen `size` stays at `limit + 1`. */
  add(colour: number): void {
    const v = colour >>> 0;
    if (this.size > this.limit) return;
    let h = Math.imul(v, 0x9e3779b1) >>> this.shift;
    while (this.stamp[h] === this.generation) {
      if (this.keys[h] === v) return;
      h = (h + 1) & this.mask;
    }
    if (this.size === this.limit) {
      this.size++;
      return;
    }
    this.stamp[h] = this.generation;
    this.keys[h] = v;
    this.index[h] = this.size;
    this.colours[this.size++] = v;
  }

  /** The index of `v`, which must have been added. */
  indexOf(colour: number): number {
    const v = colour >>> 0;
    let h = Math.imul(v, 0x9e3779b1) >>> this.shift;
    while (this.keys[h] !== v || this.stamp[h] !== this.generation) h = (h + 1) & this.mask;
    return this.index[h];
  }
}
