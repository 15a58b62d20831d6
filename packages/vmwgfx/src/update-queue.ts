/** QEMU's redraw ring size (`REDRAW_FIFO_LEN`). */
export const UPDATE_QUEUE_CAPACITY = 512;

/**
 * The host's pending redraws between a FIFO pass and the copy to the surface: rects as the guest
 * wrote them (validated when drained). QEMU's ring of the same size overwrites on overflow and then
 * looks empty, losing every queued rect (pitfall 28); here an overflow, like an invalidation,
 * degrades to one full-screen redraw, which covers everything that was queued.
 */
export class UpdateQueue {
  private readonly rects: Int32Array;
  private count = 0;
  private full = false;

  constructor(readonly capacity: number = UPDATE_QUEUE_CAPACITY) {
    this.rects = new Int32Array(capacity * 4);
  }

  push(x: number, y: number, w: number, h: number): void {
    if (this.full) return;
    if (this.count === this.capacity) {
      this.invalidate();
      return;
    }
    const i = this.count * 4;
    this.rects[i] = x;
    this.rects[i + 1] = y;
    this.rects[i + 2] = w;
    this.rects[i + 3] = h;
    this.count += 1;
  }

  /** Forget the queued rects: a full redraw follows. */
  invalidate(): void {
    this.full = true;
    this.count = 0;
  }

  /**
   * Hands every queued rect to `each`, or calls `whole` once when a full redraw is due, and
   * empties the queue. `each` may ask for a full redraw by returning false (a bad rect).
   */
  drain(each: (x: number, y: number, w: number, h: number) => boolean, whole: () => void): void {
    for (let i = 0; i < this.count * 4 && !this.full; i += 4) {
      if (!each(this.rects[i]!, this.rects[i + 1]!, this.rects[i + 2]!, this.rects[i + 3]!)) this.full = true;
    }
    if (this.full) whole();
    this.count = 0;
    this.full = false;
  }
}
