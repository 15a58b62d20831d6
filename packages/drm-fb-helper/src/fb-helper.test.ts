import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import {
  GEM_DEVICE,
  GEM_DEVICE_OPTIONS,
  type GemDevice,
  gemShmemModule,
  isKernelError,
} from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { Container } from 'inversify';
import { VirtualTimeScheduler } from 'rxjs';
import type { Damage } from './damage-worker.js';
import type { DrmFbHelper } from './fb-helper.js';
import { fillrect, imageblit } from './fb-ops.js';
import { drmFbHelperModule } from './module.js';
import { Rect } from './rect.js';
import { Region } from './region.js';
import { FbSurface } from './surface.js';
import { DRM_FBDEV_FACTORY, type DrmFbdevFactoryApi, type FbdevSetupOptions } from './tokens.js';

const W = 64;
const H = 32;
const PITCH = W * 4;

function rig(options: Partial<FbdevSetupOptions> = {}, pageSize = 4096) {
  const scheduler = new VirtualTimeScheduler();
  const container = new Container();
  container.bind(SCHEDULER).toConstantValue(scheduler);
  container.bind(GEM_DEVICE_OPTIONS).toConstantValue({ pageSize });
  container.load(gemShmemModule, fbdevDefioModule, drmFbHelperModule);
  const device = container.get<GemDevice>(GEM_DEVICE);
  const helper = container
    .get<DrmFbdevFactoryApi>(DRM_FBDEV_FACTORY)
    .create({ width: W, height: H, ...options });
  const damages: Damage[] = [];
  helper.damage$.subscribe((d) => damages.push(d));
  const file = helper.defio.open();
  const map = helper.defio.mmap(file, { length: helper.info.fix.smemLen });
  return { scheduler, device, helper, damages, map };
}

/** The GEM object's bytes, read through the helper's vmap surface. */
function gemBytes(h: DrmFbHelper): Uint8Array {
  return h.bo.bytes.subarray(0, PITCH * h.info.var.yresVirtual);
}

function union(damages: Damage[]): Region {
  const r = new Region(1_000_000);
  for (const d of damages) for (const c of d.clips) r.addRect(c);
  return r;
}

function throwsCode(fn: () => unknown, code: string): void {
  expect(fn)
    .to.throw()
    .that.satisfies((e: unknown) => isKernelError(e) && e.code === code);
}

describe('fbdev over GEM shmem (no shadow)', () => {
  it('a byte written through /dev/fb is the GEM byte at once, no copy; damage follows the writeback', () => {
    const { scheduler, helper, damages, map } = rig();
    expect(helper.shadowed).to.equal(false);
    map.setUint32(PITCH * 5 + 40, 0x00abcdef);
    expect(
      new DataView(gemBytes(helper).buffer, gemBytes(helper).byteOffset).getUint32(PITCH * 5 + 40, true),
    ).to.equal(0x00abcdef);
    expect(damages).to.have.length(0);
    scheduler.flush();
    // 4 KiB page 1 = [4096, 8192) = rows 16..32 of a 256-byte pitch: page 0 = rows 0..16
    expect(damages.map((d) => d.clips.map(String))).to.deep.equal([['(0,0,64,16)']]);
    expect(helper.stats.blittedBytes).to.equal(0);
  });

  it('uses pageref.offset, never page.index: a GEM mapping at its fake offset does not move the damage', () => {
    const gemOffset = 2 ** 33;
    const { scheduler, device, damages, map } = rig({ gemOffset, height: 96 });
    const drm = device.open();
    // a second handle on the same object, so this file may map it through the DRM node
    const object = device.objectAt(gemOffset)!;
    device.handleCreate(drm, object);
    const gemMap = device.mmap(drm, gemOffset, object.size);
    map.setUint8(4096 * 4 + 7, 1); // fb page 4 (rows 64..80)
    const page = gemMap.fault(4); // page.index := fake pgoff + 4
    expect(page.index).to.equal(gemOffset / 4096 + 4);
    scheduler.flush();
    expect(damages[0].clips.map(String)).to.deep.equal(['(0,64,64,80)']);
    gemMap.close();
  });

  it('write() and fb_ops damage exactly what they touched, in screen coordinates', () => {
    const { scheduler, helper, damages } = rig();
    expect(helper.write(PITCH * 2 + 40, new Uint8Array(8).fill(9))).to.equal(8);
    scheduler.flush();
    expect(damages.pop()!.clips.map(String)).to.deep.equal(['(10,2,12,3)']);
    expect(helper.fillrect({ dx: 60, dy: 30, width: 10, height: 10, color: 1 }).toString()).to.equal(
      '(60,30,64,32)',
    );
    scheduler.flush();
    expect(damages.pop()!.clips.map(String)).to.deep.equal(['(60,30,64,32)']);
    helper.copyarea({ dx: 0, dy: 0, sx: 8, sy: 8, width: 4, height: 2 });
    helper.imageblit({
      dx: 20,
      dy: 20,
      width: 8,
      height: 1,
      depth: 1,
      data: new Uint8Array([0xff]),
      fgColor: 5,
    });
    scheduler.flush();
    expect(damages.pop()!.clips.map(String)).to.deep.equal(['(0,0,4,2)', '(20,20,28,21)']);
  });

  it('destroy flushes pending damage, then every op is ENODEV and mappings fault', () => {
    const { helper, damages, map } = rig();
    map.setUint8(0, 1);
    helper.destroy();
    expect(damages).to.have.length(1);
    throwsCode(() => helper.write(0, new Uint8Array(1)), 'ENODEV');
    throwsCode(() => map.setUint8(4096, 1), 'SIGBUS');
    helper.destroy();
  });
});

describe('generic fbdev with a shadow buffer', () => {
  it('the GEM object changes only when the damage worker copies the damaged rows', () => {
    const { scheduler, helper, damages, map } = rig({ shadow: true });
    expect(helper.shadowed).to.equal(true);
    map.setUint32(PITCH * 20 + 8, 0x11223344);
    expect(gemBytes(helper).every((b) => b === 0)).to.equal(true);
    scheduler.flush();
    expect(gemBytes(helper)[PITCH * 20 + 8]).to.equal(0x44);
    expect(damages[0].clips.map(String)).to.deep.equal(['(0,16,64,32)']);
    expect(helper.stats.blittedBytes).to.equal(16 * PITCH);
  });

  it('smem_len is the page-aligned GEM size; the clip stays inside the rows', () => {
    const { scheduler, helper, damages, map } = rig({ shadow: true, height: 20 }); // 5120 bytes → 8192
    expect(helper.info.fix.smemLen).to.equal(8192);
    map.setUint8(8000, 1); // past the last row: nothing to show
    map.setUint8(5000, 1); // row 19
    scheduler.flush();
    expect(damages[0].clips.map(String)).to.deep.equal(['(0,16,64,20)']);
  });

  it('a failing dirty callback is retried with the merged clip', () => {
    let fail = true;
    const { scheduler, helper, damages } = rig({
      shadow: true,
      dirty: () => {
        if (fail) throw new Error('busy');
      },
    });
    helper.fillrect({ dx: 0, dy: 0, width: 2, height: 2, color: 7 });
    scheduler.flush();
    expect(damages).to.have.length(0);
    fail = false;
    helper.fillrect({ dx: 10, dy: 10, width: 1, height: 1, color: 7 });
    scheduler.flush();
    expect(damages[0].clips.map(String)).to.deep.equal(['(0,0,2,2)', '(10,10,11,11)']);
    expect(gemBytes(helper)[PITCH * 10 + 40]).to.equal(7);
  });
});

describe('panning', () => {
  for (const shadow of [false, true]) {
    it(`off-screen drawing shows up when panned in (${shadow ? 'shadow' : 'shmem'})`, () => {
      const { scheduler, helper, damages, map } = rig({ shadow, virtualHeight: 2 * H });
      map.setUint32(PITCH * (H + 3), 0xdeadbeef); // row 3 of the back buffer
      scheduler.flush();
      expect(damages).to.have.length(0); // nothing visible changed
      helper.pan(0, H);
      scheduler.flush();
      expect(damages.map((d) => d.clips.map(String))).to.deep.equal([[`(0,0,${W},${H})`]]);
      expect(damages[0].viewport.toString()).to.equal(`(0,${H},${W},${2 * H})`);
      expect(gemBytes(helper)[PITCH * (H + 3)]).to.equal(0xef);
      map.setUint32(PITCH * (H + 5), 1);
      scheduler.flush();
      // page 2 = fb rows 32..48 = screen rows 0..16 of the panned viewport
      expect(damages[1].clips.map(String)).to.deep.equal([`(0,0,${W},16)`]);
    });
  }

  it('rejects a viewport outside the virtual resolution (EINVAL), state unchanged', () => {
    const { helper } = rig({ virtualHeight: 2 * H });
    throwsCode(() => helper.pan(0, H + 1), 'EINVAL');
    throwsCode(() => helper.pan(1, 0), 'EINVAL');
    throwsCode(() => helper.pan(-1, 0), 'EINVAL');
    expect([helper.info.var.xoffset, helper.info.var.yoffset]).to.deep.equal([0, 0]);
  });
});

describe('setup validation', () => {
  it('a setup failing late releases its GEM object: the same mount offset is free again', () => {
    const { device } = rig();
    const c = new Container();
    c.bind(SCHEDULER).toConstantValue(new VirtualTimeScheduler());
    c.bind(GEM_DEVICE).toConstantValue(device);
    c.load(fbdevDefioModule, drmFbHelperModule);
    const factory = c.get<DrmFbdevFactoryApi>(DRM_FBDEV_FACTORY);
    const gemOffset = 2 ** 34;
    throwsCode(() => factory.create({ width: W, height: H, gemOffset, maxRects: 0 }), 'EINVAL');
    expect(device.objectAt(gemOffset)).to.equal(undefined);
    expect(factory.create({ width: W, height: H, gemOffset }).bo.width).to.equal(W);
  });

  it('rejects bad resolutions and bpp with EINVAL', () => {
    throwsCode(() => rig({ width: 0 }), 'EINVAL');
    throwsCode(() => rig({ virtualHeight: H - 1 }), 'EINVAL');
    throwsCode(() => rig({ bpp: 8 }), 'EINVAL');
    throwsCode(() => rig({ gemOffset: 4097 }), 'EINVAL');
    throwsCode(() => rig({ clipMode: 'rects' as never }), 'EINVAL');
    throwsCode(() => rig({ maxRects: 0 }), 'EINVAL');
  });
});

type Op =
  | { kind: 'store'; at: number; value: number }
  | { kind: 'write'; at: number; len: number; byte: number }
  | { kind: 'fill'; dx: number; dy: number; w: number; h: number; color: number }
  | { kind: 'glyph'; dx: number; dy: number; bits: number };

const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('store' as const), at: frac, value: fc.nat() }),
  fc.record({
    kind: fc.constant('write' as const),
    at: frac,
    len: fc.integer({ min: 1, max: 700 }),
    byte: fc.nat(255),
  }),
  fc.record({
    kind: fc.constant('fill' as const),
    dx: fc.nat(70),
    dy: fc.nat(40),
    w: fc.nat(20),
    h: fc.nat(20),
    color: fc.nat(),
  }),
  fc.record({ kind: fc.constant('glyph' as const), dx: fc.nat(70), dy: fc.nat(40), bits: fc.nat(255) }),
);

describe('both setups, random client drawing (property)', () => {
  it('end with GEM bytes == what the client drew, every written byte inside the reported damage', () => {
    fc.assert(
      fc.property(
        fc.record({
          shadow: fc.boolean(),
          clipMode: fc.constantFrom('bbox' as const, 'region' as const),
          bpp: fc.constantFrom(16, 24, 32),
          pageSize: fc.constantFrom(4096, 16384),
        }),
        fc.array(fc.array(arbOp, { maxLength: 6 }), { maxLength: 4 }),
        (opts, rounds) => {
          const { scheduler, helper, damages, map } = rig(opts, opts.pageSize);
          const { lineLength } = helper.info.fix;
          const model = new FbSurface(new Uint8Array(lineLength * H), W, H, lineLength, helper.bo.format);
          const written = new Set<number>();
          for (const ops of rounds) {
            for (const op of ops) apply(op, helper, map, model, written);
            scheduler.flush();
          }
          expect(Buffer.compare(helper.bo.bytes.subarray(0, lineLength * H), model.bytes)).to.equal(0);
          const damaged = union(damages);
          for (const b of written) {
            const [x, y] = [Math.floor((b % lineLength) / model.cpp), Math.floor(b / lineLength)];
            if (!damaged.containsPoint(x, y)) expect.fail(`byte ${b} (${x},${y}) not in ${damaged}`);
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});

/** Applies one client op to the setup and, independently, to a plain model framebuffer. */
function apply(
  op: Op,
  helper: DrmFbHelper,
  map: { setUint32(o: number, v: number): void },
  model: FbSurface,
  written: Set<number>,
): void {
  const size = model.bytes.length;
  const maxPixel = 2 ** model.format.bpp - 1;
  const mark = (r: Rect) => {
    for (let y = r.y1; y < r.y2; y++) for (let x = r.x1; x < r.x2; x++) written.add(model.offsetOf(x, y));
  };
  if (op.kind === 'store') {
    const o = Math.floor(op.at * (size - 3));
    map.setUint32(o, op.value);
    new DataView(model.bytes.buffer).setUint32(o, op.value, true);
    for (let i = 0; i < 4; i++) written.add(o + i);
  } else if (op.kind === 'write') {
    const pos = Math.floor(op.at * size);
    const data = new Uint8Array(op.len).fill(op.byte);
    const n = helper.write(pos, data);
    const inModel = Math.min(n, size - pos);
    model.bytes.set(data.subarray(0, inModel), pos);
    for (let i = 0; i < inModel; i++) written.add(pos + i);
  } else if (op.kind === 'fill') {
    const req = { dx: op.dx, dy: op.dy, width: op.w, height: op.h, color: op.color % (maxPixel + 1) };
    helper.fillrect(req);
    mark(fillrect(model, req));
  } else {
    const img = {
      dx: op.dx,
      dy: op.dy,
      width: 8,
      height: 2,
      depth: 1,
      fgColor: maxPixel,
      bgColor: 3,
      data: new Uint8Array([op.bits, ~op.bits & 255]),
    };
    helper.imageblit(img);
    mark(imageblit(model, img));
  }
}
