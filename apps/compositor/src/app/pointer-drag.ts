import type { Compositor } from '../compose/compositor.js';

/** A pointer event as the RFB server reports it (button 1 = bit 0 of the mask). */
export interface PointerEvent {
  readonly session: number;
  readonly buttonMask: number;
  readonly x: number;
  readonly y: number;
}

/**
 * A dragged plane keeps at least this many pixels (or its whole size, if smaller) inside the
 * desktop on each axis, so some of it always stays under a pointer that can grab it back.
 */
export const GRAB_MARGIN = 32;

/** The position closest to `p` that keeps `min(GRAB_MARGIN, size)` pixels of `size` inside `[0, limit)`. */
function keepGrabbable(p: number, size: number, limit: number): number {
  const margin = Math.min(GRAB_MARGIN, size, limit);
  return Math.min(Math.max(p, margin - size), limit - margin);
}

interface Drag {
  readonly plane: string;
  /** grab point inside the plane */
  readonly ox: number;
  readonly oy: number;
}

/**
 * Window dragging from remote viewers: pressing button 1 over a plane raises it and grabs it,
 * moving with the button held moves it (a copy when it is on top, see `Compositor.movePlane`),
 * releasing drops it. Each viewer session drags on its own. A drag never takes a plane out of
 * reach: at least `GRAB_MARGIN` pixels of it stay inside the desktop on each axis.
 */
export class PointerDrag {
  private readonly drags = new Map<number, Drag>();
  private readonly buttons = new Map<number, number>();

  constructor(private readonly compositor: Compositor) {}

  handle(e: PointerEvent): void {
    const held = (e.buttonMask & 1) !== 0;
    const wasHeld = ((this.buttons.get(e.session) ?? 0) & 1) !== 0;
    this.buttons.set(e.session, e.buttonMask);
    const drag = this.drags.get(e.session);
    if (held && !wasHeld) this.grab(e);
    else if (held && drag) this.move(drag, e);
    else if (!held) this.drags.delete(e.session);
  }

  /** A viewer left: forget its button state and any drag it had. */
  forget(session: number): void {
    this.drags.delete(session);
    this.buttons.delete(session);
  }

  /** Moves the grabbed plane by its grab point, clamped so that it stays grabbable (`GRAB_MARGIN`). */
  private move(drag: Drag, e: PointerEvent): void {
    const { width, height } = this.compositor;
    // the plane may be gone (its program exited, its DRM plane was disabled): the drag ends
    const plane = this.compositor.stack.find((p) => p.id === drag.plane);
    if (plane === undefined) {
      this.drags.delete(e.session);
      return;
    }
    const { surface } = plane;
    this.compositor.movePlane(
      drag.plane,
      keepGrabbable(e.x - drag.ox, surface.width, width),
      keepGrabbable(e.y - drag.oy, surface.height, height),
    );
  }

  private grab(e: PointerEvent): void {
    const plane = this.compositor.planeAt(e.x, e.y);
    if (!plane) return;
    this.compositor.raisePlane(plane.id);
    this.drags.set(e.session, { plane: plane.id, ox: e.x - plane.x, oy: e.y - plane.y });
  }
}
