import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { gemShmemModule } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { Container } from 'inversify';
import { VirtualTimeScheduler } from 'rxjs';
import { ShadowBlitter } from './blit.js';
import { clipGeometry } from './clip.js';
import { convertRectToRgba8888, convertRectToXrgb8888 } from './convert.js';
import { DamageWorker } from './damage-worker.js';
import type { DrmFbHelper } from './fb-helper.js';
import { copyarea, fbWrite, fillrect, imageblit } from './fb-ops.js';
import { XRGB8888 } from './format.js';
import { drmFbHelperModule } from './module.js';
import { PagerefDamage } from './pageref-damage.js';
import { Rect, rectFromXywh } from './rect.js';
import { Region } from './region.js';
import { FbSurface } from './surface.js';
import { DRM_FBDEV_FACTORY, type DrmFbdevFactoryApi } from './tokens.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped ${(e as Error).name}`;
  }
}

const NaN_ = Number.NaN;
const bad = null as never;
const empty = {} as never;

async function helperRig(): Promise<{ helper: DrmFbHelper; scheduler: VirtualTimeScheduler }> {
  const scheduler = new VirtualTimeScheduler();
  const c = new Container();
  c.bind(SCHEDULER).toConstantValue(scheduler);
  await c.load(gemShmemModule, fbdevDefioModule, drmFbHelperModule);
  const helper = c.get<DrmFbdevFactoryApi>(DRM_FBDEV_FACTORY).create({ width: 16, height: 8 });
  return { helper, scheduler };
}

describe('bad input is a typed EINVAL with state unchanged (drm-fb-helper)', () => {
  it('Region: coordinates outside int32, NaN, fractions and strings leave the region as it was', () => {
    const region = new Region().addRect(new Rect(1, 1, 5, 5)).addRect(new Rect(10, 10, 12, 12));
    const snapshot = () => `${region} ${region.extents()} ${region.overflowed}`;
    const before = snapshot();
    const calls: [string, () => unknown][] = [
      ['addRect(new Rect(0, 0, 2 ** 31, 10))', () => region.addRect(new Rect(0, 0, 2 ** 31, 10))],
      ['addXyxy(0, 0, 2 ** 31, 10)', () => region.addXyxy(0, 0, 2 ** 31, 10)],
      ['addXyxy(-(2 ** 31) - 1, 0, 1, 1)', () => region.addXyxy(-(2 ** 31) - 1, 0, 1, 1)],
      ['addXyxy(NaN, 0, 5, 5)', () => region.addXyxy(NaN_, 0, 5, 5)],
      ['addXyxy(0, 0, 5.5, 5)', () => region.addXyxy(0, 0, 5.5, 5)],
      ['addXyxy("0", 0, 5, 5)', () => region.addXyxy('0' as never, 0, 5, 5)],
      ['addRect(null)', () => region.addRect(bad)],
      ['addRect({})', () => region.addRect(empty)],
      ['translate(NaN, 0)', () => region.translate(NaN_, 0)],
      ['translate(1.5, 0)', () => region.translate(1.5, 0)],
      ['translate(2 ** 31, 0)', () => region.translate(2 ** 31, 0)],
      ['translate(0, "4096")', () => region.translate(0, '4096' as never)],
      ['translate(2 ** 31 - 5, 0): x2 leaves int32', () => region.translate(2 ** 31 - 5, 0)],
      ['union(null)', () => region.union(bad)],
      ['union({})', () => region.union(empty)],
      ['copyFrom({})', () => region.copyFrom(empty)],
      ['intersectRect(null)', () => region.intersectRect(bad)],
      ['intersectRect({})', () => region.intersectRect(empty)],
      ['containsRect({})', () => region.containsRect(empty)],
      ['equals(null)', () => region.equals(bad)],
      ['Region.fromRects(null)', () => Region.fromRects(bad)],
      ['new Region(1.5)', () => new Region(1.5)],
    ];
    for (const [what, fn] of calls) expect(codeOf(fn), what).to.equal('EINVAL');
    expect(snapshot()).to.equal(before);
    region.selfCheck();
    expect(region.extents().toString()).to.equal('(1,1,12,12)');
  });

  it('Rect: construction, intersection, union, clipping and translation share the int32 check', () => {
    const r = new Rect(0, 0, 10, 10);
    const calls: [string, () => unknown][] = [
      ['new Rect(0, 0, 2 ** 31, 10)', () => new Rect(0, 0, 2 ** 31, 10)],
      ['new Rect(-(2 ** 31) - 1, 0, 1, 1)', () => new Rect(-(2 ** 31) - 1, 0, 1, 1)],
      ['new Rect("1", 0, 2, 2)', () => new Rect('1' as never, 0, 2, 2)],
      ['rectFromXywh(2 ** 31 - 1, 0, 1, 1)', () => rectFromXywh(2 ** 31 - 1, 0, 1, 1)],
      ['rectFromXywh(0, 0, 2 ** 32, 1)', () => rectFromXywh(0, 0, 2 ** 32, 1)],
      ['rectFromXywh(0, 0, "4", 1)', () => rectFromXywh(0, 0, '4' as never, 1)],
      ['intersect(null)', () => r.intersect(bad)],
      ['intersect({})', () => r.intersect(empty)],
      ['intersect(look-alike)', () => r.intersect({ x1: 0, y1: 0, x2: 2 ** 40, y2: 1 } as never)],
      ['union({})', () => r.union(empty)],
      ['union(null)', () => r.union(bad)],
      ['equals({})', () => r.equals(empty)],
      ['containsRect(null)', () => r.containsRect(bad)],
      ['clipTo(NaN, 5)', () => r.clipTo(NaN_, 5)],
      ['clipTo("5", 5)', () => r.clipTo('5' as never, 5)],
      ['clipTo(2 ** 31, 5)', () => r.clipTo(2 ** 31, 5)],
      ['translate(2 ** 31, 0)', () => r.translate(2 ** 31, 0)],
      ['translate(0.5, 0)', () => r.translate(0.5, 0)],
      ['translate(2 ** 31 - 5, 0): x2 leaves int32', () => r.translate(2 ** 31 - 5, 0)],
    ];
    for (const [what, fn] of calls) expect(codeOf(fn), what).to.equal('EINVAL');
    expect(r.toString()).to.equal('(0,0,10,10)');
  });

  it('surfaces, fb_ops, conversions, the shadow blitter and clip geometry', () => {
    const s = new FbSurface(new Uint8Array(8 * 4 * 4), 8, 4, 32, XRGB8888);
    s.bytes.fill(7);
    const geometry = { lineLength: 32, bitsPerPixel: 32, width: 8, height: 4, total: 128 };
    const pagerefDamage = new PagerefDamage(geometry, 4096);
    const calls: [string, () => unknown][] = [
      ['new FbSurface(null, ...)', () => new FbSurface(bad, 8, 4, 32, XRGB8888)],
      ['new FbSurface(bytes, ..., null)', () => new FbSurface(s.bytes, 8, 4, 32, bad)],
      ['new FbSurface(bytes, ..., {})', () => new FbSurface(s.bytes, 8, 4, 32, empty)],
      ['new FbSurface(bytes, "8", ...)', () => new FbSurface(s.bytes, '8' as never, 4, 32, XRGB8888)],
      ['fillrect(s, null)', () => fillrect(s, bad)],
      ['fillrect(s, {})', () => fillrect(s, empty)],
      ['fillrect(null, op)', () => fillrect(bad, { dx: 0, dy: 0, width: 1, height: 1, color: 0 })],
      [
        'fillrect(s, { dx: 2 ** 31 })',
        () => fillrect(s, { dx: 2 ** 31, dy: 0, width: 1, height: 1, color: 0 }),
      ],
      [
        'fillrect(s, { width: "1" })',
        () => fillrect(s, { dx: 0, dy: 0, width: '1' as never, height: 1, color: 0 }),
      ],
      ['copyarea(s, null)', () => copyarea(s, bad)],
      ['copyarea(s, {})', () => copyarea(s, empty)],
      ['copyarea(s, { sx: NaN })', () => copyarea(s, { dx: 0, dy: 0, width: 1, height: 1, sx: NaN_, sy: 0 })],
      ['imageblit(s, null)', () => imageblit(s, bad)],
      ['imageblit(s, {})', () => imageblit(s, empty)],
      ['fbWrite(null, ...)', () => fbWrite(bad, 4, 0, new Uint8Array(1))],
      [
        'convertRectToRgba8888(null, ...)',
        () => convertRectToRgba8888(bad, new Rect(0, 0, 1, 1), new Uint8Array(4), 4),
      ],
      ['convertRectToRgba8888(s, null, ...)', () => convertRectToRgba8888(s, bad, new Uint8Array(4), 4)],
      [
        'convertRectToRgba8888(s, r, null, ...)',
        () => convertRectToRgba8888(s, new Rect(0, 0, 1, 1), bad, 4),
      ],
      [
        'convertRectToXrgb8888(s, r, bytes, ...)',
        () => convertRectToXrgb8888(s, new Rect(0, 0, 1, 1), new Uint8Array(4) as never, 1),
      ],
      ['new ShadowBlitter(null, s)', () => new ShadowBlitter(bad, s)],
      ['blitRect({})', () => new ShadowBlitter(s, s).blitRect(empty)],
      ['clipGeometry(null)', () => clipGeometry(bad)],
      ['clipGeometry({})', () => clipGeometry(empty)],
      ['blitRegion(null)', () => new ShadowBlitter(s, s).blitRegion(bad)],
      ['PagerefDamage.damage(null, ...)', () => pagerefDamage.damage(bad, false, 'region', new Region())],
      [
        'PagerefDamage.damage(..., "boxes", ...)',
        () => pagerefDamage.damage([], false, 'boxes' as never, new Region()),
      ],
      ['PagerefDamage.damage(..., null out)', () => pagerefDamage.damage([], false, 'region', bad)],
    ];
    for (const [what, fn] of calls) expect(codeOf(fn), what).to.equal('EINVAL');
    expect(s.bytes.every((b) => b === 7)).to.equal(true);
  });

  it('DamageWorker: options, hooks, damage and suspend flags', () => {
    const scheduler = new VirtualTimeScheduler();
    const hooks = { viewport: () => new Rect(0, 0, 10, 10) };
    const ctor: [string, () => unknown][] = [
      ['options null', () => new DamageWorker(scheduler, hooks, bad)],
      ['options {}', () => new DamageWorker(scheduler, hooks, empty)],
      ['mode "boxes"', () => new DamageWorker(scheduler, hooks, { mode: 'boxes' as never })],
      ['maxRects 0', () => new DamageWorker(scheduler, hooks, { mode: 'region', maxRects: 0 })],
      ['hooks null', () => new DamageWorker(scheduler, bad, { mode: 'region' })],
      ['hooks {}', () => new DamageWorker(scheduler, empty, { mode: 'region' })],
      [
        'hooks.dirty 1',
        () => new DamageWorker(scheduler, { ...hooks, dirty: 1 as never }, { mode: 'region' }),
      ],
      ['scheduler null', () => new DamageWorker(bad, hooks, { mode: 'region' })],
      ['scheduler {}', () => new DamageWorker(empty, hooks, { mode: 'region' })],
    ];
    for (const [what, fn] of ctor) expect(codeOf(fn), what).to.equal('EINVAL');
    const worker = new DamageWorker(scheduler, hooks, { mode: 'region' });
    worker.addRect(new Rect(1, 1, 2, 2));
    const calls: [string, () => unknown][] = [
      ['addRect(null)', () => worker.addRect(bad)],
      ['addRect({})', () => worker.addRect(empty)],
      ['addRegion(null)', () => worker.addRegion(bad)],
      ['setSuspended("no")', () => worker.setSuspended('no' as never)],
      ['setSuspended(1)', () => worker.setSuspended(1 as never)],
    ];
    for (const [what, fn] of calls) expect(codeOf(fn), what).to.equal('EINVAL');
    const runs: string[] = [];
    worker.damage$.subscribe((d) => runs.push(d.clips.join(' ')));
    scheduler.flush();
    expect(runs).to.deep.equal(['(1,1,2,2)']); // "no" did not suspend; the bad calls added nothing
  });

  it('DrmFbHelper: damageRect, fb_ops and setSuspended refuse bad arguments and damage nothing', async () => {
    const { helper, scheduler } = await helperRig();
    scheduler.flush();
    const runs: string[] = [];
    helper.damage$.subscribe((d) => runs.push(d.clips.join(' ')));
    const calls: [string, () => unknown][] = [
      ['damageRect(null)', () => helper.damageRect(bad)],
      ['damageRect({})', () => helper.damageRect(empty)],
      ['fillrect(null)', () => helper.fillrect(bad)],
      ['copyarea({})', () => helper.copyarea(empty)],
      ['imageblit(null)', () => helper.imageblit(bad)],
      ['setSuspended("no")', () => helper.setSuspended('no' as never)],
      ['pan("1", 0)', () => helper.pan('1' as never, 0)],
      ['damageRange(NaN, 1)', () => helper.damageRange(NaN_, 1)],
      ['write(0, null)', () => helper.write(0, bad)],
    ];
    for (const [what, fn] of calls) expect(codeOf(fn), what).to.equal('EINVAL');
    scheduler.flush();
    expect(runs).to.deep.equal([]);
    helper.damageRect(new Rect(0, 0, 1, 1));
    scheduler.flush();
    expect(runs).to.deep.equal(['(0,0,1,1)']); // not suspended by "no"
    helper.destroy();
  });
});
