import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { InputThrottle, type ViewerInput } from './input-throttle.js';

const key = (keysym: number, down: boolean): ViewerInput => ({ type: 'key', keysym, down });
const ptr = (x: number, buttonMask = 0): ViewerInput => ({ type: 'pointer', x, y: 0, buttonMask });

describe('InputThrottle (virtual time)', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
  });

  function make(options: ConstructorParameters<typeof InputThrottle>[2]) {
    const got: [number, ViewerInput][] = [];
    const t = new InputThrottle(scheduler, (e) => got.push([scheduler.now(), e]), options);
    return { t, got };
  }

  it('passes a burst at once, then ratePerSecond: 10 events at 100/s with burst 4 end at 60 ms', () => {
    scheduler.run(() => {
      const { t, got } = make({ ratePerSecond: 100, burst: 4 });
      for (let i = 0; i < 10; i++) t.push(key(0x61 + i, true));
      expect(got.map(([at]) => at)).to.deep.equal([0, 0, 0, 0]);
      scheduler.flush();
      expect(got.map(([at]) => at)).to.deep.equal([0, 0, 0, 0, 10, 20, 30, 40, 50, 60]);
      expect(got.map(([, e]) => (e as { keysym: number }).keysym)).to.deep.equal(
        [...Array(10)].map((_, i) => 0x61 + i),
      );
    });
  });

  it('the bucket refills while quiet: after 1 s a new burst passes at once', () => {
    scheduler.run(() => {
      const { t, got } = make({ ratePerSecond: 10, burst: 3 });
      for (let i = 0; i < 3; i++) t.push(key(i, true));
      scheduler.schedule(() => {
        for (let i = 0; i < 3; i++) t.push(ptr(i, 1));
      }, 1000);
      scheduler.flush();
      expect(got.map(([at]) => at)).to.deep.equal([0, 0, 0, 1000, 1000, 1000]);
    });
  });

  it('queued motion with the same buttons coalesces to the last position; button changes all stay in order', () => {
    scheduler.run(() => {
      const { t, got } = make({ ratePerSecond: 1000, burst: 1 });
      t.push(ptr(0));
      for (let x = 1; x <= 100; x++) t.push(ptr(x));
      t.push(ptr(101, 1));
      t.push(ptr(102, 1));
      t.push(ptr(103, 0));
      scheduler.flush();
      expect(
        got.map(([, e]) => [(e as { x: number }).x, (e as { buttonMask: number }).buttonMask]),
      ).to.deep.equal([
        [0, 0],
        [100, 0],
        [102, 1],
        [103, 0],
      ]);
      expect(t.stats).to.deep.equal({ delivered: 4, coalesced: 100, dropped: 0, queued: 0 });
    });
  });

  it('a full queue drops new presses and their releases, never a release of a delivered press', () => {
    scheduler.run(() => {
      const { t, got } = make({ ratePerSecond: 100, burst: 1, maxQueued: 2 });
      t.push(key(1, true)); // delivered
      t.push(key(2, true)); // queued
      t.push(key(3, true)); // queued (2 waiting)
      t.push(key(4, true)); // dropped
      t.push(key(4, false)); // its release dropped too
      t.push(key(1, false)); // release of a delivered press: queued beyond the bound
      t.push(ptr(5, 1));
      t.push(ptr(6, 1)); // overflow pointer slot: replaces 5
      scheduler.flush();
      expect(
        got.map(([, e]) => (e.type === 'key' ? `k${e.keysym}${e.down ? 'v' : '^'}` : `p${e.x}`)),
      ).to.deep.equal(['k1v', 'k2v', 'k3v', 'k1^', 'p6']);
      expect(t.stats).to.deep.equal({ delivered: 5, coalesced: 1, dropped: 1, queued: 0 });
    });
  });

  it('a release with another keysym of the same key (A pressed, a released after Shift) is the press’s release', () => {
    scheduler.run(() => {
      const { t, got } = make({});
      t.push(key(0x41, true)); // A
      t.push(key(0x61, false)); // a
      t.push(key(0x31, true)); // 1
      t.push(key(0x21, false)); // !
      t.push(key(0x62, false)); // b was never pressed: dropped
      expect(got.map(([, e]) => e)).to.deep.equal([
        key(0x41, true),
        key(0x61, false),
        key(0x31, true),
        key(0x21, false),
      ]);
    });
  });

  it('a flood from one viewer does not delay another viewer (each has its own bucket)', () => {
    scheduler.run(() => {
      const a = make({ ratePerSecond: 50, burst: 2 });
      const b = make({ ratePerSecond: 50, burst: 2 });
      for (let i = 0; i < 1000; i++) a.t.push(key(i, true));
      b.t.push(key(7, true));
      expect(b.got).to.have.length(1);
      expect(b.got[0][0]).to.equal(0);
      scheduler.flush();
      expect(a.got.at(-1)?.[0]).to.equal(((256 + 2 - 2) * 1000) / 50); // 2 at once, 256 queued, the rest dropped
      expect(a.t.stats.dropped).to.equal(1000 - 2 - 256);
    });
  });

  it('close drops what waits and stops the timer; bad options are EINVAL', () => {
    scheduler.run(() => {
      const { t, got } = make({ ratePerSecond: 10, burst: 1 });
      t.push(key(1, true));
      t.push(key(2, true));
      t.close();
      scheduler.flush();
      expect(got).to.have.length(1);
      expect(() => new InputThrottle(scheduler, () => {}, { burst: 0 })).to.throw(/at least 1/);
      expect(() => new InputThrottle(scheduler, () => {}, { ratePerSecond: Number.NaN })).to.throw(
        /at least 1/,
      );
    });
  });
});
