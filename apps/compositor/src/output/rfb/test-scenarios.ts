/** Frame scenarios for the encoder property tests: content and damage that reach every sub-encoding. */
import { Rect } from '@fbemu/drm-fb-helper';
import fc from 'fast-check';
import type { TestFrame } from './test-support.js';

/**
 * A continuous-tone pixel (0x00RRGGBB) like a photo or video frame: overlapping smooth waves of
 * colour with a little grain, thousands of colours and no sharp edges (what Tight sends as JPEG).
 */
export function photoPixel(x: number, y: number, seed: number): number {
  const grain = (Math.imul((x * 73856093) ^ (y * 19349663), seed | 1) >>> 28) - 8;
  const r = 128 + 70 * Math.sin(x / 23 + seed) + 40 * Math.sin((x + y) / 37) + grain;
  const g = 120 + 60 * Math.cos(y / 19 - seed) + 50 * Math.sin((x - 2 * y) / 53) + grain;
  const b = 110 + 80 * Math.sin((x * 2 + y) / 41 + seed / 3) + 30 * Math.cos(y / 11) + grain;
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  return (c(r) << 16) | (c(g) << 8) | c(b);
}

/** Frame content that reaches every sub-encoding: flat areas, few-colour patterns, runs, noise, photos. */
export const paint = fc.record({
  kind: fc.constantFrom('solid', 'stripes', 'palette', 'noise', 'runs', 'photo'),
  colours: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 200 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

export type Paint = { kind: string; colours: number[]; seed: number };

export function paintRect(f: TestFrame, r: Rect, p: Paint): void {
  let s = p.seed;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
  let run = 0;
  let v = p.colours[0];
  for (let y = r.y1; y < r.y2; y++) {
    for (let x = r.x1; x < r.x2; x++) {
      if (p.kind === 'stripes') v = p.colours[(x >> 2) % Math.min(2, p.colours.length)];
      else if (p.kind === 'palette') v = p.colours[rnd() % p.colours.length];
      else if (p.kind === 'noise') v = rnd() * 2654435761;
      else if (p.kind === 'photo') v = photoPixel(x, y, p.seed);
      else if (p.kind === 'runs' && run-- <= 0) [v, run] = [p.colours[rnd() % p.colours.length], rnd() % 300];
      f.pixels[y * f.stride + x] = v >>> 0;
    }
  }
}

const rectIn = (w: number, h: number) =>
  fc
    .tuple(fc.nat(w - 1), fc.nat(h - 1), fc.integer({ min: 1, max: w }), fc.integer({ min: 1, max: h }))
    .map(([x, y, rw, rh]) => new Rect(x, y, Math.min(w, x + rw), Math.min(h, y + rh)));

export const scenario = fc
  .record({ w: fc.integer({ min: 1, max: 150 }), h: fc.integer({ min: 1, max: 140 }) })
  .chain(({ w, h }) =>
    fc.record({
      w: fc.constant(w),
      h: fc.constant(h),
      first: paint,
      updates: fc.array(fc.array(fc.tuple(rectIn(w, h), paint), { minLength: 1, maxLength: 5 }), {
        maxLength: 4,
      }),
      level: fc.integer({ min: 0, max: 9 }),
    }),
  );
