import { Rect } from '@fbemu/drm-fb-helper';

/** Past this many pieces a plane is painted whole: culling is an optimisation, never needed for correctness. */
const MAX_PIECES = 16;

/**
 * `pieces − cut`, each piece split into at most four (above, below, left, right of the cut).
 * Returns undefined when the result would exceed MAX_PIECES.
 */
function subtract(pieces: Rect[], cut: Rect): Rect[] | undefined {
  const out: Rect[] = [];
  for (const p of pieces) {
    const hit = p.intersect(cut);
    if (hit.isEmpty()) {
      out.push(p);
      continue;
    }
    if (p.y1 < hit.y1) out.push(new Rect(p.x1, p.y1, p.x2, hit.y1));
    if (hit.y2 < p.y2) out.push(new Rect(p.x1, hit.y2, p.x2, p.y2));
    if (p.x1 < hit.x1) out.push(new Rect(p.x1, hit.y1, hit.x1, hit.y2));
    if (hit.x2 < p.x2) out.push(new Rect(hit.x2, hit.y1, p.x2, hit.y2));
    if (out.length > MAX_PIECES) return undefined;
  }
  return out;
}

/**
 * The parts of `area` not hidden by any of `above` (opaque planes stacked higher): painting
 * bottom-up, a plane needs drawing only there. Falls back to `[area]` when too fragmented.
 */
export function visiblePieces(area: Rect, above: readonly Rect[]): Rect[] {
  let pieces = [area];
  for (const cover of above) {
    const next = subtract(pieces, cover);
    if (!next) return [area];
    pieces = next;
    if (pieces.length === 0) break;
  }
  return pieces;
}
