import { type FbSurface, readRaw } from '@fbemu/drm-fb-helper';
import { FbDeferredIo, type FbInfo, type FbMappingApi } from '@fbemu/fbdev-defio';
import { VirtualTimeScheduler } from 'rxjs';
import { fbView } from './fb-view.js';
import type { ByteTransport, SendDone } from './tokens.js';

/** Test helpers shared by the package's end-to-end tests (not part of the public API). */

export interface Rig {
  sched: VirtualTimeScheduler;
  fb: FbDeferredIo;
  map: FbMappingApi;
  surface: FbSurface;
  /** bytes of the visible rows (where random writes go) */
  visible: number;
}

/** A framebuffer with `pad` bytes of pitch padding, one mapping of all of it, virtual time. */
export function rig(bpp: number, width: number, height: number, pad = 0, delay = 50): Rig {
  const sched = new VirtualTimeScheduler();
  const lineLength = (width * bpp) / 8 + pad;
  const smemLen = lineLength * height;
  const info: FbInfo = {
    fix: { smemLen, lineLength },
    var: {
      xres: width,
      yres: height,
      xresVirtual: width,
      yresVirtual: height,
      xoffset: 0,
      yoffset: 0,
      bitsPerPixel: bpp,
    },
  };
  const fb = new FbDeferredIo(info, { delay }, sched);
  const map = fb.mmap(fb.open(), { length: smemLen });
  return { sched, fb, map, surface: fbView(fb).surface, visible: smemLen };
}

/** A small deterministic PRNG (LCG), so failures replay. */
export function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

/** Scattered client drawing: single stores, short fills and short row writes at random places. */
export function scatterWrites(r: Rig, rand: (n: number) => number, count: number): void {
  for (let i = 0; i < count; i++) {
    const kind = rand(4);
    const len = 1 + rand(64);
    const off = rand(r.visible - len);
    if (kind === 0) r.map.setUint8(off, rand(256));
    else if (kind === 1) r.map.setUint16(off & ~1, rand(65536));
    else if (kind === 2) r.map.fill(off, len, rand(256));
    else
      r.map.write(
        off,
        Uint8Array.from({ length: len }, () => rand(256)),
      );
  }
}

/** 0xAARRGGBB of framebuffer pixel (x, y). */
export function colourAt(s: FbSurface, x: number, y: number): number {
  return s.format.unpack(readRaw(s.bytes, s.offsetOf(x, y), s.cpp));
}

/** Every pixel where `shown` differs from `want`, as "x,y" (empty when the device is right). */
export function mismatches(
  s: FbSurface,
  shown: (x: number, y: number) => number,
  want: (c: number) => number,
): string[] {
  const bad: string[] = [];
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) if (shown(x, y) !== want(colourAt(s, x, y))) bad.push(`${x},${y}`);
  }
  return bad.slice(0, 10);
}

/** Wraps a transport: records every transfer, fails those `fail(n)` picks (n counts from 0). */
export function flaky(inner: ByteTransport, fail: (n: number) => boolean = () => false) {
  const log = { sends: 0, failed: 0, bytes: 0 };
  const transport: ByteTransport = {
    send(bytes: Uint8Array, done: SendDone) {
      if (fail(log.sends++)) {
        log.failed++;
        done(new Error('device NAK'));
        return;
      }
      log.bytes += bytes.length;
      inner.send(bytes, done);
    },
  };
  return { transport, log };
}

/** A transport that holds every transfer (a copy, as the contract asks) until `release` unblocks it. */
export function stalled(inner: ByteTransport) {
  const held: Array<{ bytes: Uint8Array; done: SendDone }> = [];
  let blocked = true;
  const transport: ByteTransport = {
    send(bytes, done) {
      if (blocked) held.push({ bytes: bytes.slice(), done });
      else inner.send(bytes, done);
    },
  };
  const release = () => {
    blocked = false;
    for (const h of held.splice(0)) inner.send(h.bytes, h.done);
  };
  return { transport, held, release };
}
