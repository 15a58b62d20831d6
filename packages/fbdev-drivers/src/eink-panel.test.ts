import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { EinkPanel } from './eink-panel.js';

const u16 = (v: number) => [v & 0xff, v >> 8];
const load = (x: number, y: number, w: number, h: number, bits: number, data: number[]) => [
  0x20,
  ...u16(x),
  ...u16(y),
  ...u16(w),
  ...u16(h),
  bits,
  ...data,
];
const refresh = (full: boolean) => [0x30, full ? 1 : 0];

function setup() {
  const sched = new VirtualTimeScheduler();
  const panel = new EinkPanel(8, 4, sched, { partialMs: 300, fullMs: 2000 });
  const results: Array<{ at: number; err?: Error }> = [];
  const send = (bytes: number[]) =>
    panel.send(new Uint8Array(bytes), (err) => results.push({ at: sched.now(), err }));
  return { sched, panel, results, send };
}

describe('EinkPanel (e-paper controller model)', () => {
  it('shows loaded grey only when the partial waveform ends, and stays busy until then', () => {
    const { sched, panel, results, send } = setup();
    send([...load(1, 2, 3, 1, 4, [0x0f, 0x80]), ...refresh(false)]);
    expect(panel.isBusy).to.equal(true);
    expect(panel.display[2 * 8 + 1]).to.equal(255);
    expect(panel.image.subarray(17, 20)).to.deep.equal(new Uint8Array([0, 255, 136]));
    send([...load(0, 0, 1, 1, 8, [7]), ...refresh(false)]);
    expect(results).to.have.length(1);
    expect((results[0].err as { code?: string }).code).to.equal('EBUSY');
    expect(panel.image[0]).to.equal(255);
    sched.flush();
    expect(results[1]).to.deep.equal({ at: 300, err: undefined });
    expect(panel.display.subarray(17, 20)).to.deep.equal(new Uint8Array([0, 255, 136]));
    expect([panel.stats.partialRefreshes, panel.ghosting, panel.stats.busyRejects]).to.deep.equal([1, 1, 1]);
  });

  it('a full refresh takes the full waveform time and clears ghosting', () => {
    const { sched, panel, results, send } = setup();
    send([...load(0, 0, 8, 1, 1, [0b10000001]), ...refresh(false)]);
    sched.flush();
    send(refresh(true));
    sched.flush();
    expect(results.map((r) => r.at)).to.deep.equal([300, 2300]);
    expect([panel.display[0], panel.display[1], panel.display[7]]).to.deep.equal([255, 0, 255]);
    expect([panel.ghosting, panel.stats.fullRefreshes]).to.deep.equal([0, 1]);
  });

  it('refuses malformed transfers with EIO and does not refresh', () => {
    const cases = [
      load(6, 0, 3, 1, 8, [1, 2, 3]),
      load(0, 0, 2, 1, 2, [1]),
      load(0, 0, 4, 2, 8, [1, 2, 3]),
      [...refresh(false), ...load(0, 0, 1, 1, 8, [1])],
      [0x99],
    ];
    for (const bytes of cases) {
      const { sched, panel, results, send } = setup();
      send([...bytes, ...(bytes[0] === 0x30 ? [] : refresh(false))]);
      sched.flush();
      expect((results[0].err as { code?: string }).code).to.equal('EIO');
      expect(panel.stats.partialRefreshes).to.equal(0);
    }
  });

  it('answers random bytes exactly once; the display changes only through a completed refresh', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, withRefresh) => {
        const { sched, panel, results, send } = setup();
        send([...bytes, ...(withRefresh ? refresh(false) : [])]);
        sched.flush();
        expect(results).to.have.length(1);
        const err = results[0].err as { code?: string } | undefined;
        const refreshed = panel.stats.partialRefreshes + panel.stats.fullRefreshes;
        if (err) {
          expect(err.code).to.equal('EIO');
          expect(panel.stats.errors).to.equal(1);
          expect(refreshed).to.equal(0);
        }
        if (refreshed === 0) expect(panel.display.every((v) => v === 255)).to.equal(true);
        else expect(panel.display).to.deep.equal(panel.image);
        expect(panel.isBusy).to.equal(false);
      }),
      { numRuns: 300 },
    );
  });
});
