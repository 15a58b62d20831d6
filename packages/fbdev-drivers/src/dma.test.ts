import { expect } from 'chai';
import { DmaDriver } from './dma.js';
import { DmaEngine } from './dma-engine.js';
import { lcg, rig, scatterWrites } from './test-support.js';
import type { SendDone } from './tokens.js';

const W = 80;
const H = 64;

describe('DmaDriver end to end (FbMapping → defio → SG list → DMA engine → panel memory)', () => {
  it('panel memory equals the framebuffer after random writes, with a rate-limited engine', () => {
    const r = rig(32, W, H);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    const engine = new DmaEngine(r.surface.bytes, vram, r.sched, 64);
    const driver = new DmaDriver(r.fb, r.sched, { engine });
    const rand = lcg(11);
    for (let round = 0; round < 6; round++) {
      scatterWrites(r, rand, 15);
      r.sched.flush();
    }
    expect(Buffer.compare(vram, r.surface.bytes)).to.equal(0);
    expect(engine.stats.rejected).to.equal(0);
    expect(driver.idle).to.equal(true);
  });

  it('merges contiguous dirty pages into one segment and sends nothing for clean pages', () => {
    const r = rig(32, W, H);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    const engine = new DmaEngine(r.surface.bytes, vram);
    const driver = new DmaDriver(r.fb, r.sched, { engine });
    for (const page of [1, 2, 4]) r.map.setUint8(page * 4096 + 3, 9);
    r.sched.flush();
    expect([...driver.sg.table.subarray(0, 8)]).to.deep.equal([4096, 4096, 8192, 0, 16384, 16384, 4096, 1]);
    expect(engine.stats.bytes).to.equal(3 * 4096);
  });

  it('uses pageref.offset, not page.index: a mapping at a non-zero file offset lands at the right bytes', () => {
    const r = rig(32, W, H);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    new DmaDriver(r.fb, r.sched, { engine: new DmaEngine(r.surface.bytes, vram) });
    const late = r.fb.mmap(r.fb.open(), { fileBase: 100, pgoff: 103, length: 4096 });
    late.fill(16, 32, 0x5a);
    r.sched.flush();
    expect([...vram.subarray(3 * 4096 + 15, 3 * 4096 + 49)]).to.deep.equal([
      0,
      ...new Array(32).fill(0x5a),
      0,
    ]);
    expect(Buffer.compare(vram, r.surface.bytes)).to.equal(0);
  });

  it('loses nothing when the engine refuses lists', () => {
    const r = rig(16, W, H);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    const inner = new DmaEngine(r.surface.bytes, vram);
    let n = 0;
    const engine = {
      execute(table: Uint32Array, count: number, done: SendDone) {
        if (n++ % 2 === 0) done(new Error('DMA fault'));
        else inner.execute(table, count, done);
      },
    };
    const driver = new DmaDriver(r.fb, r.sched, { engine });
    const rand = lcg(12);
    for (let round = 0; round < 5; round++) {
      scatterWrites(r, rand, 15);
      r.sched.flush();
    }
    expect(driver.stats.failures).to.be.greaterThan(0);
    expect(Buffer.compare(vram, r.surface.bytes)).to.equal(0);
  });
});
