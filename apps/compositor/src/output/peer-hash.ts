/**
 * A frame's identity for `peer.bench.ts`, tile by tile: FNV-1a over the RGB of a few 32×32 tiles
 * (x11vnc's tile grid) that change in every testsrc2 frame — the frame counter at the top left
 * and the moving block in the middle. A poller like x11vnc rarely shows a whole frame at once
 * (it finds changed tiles over several polls), but each of these tiles it sends whole. The X
 * byte is left out: it differs between what a program stores and what a VNC client decodes.
 */
export const PEER_TILES: readonly (readonly [number, number])[] = [
  [2, 0],
  [3, 0],
  [25, 14],
  [30, 16],
  [34, 19],
];

const TILE = 32;

/** one hash per `PEER_TILES` entry, of the frame in `pixels` (row stride `stride` pixels) */
export function tileHashes(pixels: Uint32Array, stride: number): number[] {
  return PEER_TILES.map(([tx, ty]) => {
    let h = 0x811c9dc5;
    for (let y = ty * TILE; y < (ty + 1) * TILE; y++) {
      const row = y * stride + tx * TILE;
      for (let x = 0; x < TILE; x++) h = Math.imul(h ^ (pixels[row + x] & 0xffffff), 0x01000193);
    }
    return h >>> 0;
  });
}
