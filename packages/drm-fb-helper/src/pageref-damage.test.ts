import { expect } from 'chai';
import fc from 'fast-check';
import { type ClipGeometry, clipGeometry } from './clip.js';
import { PagerefDamage } from './pageref-damage.js';
import { Region } from './region.js';

interface Case {
  g: ClipGeometry;
  pageSize: number;
  writes: [number, number][];
  order: number[];
}

const arbCase: fc.Arbitrary<Case> = fc
  .record({
    bpp: fc.constantFrom(8, 16, 24, 32),
    width: fc.integer({ min: 1, max: 3000 }),
    pad: fc.nat(70),
    height: fc.integer({ min: 1, max: 40 }),
    pageSize: fc.constantFrom(4096, 16384),
    aligned: fc.boolean(),
    writes: fc.array(
      fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 9000 })),
      {
        minLength: 1,
        maxLength: 6,
      },
    ),
    seed: fc.integer(),
  })
  .map(({ bpp, width, pad, height, pageSize, aligned, writes, seed }) => {
    const lineLength = (width * bpp) / 8 + pad;
    const screen = lineLength * height;
    // ttm-style smem_len is page aligned (can run past the last row); shmem-style is the screen size
    const total = aligned ? Math.ceil(screen / pageSize) * pageSize : screen;
    const g = clipGeometry({ lineLength, bitsPerPixel: bpp, width, height, total });
    const ws = writes.map(([at, len]): [number, number] => {
      const off = Math.floor(at * (total - 1));
      return [off, Math.min(len, total - off)];
    });
    const pages = new Set<number>();
    for (const [off, len] of ws) {
      for (let p = Math.floor(off / pageSize); p * pageSize < off + len; p++) pages.add(p);
    }
    const order = [...pages];
    for (let i = order.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      const j = (seed >>> 8) % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return { g, pageSize, writes: ws, order };
  })
  .filter((c) => c.g.width * c.g.bitsPerPixel >= 8 && Number.isInteger(c.g.lineLength));

/** The pixel that byte `b` belongs to, or undefined for padding / beyond the last row. */
function pixelOf(g: ClipGeometry, b: number): [number, number] | undefined {
  const y = Math.floor(b / g.lineLength);
  const x = Math.floor(((b % g.lineLength) * 8) / g.bitsPerPixel);
  return x < g.width && y < g.height ? [x, y] : undefined;
}

function run(c: Case, mode: 'bbox' | 'region', sorted = false): Region {
  const out = mode === 'bbox' ? new Region(1) : new Region(1_000_000);
  const pages = sorted ? [...c.order].sort((a, b) => a - b) : c.order;
  const refs = pages.map((p) => ({ offset: p * c.pageSize }));
  new PagerefDamage(c.g, c.pageSize).damage(refs, sorted, mode, out);
  return out;
}

/** Bytes worth probing in a dirty page: its ends and both sides of every row boundary inside it. */
function probes(c: Case, page: number): number[] {
  const start = page * c.pageSize;
  const end = Math.min(start + c.pageSize, c.g.total);
  const out = [start, end - 1];
  for (let r = Math.ceil(start / c.g.lineLength) * c.g.lineLength; r < end; r += c.g.lineLength)
    out.push(r, r - 1);
  return out.filter((b) => b >= start && b < end);
}

describe('pagerefs → damage (properties over random geometries)', () => {
  it('every written byte lies inside the damage, in both modes', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        for (const mode of ['bbox', 'region'] as const) {
          const d = run(c, mode);
          for (const [off, len] of c.writes) {
            for (const b of [off, off + len - 1, off + (len >> 1)]) {
              const px = pixelOf(c.g, b);
              if (px) expect(d.containsPoint(px[0], px[1]), `${mode} byte ${b}`).to.equal(true);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('region damage covers every pixel of every dirty page (its whole row range)', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const d = run(c, 'region');
        for (const p of c.order) {
          for (const b of probes(c, p)) {
            const px = pixelOf(c.g, b);
            if (px) expect(d.containsPoint(px[0], px[1]), `byte ${b}`).to.equal(true);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('region damage ⊆ bbox damage, and sorted/unsorted batches give the same region', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const bbox = run(c, 'bbox').extents();
        const region = run(c, 'region');
        for (const r of region.rects()) expect(bbox.containsRect(r), `${r} in ${bbox}`).to.equal(true);
        expect(run(c, 'region', true).equals(region)).to.equal(true);
      }),
      { numRuns: 150 },
    );
  });

  // A page is damage for every line it touches, padding included (drm_fb_helper_memory_range_to_clip
  // works in line_length units): a page whose only bytes in a row are past xres damages that row.
  it('region damage is tight: every damaged row holds a byte of a dirty page (in its pixels, or its padding for a rect to the row end)', () => {
    fc.assert(
      fc.property(arbCase, (c) => {
        const dirty = new Set(c.order);
        const region = run(c, 'region');
        region.forEachRect((x1, y1, x2, y2) => {
          for (let y = y1; y < y2; y++) {
            const first = y * c.g.lineLength + Math.floor((x1 * c.g.bitsPerPixel) / 8);
            const last =
              x2 === c.g.width
                ? (y + 1) * c.g.lineLength - 1
                : y * c.g.lineLength + Math.ceil((x2 * c.g.bitsPerPixel) / 8) - 1;
            let hit = false;
            for (let p = Math.floor(first / c.pageSize); p <= Math.floor(last / c.pageSize); p++) {
              if (dirty.has(p)) hit = true;
            }
            expect(hit, `row ${y} (${x1}..${x2})`).to.equal(true);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});
