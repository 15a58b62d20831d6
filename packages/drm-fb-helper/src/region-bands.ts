/**
 * The band machinery behind `Region` (internal): rect storage with on-the-fly coalescing of
 * identical adjacent bands, and the pixman-style band sweep for union.
 */

/**
 * Growable rect storage, 4 × int32 per rect (x1, y1, x2, y2), with the band bookkeeping a
 * banded writer needs to coalesce vertically adjacent identical bands as it goes.
 */
export class RectBuffer {
  data = new Int32Array(64);
  n = 0;
  /** start index (in rects) of the last complete band, or -1 */
  private prevBand = -1;

  reset(): void {
    this.n = 0;
    this.prevBand = -1;
  }

  push(x1: number, y1: number, x2: number, y2: number): void {
    if ((this.n + 1) * 4 > this.data.length) this.grow();
    const o = this.n * 4;
    this.data[o] = x1;
    this.data[o + 1] = y1;
    this.data[o + 2] = x2;
    this.data[o + 3] = y2;
    this.n++;
  }

  /** Appends span `x1..x2` to the band being written; merges it into the previous span if they touch. */
  pushSpan(x1: number, x2: number, y1: number, y2: number, bandStart: number): void {
    const last = (this.n - 1) * 4;
    if (this.n > bandStart && this.data[last + 2] >= x1) {
      if (x2 > this.data[last + 2]) this.data[last + 2] = x2;
      return;
    }
    this.push(x1, y1, x2, y2);
  }

  /** Closes the band that started at `start`: drops it into the previous band when they are identical and touch. */
  endBand(start: number): void {
    const count = this.n - start;
    if (count === 0) return;
    const prev = this.prevBand;
    if (prev >= 0 && start - prev === count && this.sameSpans(prev, start, count)) {
      const y2 = this.data[start * 4 + 3];
      for (let i = prev; i < start; i++) this.data[i * 4 + 3] = y2;
      this.n = start;
      return;
    }
    this.prevBand = start;
  }

  private sameSpans(prev: number, start: number, count: number): boolean {
    const d = this.data;
    if (d[prev * 4 + 3] !== d[start * 4 + 1]) return false;
    for (let i = 0; i < count; i++) {
      const a = (prev + i) * 4;
      const b = (start + i) * 4;
      if (d[a] !== d[b] || d[a + 2] !== d[b + 2]) return false;
    }
    return true;
  }

  private grow(): void {
    const next = new Int32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
}

/** Index (in rects) one past the band that starts at rect `i`. */
export function bandEnd(d: Int32Array, n: number, i: number): number {
  const y1 = d[i * 4 + 1];
  let j = i + 1;
  while (j < n && d[j * 4 + 1] === y1) j++;
  return j;
}

/** Copies the spans of band `[i, end)` of `d` into `out` as rows `top..bot`. */
function emitBand(out: RectBuffer, d: Int32Array, i: number, end: number, top: number, bot: number): void {
  const start = out.n;
  for (let k = i; k < end; k++) out.pushSpan(d[k * 4], d[k * 4 + 2], top, bot, start);
  out.endBand(start);
}

/** Merges two sorted span lists (bands of A and B) into one band `top..bot`, joining touching spans. */
function emitMerged(
  out: RectBuffer,
  a: Int32Array,
  ia: number,
  aEnd: number,
  b: Int32Array,
  ib: number,
  bEnd: number,
  top: number,
  bot: number,
): void {
  const start = out.n;
  while (ia < aEnd || ib < bEnd) {
    const takeA = ib >= bEnd || (ia < aEnd && a[ia * 4] <= b[ib * 4]);
    if (takeA) {
      out.pushSpan(a[ia * 4], a[ia * 4 + 2], top, bot, start);
      ia++;
    } else {
      out.pushSpan(b[ib * 4], b[ib * 4 + 2], top, bot, start);
      ib++;
    }
  }
  out.endBand(start);
}

/** Emits what is left of a region's bands below `ybot` (bands partially consumed are cut at `ybot`). */
function emitRest(out: RectBuffer, d: Int32Array, n: number, i: number, ybot: number): void {
  while (i < n) {
    const end = bandEnd(d, n, i);
    const top = Math.max(d[i * 4 + 1], ybot);
    const bot = d[i * 4 + 3];
    if (top < bot) emitBand(out, d, i, end, top, bot);
    i = end;
  }
}

/**
 * The band sweep of pixman's `pixman_op` specialised to union: walks both band lists top to
 * bottom, copying the parts covered by one region and merging spans where both overlap.
 */
export function unionBands(out: RectBuffer, a: Int32Array, an: number, b: Int32Array, bn: number): void {
  out.reset();
  let ia = 0;
  let ib = 0;
  let ybot = Math.min(a[1], b[1]);
  while (ia < an && ib < bn) {
    const aEnd = bandEnd(a, an, ia);
    const bEnd = bandEnd(b, bn, ib);
    const ay1 = a[ia * 4 + 1];
    const ay2 = a[ia * 4 + 3];
    const by1 = b[ib * 4 + 1];
    const by2 = b[ib * 4 + 3];
    let ytop: number;
    if (ay1 < by1) {
      const top = Math.max(ay1, ybot);
      const bot = Math.min(ay2, by1);
      if (top < bot) emitBand(out, a, ia, aEnd, top, bot);
      ytop = by1;
    } else if (by1 < ay1) {
      const top = Math.max(by1, ybot);
      const bot = Math.min(by2, ay1);
      if (top < bot) emitBand(out, b, ib, bEnd, top, bot);
      ytop = ay1;
    } else {
      ytop = ay1;
    }
    ybot = Math.min(ay2, by2);
    if (ybot > ytop) emitMerged(out, a, ia, aEnd, b, ib, bEnd, ytop, ybot);
    if (ay2 === ybot) ia = aEnd;
    if (by2 === ybot) ib = bEnd;
  }
  emitRest(out, a, an, ia, ybot);
  emitRest(out, b, bn, ib, ybot);
}
