import { Rect, Region } from '@fbemu/drm-fb-helper';
import { check } from '@fbemu/gem-shmem';
import { type SchedulerLike, Subject, type Subscription } from 'rxjs';
import type { FrameSource, Output } from '../output/tokens.js';
import { copyWithinOutput, fillOutputRect, paintPlaneRect } from './blend.js';
import { visiblePieces } from './occlusion.js';
import type { Plane } from './plane.js';

export interface CompositorOptions {
  width: number;
  height: number;
  /** XRGB colour behind every plane */
  background: number;
  /** rect cap of the pending damage region before it falls back to its bounding box */
  maxRects?: number;
}

/** One composed frame: exactly the output rects that were recomposited and handed to the outputs. */
export interface FrameEvent {
  readonly seq: number;
  readonly rects: readonly Rect[];
  /** pixels recomposited (sum of rect areas) */
  readonly pixels: number;
  /** scheduler time of composition */
  readonly at: number;
  /** earliest `armedAt` (first write of a defio cycle) among the damage in this frame, if known */
  readonly armedAt: number | undefined;
}

/**
 * The damage-driven compositor: damage from any plane is translated to output coordinates,
 * clipped to the plane and the output, accumulated in one Region, and composited once per
 * scheduler turn — only those pixels, top-most opaque covering plane first. A frame with no
 * damage costs nothing: nothing is scheduled.
 */
export class Compositor implements FrameSource {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly pixels: Uint32Array;
  readonly frames$ = new Subject<FrameEvent>();
  private readonly planes: Plane[] = [];
  private readonly pending: Region;
  private readonly bounds: Rect;
  private pendingArmedAt: number | undefined;
  private scheduled: Subscription | undefined;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly options: CompositorOptions,
    private readonly scheduler: SchedulerLike,
    private readonly outputs: readonly Output[] = [],
  ) {
    const { width, height } = options;
    check(
      Number.isSafeInteger(width) && width > 0 && width <= 16384,
      'EINVAL',
      `output width must be 1..16384, got ${width}`,
    );
    check(
      Number.isSafeInteger(height) && height > 0 && height <= 16384,
      'EINVAL',
      `output height must be 1..16384, got ${height}`,
    );
    this.width = width;
    this.height = height;
    this.stride = width;
    // a plain ArrayBuffer: V8 runs element loops on shared memory several times slower, and the
    // outputs (RFB encoding, PNG) read this buffer on the main thread only
    this.pixels = new Uint32Array(width * height);
    this.bounds = new Rect(0, 0, width, height);
    this.pending = new Region(options.maxRects ?? 32);
    for (const o of outputs) o.attach(this);
    this.damageOutput(this.bounds);
  }

  /** Planes bottom to top. */
  get stack(): readonly Plane[] {
    return this.planes;
  }

  plane(id: string): Plane {
    const p = this.planes.find((q) => q.id === id);
    check(p !== undefined, 'ENOENT', `no plane ${id}`);
    return p;
  }

  addPlane(plane: Plane): void {
    check(!this.planes.some((p) => p.id === plane.id), 'EBUSY', `plane ${plane.id} exists`);
    const at = this.planes.findIndex((p) => p.z > plane.z);
    this.planes.splice(at < 0 ? this.planes.length : at, 0, plane);
    this.damageOutput(plane.rect);
  }

  removePlane(id: string): void {
    const plane = this.plane(id);
    this.planes.splice(this.planes.indexOf(plane), 1);
    this.damageOutput(plane.rect);
  }

  /**
   * Moves a plane. The top-most opaque plane moving inside the output is a copy: the composited
   * pixels move within the output buffer, outputs that can copy are told so (RFB CopyRect), and
   * only what the move uncovered is recomposited. Any other move damages the old and new areas.
   */
  movePlane(id: string, x: number, y: number): void {
    const plane = this.plane(id);
    check(
      Number.isSafeInteger(x) && Number.isSafeInteger(y),
      'EINVAL',
      `plane position must be integers, got (${x},${y})`,
    );
    const from = plane.rect;
    const to = from.translate(x - plane.x, y - plane.y);
    if (from.equals(to)) return;
    const copy =
      plane === this.planes.at(-1) &&
      plane.opaque &&
      this.bounds.containsRect(from) &&
      this.bounds.containsRect(to);
    if (copy) this.composite(); // the pixels at `from` must be current before they move
    plane.x = x;
    plane.y = y;
    if (!copy) {
      this.damageOutput(from);
      this.damageOutput(to);
      return;
    }
    copyWithinOutput(this.pixels, this.stride, from, to);
    for (const o of this.outputs) {
      if (o.copyRect) o.copyRect(from, to.x1, to.y1);
      else o.damage([to]);
    }
    for (const uncovered of visiblePieces(from, [to])) this.damageOutput(uncovered);
  }

  /** Puts a plane on top of the stack (z above every other); the area it now covers is damaged. */
  raisePlane(id: string): void {
    const plane = this.plane(id);
    if (plane === this.planes.at(-1)) return;
    this.planes.splice(this.planes.indexOf(plane), 1);
    plane.z = Math.max(...this.planes.map((p) => p.z)) + 1;
    this.planes.push(plane);
    this.damageOutput(plane.rect);
  }

  /** The top-most plane under output pixel (x, y), if any. */
  planeAt(x: number, y: number): Plane | undefined {
    for (let i = this.planes.length - 1; i >= 0; i--)
      if (this.planes[i].rect.containsPoint(x, y)) return this.planes[i];
    return undefined;
  }

  /** Damage in the plane's own coordinates (what its fbdev or SVGA host reported). */
  damagePlane(id: string, rects: Iterable<Rect>, armedAt?: number): void {
    const plane = this.plane(id);
    const area = plane.rect.intersect(this.bounds);
    for (const r of rects) this.addDamage(r.translate(plane.x, plane.y).intersect(area), armedAt);
  }

  /** Damage in output coordinates. */
  damageOutput(r: Rect, armedAt?: number): void {
    this.addDamage(r.intersect(this.bounds), armedAt);
  }

  /** Damage is waiting: the next `frames$` event composites it (a frame is scheduled). */
  get damagePending(): boolean {
    return !this.pending.isEmpty();
  }

  /** Composites everything pending now (the scheduled path calls this too). Returns the frame, if any. */
  composite(): FrameEvent | undefined {
    this.scheduled?.unsubscribe();
    this.scheduled = undefined;
    if (this.pending.isEmpty() || this.closed) return undefined;
    const rects = this.pending.rects();
    const armedAt = this.pendingArmedAt;
    this.pending.clear();
    this.pendingArmedAt = undefined;
    let pixels = 0;
    for (const r of rects) {
      this.compositeRect(r);
      pixels += r.area;
    }
    for (const o of this.outputs) o.damage(rects);
    const frame: FrameEvent = { seq: ++this.seq, rects, pixels, at: this.scheduler.now(), armedAt };
    this.frames$.next(frame);
    return frame;
  }

  /** Stops compositing; pending damage is dropped and frames$ completes. */
  close(): void {
    this.closed = true;
    this.scheduled?.unsubscribe();
    this.frames$.complete();
  }

  private addDamage(r: Rect, armedAt: number | undefined): void {
    if (r.isEmpty() || this.closed) return;
    this.pending.addRect(r);
    if (armedAt !== undefined) this.pendingArmedAt = Math.min(armedAt, this.pendingArmedAt ?? armedAt);
    this.scheduled ??= this.scheduler.schedule(() => this.composite());
  }

  /**
   * Paints one output rect bottom-up, from the top-most opaque plane covering it (or the
   * background), each plane only where no opaque plane above it hides the pixels.
   */
  private compositeRect(r: Rect): void {
    const first = this.topOpaqueCovering(r);
    if (first < 0) fillOutputRect(this.pixels, this.stride, r, this.options.background);
    const from = Math.max(first, 0);
    for (let i = from; i < this.planes.length; i++) {
      const hit = r.intersect(this.planes[i].rect);
      if (hit.isEmpty()) continue;
      const covers = this.opaqueAbove(i, hit);
      for (const piece of covers.length ? visiblePieces(hit, covers) : [hit])
        paintPlaneRect(this.pixels, this.stride, this.planes[i], piece);
    }
  }

  /** Rects of opaque planes above plane `i` that overlap `area`. */
  private opaqueAbove(i: number, area: Rect): Rect[] {
    const covers: Rect[] = [];
    for (let j = i + 1; j < this.planes.length; j++) {
      const p = this.planes[j];
      if (p.opaque && !area.intersect(p.rect).isEmpty()) covers.push(p.rect);
    }
    return covers;
  }

  /** Index of the highest opaque plane that covers all of `r`: nothing below it can show. */
  private topOpaqueCovering(r: Rect): number {
    for (let i = this.planes.length - 1; i >= 0; i--) {
      const p = this.planes[i];
      if (p.opaque && p.rect.containsRect(r)) return i;
    }
    return -1;
  }
}
