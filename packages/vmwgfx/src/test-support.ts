// Helpers shared by this package's tests (not exported from the index).
import type { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { fifoAdvance, readFifoPointers } from './fifo-layout.js';
import { SvgaFifoWriter } from './fifo-writer.js';
import { SvgaHost } from './svga-host.js';
import { SVGA_ID_2, SvgaFifo, SvgaReg } from './svga-reg.js';
import type { HostSurface, SvgaHostOptions, SvgaMemory } from './tokens.js';

/** A small device: 16 KiB FIFO (12 KiB ring after the 4 KiB of registers), 64 × 48 max. */
export const SMALL: SvgaHostOptions = {
  fifoBytes: 16384,
  vramBytes: 64 * 48 * 4,
  maxWidth: 64,
  maxHeight: 48,
  width: 32,
  height: 24,
};

/** Fills VRAM with a position-dependent pattern so a misplaced copy shows. */
export function patternVram(vram: Uint8Array, seed = 1): void {
  for (let i = 0; i < vram.length; i++) vram[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
}

/** Negotiates, sets the mode, initialises the FIFO and enables the device, as a driver load does. */
export function bootGuest(
  host: SvgaHost,
  memory: SvgaMemory = host.memory,
  width = 32,
  height = 24,
): SvgaFifoWriter {
  host.writeRegister(SvgaReg.ID, SVGA_ID_2);
  expect(host.readRegister(SvgaReg.ID)).to.equal(SVGA_ID_2);
  host.writeRegister(SvgaReg.WIDTH, width);
  host.writeRegister(SvgaReg.HEIGHT, height);
  host.writeRegister(SvgaReg.BITS_PER_PIXEL, 32);
  const writer = new SvgaFifoWriter(host, memory, new VirtualTimeScheduler(), {});
  writer.init();
  host.writeRegister(SvgaReg.ENABLE, 1);
  return writer;
}

/** Writes raw words at NEXT_CMD (wrapping) and publishes `publish` of them (default all). */
export function pushWords(fifo: Uint32Array, words: readonly number[], publish = words.length): void {
  const p = readFifoPointers(fifo, { min: 0, max: 0, nextCmd: 0, stop: 0 });
  let at = p.nextCmd;
  for (let i = 0; i < words.length; i++) {
    fifo[at >>> 2] = words[i]! >>> 0;
    at = fifoAdvance(p, at, 4);
    if (i + 1 === publish) fifo[SvgaFifo.NEXT_CMD] = at;
  }
}

/** Collects the host's updates. */
export function recordUpdates(host: SvgaHost): Rect[] {
  const seen: Rect[] = [];
  host.updates$.subscribe((r) => seen.push(r));
  return seen;
}

/**
 * The guard of every surface check: bytes inside `rects` equal VRAM at the same position (pitch
 * = width × 4), bytes outside equal `before`, and every rect lies inside the surface.
 */
export function expectSurface(
  surface: HostSurface,
  vram: Uint8Array,
  before: Uint8Array,
  rects: readonly Rect[],
): void {
  const { width, height, bytes } = surface;
  expect(bytes.length).to.equal(width * height * 4);
  const covered = new Uint8Array(width * height);
  for (const r of rects) {
    if (r.x1 < 0 || r.y1 < 0 || r.x2 > width || r.y2 > height || r.isEmpty())
      expect.fail(`update ${r} outside the surface`);
    for (let y = r.y1; y < r.y2; y++) covered.fill(1, y * width + r.x1, y * width + r.x2);
  }
  for (let i = 0; i < bytes.length; i++) {
    const want = covered[i >> 2] ? vram[i] : before[i];
    if (bytes[i] !== want) {
      const px = i >> 2;
      expect.fail(
        `surface pixel (${px % width},${Math.floor(px / width)}) ${covered[px] ? 'inside' : 'outside'} the updates is wrong`,
      );
    }
  }
}
