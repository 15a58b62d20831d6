import { FbSurface, XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { PvHost } from './pv-host.js';
import { createPvRing, PV_EVENT_WORDS, PvRingProducer } from './pv-ring.js';

/** A 16×8 XRGB8888 guest framebuffer where pixel (x, y) holds 0x00yyxx + 0x010000. */
function guest() {
  const bytes = new Uint8Array(16 * 8 * 4);
  const px = new Uint32Array(bytes.buffer);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) px[y * 16 + x] = 0x010000 | (y << 8) | x;
  return new FbSurface(bytes, 16, 8, 64, XRGB8888);
}
const shown = (host: PvHost, x: number, y: number) => host.display[y * 16 + x];
const expected = (x: number, y: number) => (0xff010000 | (y << 8) | x) >>> 0;

describe('PV ring + host (xen-fbfront / hyperv_fb model)', () => {
  it('copies exactly the rects of queued update events', () => {
    const ring = createPvRing(4);
    const host = new PvHost(ring, guest());
    const prod = new PvRingProducer(ring);
    expect(prod.pushUpdate(2, 1, 3, 2)).to.equal(true);
    expect(host.notify()).to.equal(1);
    expect(shown(host, 2, 1)).to.equal(expected(2, 1));
    expect(shown(host, 4, 2)).to.equal(expected(4, 2));
    expect([shown(host, 5, 1), shown(host, 2, 3), shown(host, 1, 1)]).to.deep.equal([0, 0, 0]);
    expect(host.stats.pixels).to.equal(6);
  });

  it('reports full when the host lags a whole ring behind, and has room again after a pass', () => {
    const ring = createPvRing(4);
    const host = new PvHost(ring, guest());
    const prod = new PvRingProducer(ring);
    for (let i = 0; i < 4; i++) expect(prod.pushUpdate(i, 0, 1, 1)).to.equal(true);
    expect(prod.pushUpdate(5, 0, 1, 1)).to.equal(false);
    expect(host.notify()).to.equal(4);
    expect(prod.free()).to.equal(4);
    expect(prod.pushUpdate(5, 0, 1, 1)).to.equal(true);
  });

  it('clamps rects to the screen and turns bad events into full-screen updates', () => {
    const ring = createPvRing(8);
    const host = new PvHost(ring, guest());
    const prod = new PvRingProducer(ring);
    prod.pushUpdate(14, 6, 10, 10);
    host.notify();
    expect(host.stats.pixels).to.equal(4);
    expect(host.stats.badEvents).to.equal(0);
    prod.pushUpdate(0, 0, -5, 3);
    host.notify();
    expect(host.stats.badEvents).to.equal(1);
    expect(shown(host, 0, 0)).to.equal(expected(0, 0));
    expect(shown(host, 15, 7)).to.equal(expected(15, 7));
  });

  it('clamps a rect whose x + width leaves int32 instead of throwing out of the host loop', () => {
    const ring = createPvRing(8);
    const host = new PvHost(ring, guest());
    const prod = new PvRingProducer(ring);
    prod.pushUpdate(14, 6, 2 ** 31 - 1, 2 ** 31 - 1);
    expect(() => host.notify()).to.not.throw();
    expect([host.stats.pixels, host.stats.badEvents]).to.deep.equal([4, 0]);
    expect(shown(host, 15, 7)).to.equal(expected(15, 7));
    expect(shown(host, 13, 7)).to.equal(0);
  });

  it('resyncs on a prod more than a ring ahead (full redraw) and bounds the work per pass', () => {
    const ring = createPvRing(8);
    const words = new Int32Array(ring);
    const host = new PvHost(ring, guest(), 3);
    Atomics.store(words, 0, 1000);
    expect(host.notify()).to.equal(0);
    expect(host.stats.resyncs).to.equal(1);
    expect(Atomics.load(words, 1)).to.equal(1000);
    expect(shown(host, 9, 5)).to.equal(expected(9, 5));
    const prod = new PvRingProducer(ring);
    for (let i = 0; i < 5; i++) prod.pushUpdate(0, 0, 1, 1);
    expect([host.notify(), host.notify(), host.notify()]).to.deep.equal([3, 2, 0]);
  });

  it('never throws whatever the guest writes into the ring', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { minLength: 4 + 4 * PV_EVENT_WORDS, maxLength: 4 + 4 * PV_EVENT_WORDS }),
        (w) => {
          const ring = createPvRing(4);
          new Int32Array(ring).set(w);
          const host = new PvHost(ring, guest());
          host.notify();
          expect(host.stats.pixels).to.be.at.most(16 * 8 * (4 + 1));
        },
      ),
      { numRuns: 200 },
    );
  });
});
