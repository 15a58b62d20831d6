/** Where a plane shows a program's framebuffer on the desktop. */
export interface PlaneRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A desktop point in a program's framebuffer coordinates, and whether it lies on the plane. */
export interface PlanePoint {
  readonly x: number;
  readonly y: number;
  readonly inside: boolean;
}

/**
 * Maps a desktop point (an RFB PointerEvent's x, y) into the framebuffer of the program a plane
 * shows, `fbWidth` x `fbHeight`: exact (x - plane.x, y - plane.y) when the plane shows the
 * framebuffer 1:1, scaled by fb/plane size otherwise (floor, so every fb pixel is reachable and
 * none outside). Points off the plane are clamped to its edge with `inside` false: the router
 * delivers them only while a button pressed on the plane is held (an implicit grab).
 */
export function mapToPlane(
  x: number,
  y: number,
  plane: PlaneRect,
  fbWidth = plane.width,
  fbHeight = plane.height,
): PlanePoint {
  const rx = x - plane.x;
  const ry = y - plane.y;
  const inside = rx >= 0 && ry >= 0 && rx < plane.width && ry < plane.height;
  return {
    x: clamp(Math.floor((rx * fbWidth) / plane.width), fbWidth - 1),
    y: clamp(Math.floor((ry * fbHeight) / plane.height), fbHeight - 1),
    inside,
  };
}

function clamp(v: number, max: number): number {
  return Math.min(Math.max(v, 0), max);
}
