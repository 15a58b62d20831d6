import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { gemShmemModule } from '@fbemu/gem-shmem';
import { Container } from 'inversify';
import { VirtualTimeScheduler } from 'rxjs';
import type { BenchCase, BenchModule, BenchSuite, MetricTable } from '../../../tools/bench.js';
import { ShadowBlitter } from './blit.js';
import { fillrect, imageblit } from './fb-ops.js';
import { XRGB8888 } from './format.js';
import { drmFbHelperModule } from './module.js';
import type { ClipMode } from './pageref-damage.js';
import { Rect } from './rect.js';
import { FbSurface } from './surface.js';
import { DRM_FBDEV_FACTORY, type DrmFbdevFactoryApi } from './tokens.js';

const W = 1280;
const H = 800;
const CPP = 4;

/** A deterministic stream of positions, so every run measures the same workload. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    return (s >>> 8) / 2 ** 24;
  };
}

interface Sprite {
  x: number;
  y: number;
  size: number;
}

/** 100 updates, each `count` square sprites of `size` pixels at scattered positions. */
function workload(count: number, size: number): Sprite[][] {
  const rnd = lcg(42);
  return Array.from({ length: 100 }, () =>
    Array.from({ length: count }, () => ({
      x: Math.floor(rnd() * (W - size)),
      y: Math.floor(rnd() * (H - size)),
      size,
    })),
  );
}

/** Bytes of the rows the sprites wrote (distinct rows × row width): the least any row-based flush moves. */
function dirtyRowBytes(updates: Sprite[][]): number {
  let bytes = 0;
  for (const sprites of updates) {
    const rows = new Set<number>();
    for (const s of sprites) for (let y = s.y; y < s.y + s.size; y++) rows.add(y);
    bytes += rows.size * W * CPP;
  }
  return bytes;
}

/** Draws the workload through an fbdev mapping of a shadowed setup; returns the bytes the blit flushed. */
function flushedBytes(updates: Sprite[][], clipMode: ClipMode): number {
  const scheduler = new VirtualTimeScheduler();
  const c = new Container();
  c.bind(SCHEDULER).toConstantValue(scheduler);
  c.load(gemShmemModule, fbdevDefioModule, drmFbHelperModule);
  const helper = c
    .get<DrmFbdevFactoryApi>(DRM_FBDEV_FACTORY)
    .create({ width: W, height: H, shadow: true, clipMode });
  const map = helper.defio.mmap(helper.defio.open(), { length: helper.info.fix.smemLen });
  for (const sprites of updates) {
    for (const s of sprites) {
      for (let y = s.y; y < s.y + s.size; y++) map.fill((y * W + s.x) * CPP, s.size * CPP, 0x5a);
    }
    scheduler.flush();
  }
  const bytes = helper.stats.blittedBytes;
  helper.destroy();
  return bytes;
}

function damageTable(title: string, count: number, size: number): MetricTable {
  const updates = workload(count, size);
  return {
    title,
    detail: `${W}×${H}×32, 4 KiB pages, 100 updates of ${count} sprites of ${size}×${size} px at random places; bytes copied shadow → GEM`,
    unit: 'bytes flushed',
    baseline: { name: 'bytes of the dirty rows themselves', value: dirtyRowBytes(updates) },
    rows: [
      {
        name: 'region (≤ 16 rects)',
        value: flushedBytes(updates, 'region'),
        goal: { max: 1.5, text: 'region ≤ 1.5× the dirty rows' },
      },
      { name: 'bbox (kernel)', value: flushedBytes(updates, 'bbox') },
      { name: 'full frame per update', value: updates.length * W * H * CPP },
    ],
  };
}

function surface(pitch: number, seed = 0): FbSurface {
  const bytes = new Uint8Array(new SharedArrayBuffer(pitch * H));
  bytes.fill(seed);
  return new FbSurface(bytes, W, H, pitch, XRGB8888);
}

/**
 * Blit of `rect` against the same copy written by hand at the same offsets: one `set` of the
 * block when its rows are contiguous, else one `subarray` + `set` per row (what any strided copy
 * with `set` does). One contiguous `set` of the same byte count is shown beside a strided rect as
 * the floor no row-by-row copy can reach, without a goal.
 */
function blitSuite(title: string, rect: Rect, pitch: number): BenchSuite {
  const shadow = surface(pitch, 1);
  const bo = surface(pitch, 2);
  const blitter = new ShadowBlitter(shadow, bo);
  const rowBytes = rect.width * CPP;
  const bytes = rect.area * CPP;
  const detail = `${W}×${H}×32, pitch ${pitch}, rect ${rect} = ${rect.height} rows of ${rowBytes} bytes`;
  const blit: BenchCase = {
    name: 'ShadowBlitter.blitRect',
    fn: () => blitter.blitRect(rect),
    goal: { min: 0.8, text: 'shadow blit ≥ 0.8× the hand-written copy' },
  };
  const first = rect.y1 * pitch + rect.x1 * CPP;
  const block = shadow.bytes.subarray(first, first + bytes);
  const oneSet = () => bo.bytes.set(block, first);
  if (rowBytes === pitch) {
    return {
      title,
      detail,
      baseline: { name: `one TypedArray.set of the ${bytes}-byte block`, fn: oneSet },
      cases: [blit],
    };
  }
  const perRow = () => {
    for (let y = rect.y1, o = first; y < rect.y2; y++, o += pitch)
      bo.bytes.set(shadow.bytes.subarray(o, o + rowBytes), o);
  };
  return {
    title,
    detail,
    baseline: { name: `one subarray + TypedArray.set per row (${rect.height} rows)`, fn: perRow },
    cases: [
      blit,
      {
        name: `one TypedArray.set of ${bytes} contiguous bytes (floor)`,
        fn: oneSet,
        unlike: `one contiguous block instead of ${rect.height} rows at a ${pitch}-byte pitch: a floor no strided copy reaches, shown for scale`,
      },
    ],
  };
}

function fillSuite(): BenchSuite {
  const s = surface(W * CPP);
  const u32 = s.u32!;
  const rect = { dx: 100, dy: 100, width: 256, height: 256 };
  return {
    title: 'fillrect 256×256 (32 bpp)',
    baseline: {
      name: 'plain per-pixel loop',
      fn: () => {
        for (let y = rect.dy; y < rect.dy + rect.height; y++) {
          for (let x = rect.dx; x < rect.dx + rect.width; x++) u32[y * W + x] = 0x123456;
        }
      },
    },
    cases: [{ name: 'fillrect (row fill)', fn: () => fillrect(s, { ...rect, color: 0x123456 }) }],
  };
}

function glyphSuite(): BenchSuite {
  const s = surface(W * CPP);
  const glyph = new Uint8Array(16).map((_, i) => (i * 37) & 0xff);
  const bytes = s.bytes;
  return {
    title: 'imageblit: a line of 160 8×16 glyphs (1 bpp → 32 bpp)',
    baseline: {
      name: 'plain per-pixel loop with byte stores',
      fn: () => {
        for (let g = 0; g < 160; g++) {
          for (let y = 0; y < 16; y++) {
            for (let x = 0; x < 8; x++) {
              const v = (glyph[y] >> (7 - x)) & 1 ? 0xffffff : 0x000000;
              const o = (y + 32) * W * CPP + (g * 8 + x) * CPP;
              bytes[o] = v;
              bytes[o + 1] = v >> 8;
              bytes[o + 2] = v >> 16;
              bytes[o + 3] = 0;
            }
          }
        }
      },
    },
    cases: [
      {
        name: 'imageblit',
        fn: () => {
          for (let g = 0; g < 160; g++) {
            imageblit(s, {
              dx: g * 8,
              dy: 32,
              width: 8,
              height: 16,
              depth: 1,
              fgColor: 0xffffff,
              bgColor: 0,
              data: glyph,
            });
          }
        },
      },
    ],
  };
}

export default {
  suites: () => [
    blitSuite('shadow blit: full-width rows, no padding', new Rect(0, 200, W, 600), W * CPP),
    blitSuite('shadow blit: full-width rows, padded pitch', new Rect(0, 200, W, 600), W * CPP + 256),
    blitSuite('shadow blit: half-width rect', new Rect(320, 200, 960, 600), W * CPP),
    blitSuite('shadow blit: 64×64 rect', new Rect(600, 300, 664, 364), W * CPP),
    fillSuite(),
    glyphSuite(),
  ],
  metrics: () => [
    damageTable('flushed bytes: scattered 16×16 sprites', 8, 16),
    damageTable('flushed bytes: scattered single pixels', 8, 1),
  ],
} satisfies BenchModule;
