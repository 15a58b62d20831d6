import { check, KernelError } from '@fbemu/gem-shmem';
import { COORD_MAX, COORD_MIN, checkCoords, checkRect, isCoord, Rect } from './rect.js';
import { bandEnd, RectBuffer, unionBands } from './region-bands.js';

/** wlroots uses 20 (`WLR_DAMAGE_RING_MAX_RECTS`); above the cap a region becomes its bounding box. */
export const DEFAULT_MAX_RECTS = 16;

/**
 * A multi-rectangle damage region, y-x banded like pixman's `region32`: rects sorted by y1 then
 * x1, rects of a band share y1/y2 and never touch, identical adjacent bands are coalesced.
 * Above `maxRects` rects it collapses to its bounding box (as wlroots' damage ring and
 * libvncserver do), so a scattered update costs at most one big rect, never unbounded work.
 *
 * Mutating operations work in place on two preallocated buffers (no allocation once warm).
 */
export class Region {
  private cur = new RectBuffer();
  private spare = new RectBuffer();
  private readonly one = new Int32Array(4);
  private ex1 = 0;
  private ey1 = 0;
  private ex2 = 0;
  private ey2 = 0;
  private collapsed = false;

  constructor(readonly maxRects: number = DEFAULT_MAX_RECTS) {
    check(
      Number.isSafeInteger(maxRects) && maxRects >= 1,
      'EINVAL',
      `maxRects must be an integer ≥ 1, got ${maxRects}`,
    );
  }

  static fromRects(rects: Iterable<Rect>, maxRects?: number): Region {
    check(
      typeof (rects as Partial<Iterable<Rect>> | null)?.[Symbol.iterator] === 'function',
      'EINVAL',
      'fromRects needs an iterable of rects',
    );
    const r = new Region(maxRects);
    for (const rect of rects) r.addRect(rect);
    return r;
  }

  get numRects(): number {
    return this.cur.n;
  }

  isEmpty(): boolean {
    return this.cur.n === 0;
  }

  /** true once the region went over its rect cap and became its bounding box (until `clear`) */
  get overflowed(): boolean {
    return this.collapsed;
  }

  clear(): this {
    this.collapsed = false;
    this.cur.reset();
    this.ex1 = this.ey1 = this.ex2 = this.ey2 = 0;
    return this;
  }

  /** Bounding box (`pixman_region32_extents`); `Rect.EMPTY` for an empty region. */
  extents(): Rect {
    return this.isEmpty() ? Rect.EMPTY : new Rect(this.ex1, this.ey1, this.ex2, this.ey2);
  }

  /** Number of pixels covered (rects of a banded region never overlap). */
  area(): number {
    let sum = 0;
    this.forEachRect((x1, y1, x2, y2) => {
      sum += (x2 - x1) * (y2 - y1);
    });
    return sum;
  }

  addRect(r: Rect): this {
    checkRect(r, 'addRect operand');
    return this.addXyxy(r.x1, r.y1, r.x2, r.y2);
  }

  /**
   * Union with `[x1, x2) × [y1, y2)` without building a `Rect` (the accumulator's hot path).
   * EINVAL (region unchanged) unless all four are int32: the storage is an `Int32Array`, which
   * would silently wrap or truncate anything else.
   */
  addXyxy(x1: number, y1: number, x2: number, y2: number): this {
    checkCoords(x1, y1, x2, y2, 'region rect');
    if (x1 >= x2 || y1 >= y2) return this;
    if (this.isEmpty() || (x1 <= this.ex1 && y1 <= this.ey1 && x2 >= this.ex2 && y2 >= this.ey2)) {
      return this.setRect(x1, y1, x2, y2);
    }
    if (this.cur.n === 1 && x1 >= this.ex1 && y1 >= this.ey1 && x2 <= this.ex2 && y2 <= this.ey2) return this;
    const one = this.one;
    one[0] = x1;
    one[1] = y1;
    one[2] = x2;
    one[3] = y2;
    return this.unionWith(one, 1, x1, y1, x2, y2);
  }

  union(o: Region): this {
    checkRegion(o);
    if (o.isEmpty() || o === this) return this;
    if (this.isEmpty()) return this.copyFrom(o);
    return this.unionWith(o.cur.data, o.cur.n, o.ex1, o.ey1, o.ex2, o.ey2);
  }

  /** Keeps only what lies inside `r`. */
  intersectRect(r: Rect): this {
    checkRect(r, 'intersectRect operand');
    if (this.isEmpty()) return this;
    if (r.isEmpty()) return this.clear();
    const out = this.spare;
    out.reset();
    const d = this.cur.data;
    const n = this.cur.n;
    for (let i = 0; i < n; ) {
      const end = bandEnd(d, n, i);
      const top = Math.max(d[i * 4 + 1], r.y1);
      const bot = Math.min(d[i * 4 + 3], r.y2);
      if (top < bot) this.clipBand(out, d, i, end, r, top, bot);
      i = end;
    }
    this.swap();
    this.recomputeExtents();
    return this;
  }

  /**
   * Moves every rect by (dx, dy); banding is preserved. EINVAL (region unchanged) unless dx, dy
   * are int32 and every moved coordinate stays int32.
   */
  translate(dx: number, dy: number): this {
    const inRange =
      this.isEmpty() ||
      (this.ex1 + dx >= COORD_MIN &&
        this.ey1 + dy >= COORD_MIN &&
        this.ex2 + dx <= COORD_MAX &&
        this.ey2 + dy <= COORD_MAX);
    if (!(isCoord(dx) && isCoord(dy) && inRange)) {
      throw new KernelError('EINVAL', `translate by (${dx},${dy}) needs int32 offsets and results`);
    }
    const d = this.cur.data;
    for (let i = 0; i < this.cur.n * 4; i += 4) {
      d[i] += dx;
      d[i + 1] += dy;
      d[i + 2] += dx;
      d[i + 3] += dy;
    }
    if (!this.isEmpty()) {
      this.ex1 += dx;
      this.ey1 += dy;
      this.ex2 += dx;
      this.ey2 += dy;
    }
    return this;
  }

  copyFrom(o: Region): this {
    checkRegion(o);
    if (o === this) return this;
    this.cur.reset();
    const d = o.cur.data;
    for (let i = 0; i < o.cur.n * 4; i += 4) this.cur.push(d[i], d[i + 1], d[i + 2], d[i + 3]);
    this.ex1 = o.ex1;
    this.ey1 = o.ey1;
    this.ex2 = o.ex2;
    this.ey2 = o.ey2;
    this.collapsed = o.collapsed;
    return this.applyCap();
  }

  clone(): Region {
    return new Region(this.maxRects).copyFrom(this);
  }

  /** Visits rects in band order without allocating. */
  forEachRect(fn: (x1: number, y1: number, x2: number, y2: number) => void): void {
    const d = this.cur.data;
    for (let i = 0; i < this.cur.n * 4; i += 4) fn(d[i], d[i + 1], d[i + 2], d[i + 3]);
  }

  rects(): Rect[] {
    const out: Rect[] = [];
    this.forEachRect((x1, y1, x2, y2) => out.push(new Rect(x1, y1, x2, y2)));
    return out;
  }

  [Symbol.iterator](): Iterator<Rect> {
    return this.rects()[Symbol.iterator]();
  }

  containsPoint(x: number, y: number): boolean {
    const d = this.cur.data;
    for (let i = 0; i < this.cur.n * 4; i += 4) {
      if (x >= d[i] && x < d[i + 2] && y >= d[i + 1] && y < d[i + 3]) return true;
    }
    return false;
  }

  /** Every pixel of `r` is covered. */
  containsRect(r: Rect): boolean {
    checkRect(r, 'containsRect operand');
    if (r.isEmpty()) return true;
    const probe = new Region(Number.MAX_SAFE_INTEGER).addRect(r);
    return probe.union(this).area() === this.area();
  }

  /** Same pixels (banded regions are canonical, so the rect lists compare directly). */
  equals(o: Region): boolean {
    checkRegion(o);
    if (this.cur.n !== o.cur.n) return false;
    const a = this.cur.data;
    const b = o.cur.data;
    for (let i = 0; i < this.cur.n * 4; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * pixman's `GOOD()`: throws if the banding invariants do not hold (sorted bands, shared
   * y1/y2 inside a band, non-touching sorted spans, extents equal to the rects' bounds).
   */
  selfCheck(): void {
    const d = this.cur.data;
    const n = this.cur.n;
    let bx1 = Infinity;
    let by1 = Infinity;
    let bx2 = -Infinity;
    let by2 = -Infinity;
    for (let i = 0; i < n; i++) {
      const [x1, y1, x2, y2] = [d[i * 4], d[i * 4 + 1], d[i * 4 + 2], d[i * 4 + 3]];
      if (x1 >= x2 || y1 >= y2) throw new Error(`region: empty rect ${i}`);
      if (i > 0) this.checkOrder(i, x1, y1, y2);
      bx1 = Math.min(bx1, x1);
      by1 = Math.min(by1, y1);
      bx2 = Math.max(bx2, x2);
      by2 = Math.max(by2, y2);
    }
    if (n > this.maxRects) throw new Error(`region: ${n} rects above cap ${this.maxRects}`);
    const ext = n === 0 ? [0, 0, 0, 0] : [bx1, by1, bx2, by2];
    if (ext[0] !== this.ex1 || ext[1] !== this.ey1 || ext[2] !== this.ex2 || ext[3] !== this.ey2) {
      throw new Error('region: extents out of date');
    }
  }

  toString(): string {
    return `Region[${this.rects().join(' ')}]`;
  }

  private checkOrder(i: number, x1: number, y1: number, y2: number): void {
    const d = this.cur.data;
    const p = (i - 1) * 4;
    if (d[p + 1] === y1) {
      if (d[p + 3] !== y2) throw new Error(`region: band at y=${y1} has mixed heights`);
      if (d[p + 2] >= x1) throw new Error(`region: spans touch or are unsorted at rect ${i}`);
    } else if (d[p + 3] > y1) {
      throw new Error(`region: band at y=${y1} overlaps the band above`);
    }
  }

  private clipBand(
    out: RectBuffer,
    d: Int32Array,
    i: number,
    end: number,
    r: Rect,
    top: number,
    bot: number,
  ): void {
    const start = out.n;
    for (let k = i; k < end; k++) {
      const x1 = Math.max(d[k * 4], r.x1);
      const x2 = Math.min(d[k * 4 + 2], r.x2);
      if (x1 < x2) out.pushSpan(x1, x2, top, bot, start);
    }
    out.endBand(start);
  }

  private unionWith(b: Int32Array, bn: number, bx1: number, by1: number, bx2: number, by2: number): this {
    unionBands(this.spare, this.cur.data, this.cur.n, b, bn);
    this.swap();
    this.ex1 = Math.min(this.ex1, bx1);
    this.ey1 = Math.min(this.ey1, by1);
    this.ex2 = Math.max(this.ex2, bx2);
    this.ey2 = Math.max(this.ey2, by2);
    return this.applyCap();
  }

  private setRect(x1: number, y1: number, x2: number, y2: number): this {
    this.cur.reset();
    this.cur.push(x1, y1, x2, y2);
    this.ex1 = x1;
    this.ey1 = y1;
    this.ex2 = x2;
    this.ey2 = y2;
    return this;
  }

  /** Above the cap the region becomes its bounding box (wlroots / libvncserver fallback). */
  private applyCap(): this {
    if (this.cur.n > this.maxRects) {
      this.setRect(this.ex1, this.ey1, this.ex2, this.ey2);
      this.collapsed = true;
    }
    return this;
  }

  private recomputeExtents(): void {
    if (this.isEmpty()) {
      this.clear();
      return;
    }
    const d = this.cur.data;
    const n = this.cur.n;
    this.ey1 = d[1];
    this.ey2 = d[(n - 1) * 4 + 3];
    this.ex1 = Infinity;
    this.ex2 = -Infinity;
    for (let i = 0; i < n * 4; i += 4) {
      if (d[i] < this.ex1) this.ex1 = d[i];
      if (d[i + 2] > this.ex2) this.ex2 = d[i + 2];
    }
  }

  private swap(): void {
    const t = this.cur;
    this.cur = this.spare;
    this.spare = t;
  }
}

function checkRegion(o: unknown): asserts o is Region {
  check(o instanceof Region, 'EINVAL', `operand must be a Region, got ${String(o)}`);
}
