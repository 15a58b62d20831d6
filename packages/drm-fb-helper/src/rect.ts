import { KernelError } from '@fbemu/gem-shmem';

/** Coordinates are `int`, as in `struct drm_rect`, and `Region` stores them in an `Int32Array`. */
export const COORD_MIN = -(2 ** 31);
export const COORD_MAX = 2 ** 31 - 1;

/** An int32 coordinate: rejects NaN, fractions, strings and anything an `Int32Array` would wrap. */
export function isCoord(n: unknown): n is number {
  return typeof n === 'number' && (n | 0) === n;
}

/**
 * The one validation every rect and region coordinate goes through (EINVAL). An `if` around the
 * throw, not `check(…, message)`: rects are made per glyph and per clip, the message only on failure.
 */
export function checkCoords(x1: number, y1: number, x2: number, y2: number, what: string): void {
  if (!(isCoord(x1) && isCoord(y1) && isCoord(x2) && isCoord(y2))) {
    throw new KernelError('EINVAL', `${what} (${x1},${y1},${x2},${y2}) needs int32 coordinates`);
  }
}

/** EINVAL unless `r` is a `Rect` (null, `{}` and look-alikes are refused before any field is read). */
export function checkRect(r: unknown, what: string): asserts r is Rect {
  if (!(r instanceof Rect)) throw new KernelError('EINVAL', `${what} must be a Rect, got ${String(r)}`);
}

/**
 * An axis-aligned rectangle with half-open bounds `[x1, x2) × [y1, y2)` — `struct drm_rect`
 * (and `drm_clip_rect`, without its 16-bit truncation). Immutable: every operation returns a new
 * rect, and every empty result is the canonical `Rect.EMPTY` so emptiness never depends on how a
 * rect became empty.
 */
export class Rect {
  static readonly EMPTY: Rect = new Rect(0, 0, 0, 0);

  constructor(
    readonly x1: number,
    readonly y1: number,
    readonly x2: number,
    readonly y2: number,
  ) {
    checkCoords(x1, y1, x2, y2, 'rect');
  }

  /** `drm_rect_width`; 0 for an empty rect */
  get width(): number {
    return this.isEmpty() ? 0 : this.x2 - this.x1;
  }

  /** `drm_rect_height`; 0 for an empty rect */
  get height(): number {
    return this.isEmpty() ? 0 : this.y2 - this.y1;
  }

  get area(): number {
    return this.width * this.height;
  }

  /** `!drm_rect_visible`: no pixel inside */
  isEmpty(): boolean {
    return this.x1 >= this.x2 || this.y1 >= this.y2;
  }

  /** Bounding box of both; an empty operand is the identity. */
  union(o: Rect): Rect {
    checkRect(o, 'union operand');
    if (o.isEmpty()) return this.isEmpty() ? Rect.EMPTY : this;
    if (this.isEmpty()) return o;
    return new Rect(
      Math.min(this.x1, o.x1),
      Math.min(this.y1, o.y1),
      Math.max(this.x2, o.x2),
      Math.max(this.y2, o.y2),
    );
  }

  /** `drm_rect_intersect`: the overlap, `Rect.EMPTY` when there is none */
  intersect(o: Rect): Rect {
    checkRect(o, 'intersect operand');
    return Rect.normalized(
      Math.max(this.x1, o.x1),
      Math.max(this.y1, o.y1),
      Math.min(this.x2, o.x2),
      Math.min(this.y2, o.y2),
    );
  }

  /** Clips to `[0, width) × [0, height)` (a framebuffer of that size). */
  clipTo(width: number, height: number): Rect {
    checkCoords(0, 0, width, height, 'clip bounds');
    return Rect.normalized(
      Math.max(this.x1, 0),
      Math.max(this.y1, 0),
      Math.min(this.x2, width),
      Math.min(this.y2, height),
    );
  }

  /** `drm_rect_translate` */
  translate(dx: number, dy: number): Rect {
    checkCoords(dx, dy, dx, dy, 'translation');
    if (this.isEmpty()) return Rect.EMPTY;
    return new Rect(this.x1 + dx, this.y1 + dy, this.x2 + dx, this.y2 + dy);
  }

  /** Same pixels: all empty rects are equal. */
  equals(o: Rect): boolean {
    checkRect(o, 'equals operand');
    if (this.isEmpty() || o.isEmpty()) return this.isEmpty() && o.isEmpty();
    return this.x1 === o.x1 && this.y1 === o.y1 && this.x2 === o.x2 && this.y2 === o.y2;
  }

  containsPoint(x: number, y: number): boolean {
    return x >= this.x1 && x < this.x2 && y >= this.y1 && y < this.y2;
  }

  /** Every pixel of `o` is inside this rect (an empty `o` is inside anything). */
  containsRect(o: Rect): boolean {
    checkRect(o, 'containsRect operand');
    return o.isEmpty() || (o.x1 >= this.x1 && o.y1 >= this.y1 && o.x2 <= this.x2 && o.y2 <= this.y2);
  }

  toString(): string {
    return `(${this.x1},${this.y1},${this.x2},${this.y2})`;
  }

  private static normalized(x1: number, y1: number, x2: number, y2: number): Rect {
    return x1 >= x2 || y1 >= y2 ? Rect.EMPTY : new Rect(x1, y1, x2, y2);
  }
}

/** `drm_rect_init(x, y, w, h)`: width and height non-negative, all four and x + w, y + h int32 (EINVAL). */
export function rectFromXywh(x: number, y: number, w: number, h: number): Rect {
  checkCoords(x, y, w, h, 'rect x, y, w, h');
  if (w < 0 || h < 0) throw new KernelError('EINVAL', `rect size ${w}x${h} must not be negative`);
  return new Rect(x, y, x + w, y + h);
}
