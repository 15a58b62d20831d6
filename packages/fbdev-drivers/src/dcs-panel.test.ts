import { expect } from 'chai';
import fc from 'fast-check';
import { DcsPanel } from './dcs-panel.js';

/** One DBI record built by hand (command, u32le length, data), independent of the encoder. */
function rec(cmd: number, ...data: number[]): number[] {
  const n = data.length;
  return [cmd, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, ...data];
}
const stream = (...records: number[][]) => new Uint8Array(records.flat());
const awake = [rec(0x11), rec(0x3a, 0x55), rec(0x29)];

function send(panel: DcsPanel, bytes: Uint8Array): void {
  let called = 0;
  panel.send(bytes, (err) => {
    expect(err).to.equal(undefined);
    called++;
  });
  expect(called).to.equal(1);
}

describe('DcsPanel (ST7789-style MIPI DCS model)', () => {
  it('writes RAMWR pixels big-endian into the CASET/RASET window, row by row', () => {
    const p = new DcsPanel(8, 4);
    send(
      p,
      stream(
        ...awake,
        rec(0x2a, 0, 2, 0, 4),
        rec(0x2b, 0, 1, 0, 2),
        rec(0x2c, 0x12, 0x34, 0xab, 0xcd, 0, 1, 2, 3, 4, 5, 6, 7),
      ),
    );
    expect(p.showing).to.equal(true);
    expect([p.pixel(2, 1), p.pixel(3, 1), p.pixel(4, 1)]).to.deep.equal([0x1234, 0xabcd, 0x0001]);
    expect([p.pixel(2, 2), p.pixel(3, 2), p.pixel(4, 2)]).to.deep.equal([0x0203, 0x0405, 0x0607]);
    expect(p.pixel(5, 1)).to.equal(0);
    expect(p.pixel(1, 2)).to.equal(0);
    expect(p.stats.pixels).to.equal(6);
  });

  it('ignores pixel data until COLMOD selects 16 bpp (it powers up in 18-bit mode, asleep)', () => {
    const p = new DcsPanel(4, 4);
    send(p, stream(rec(0x2c, 0xff, 0xff)));
    expect(p.pixel(0, 0)).to.equal(0);
    expect(p.stats.errors).to.equal(1);
    expect(p.showing).to.equal(false);
  });

  it('refuses a window that is inverted, outside the panel or has the wrong parameter count', () => {
    const p = new DcsPanel(4, 4);
    send(p, stream(...awake, rec(0x2a, 0, 1, 0, 1), rec(0x2b, 0, 1, 0, 1)));
    send(p, stream(rec(0x2a, 0, 3, 0, 2), rec(0x2a, 0, 0, 0, 4), rec(0x2b, 0, 0), rec(0x2c, 0xaa, 0xbb)));
    expect(p.stats.errors).to.equal(3);
    expect(p.pixel(1, 1)).to.equal(0xaabb);
  });

  it('wraps the cursor inside the window and continues across RAMWRC with a split pixel', () => {
    const p = new DcsPanel(4, 4);
    send(
      p,
      stream(...awake, rec(0x2a, 0, 0, 0, 1), rec(0x2b, 0, 0, 0, 0), rec(0x2c, 0, 1, 0, 2, 0), rec(0x3c, 3)),
    );
    expect([p.pixel(0, 0), p.pixel(1, 0)]).to.deep.equal([0x0003, 0x0002]);
  });

  it('delivers the records before a truncated one, counts the error and never throws on random bytes', () => {
    const p = new DcsPanel(4, 4);
    const good = stream(...awake, rec(0x2c, 0x11, 0x22));
    send(p, new Uint8Array([...good, 0x2c, 9, 0, 0, 0, 1]));
    expect(p.pixel(0, 0)).to.equal(0x1122);
    expect(p.stats.errors).to.equal(1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const q = new DcsPanel(5, 3);
        q.send(bytes, () => {});
        expect(q.gram.length).to.equal(15);
      }),
      { numRuns: 300 },
    );
  });
});
