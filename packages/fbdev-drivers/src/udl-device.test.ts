import { expect } from 'chai';
import fc from 'fast-check';
import { UdlDevice } from './udl-device.js';

const u16 = (v: number) => [v & 0xff, v >> 8];
const span = (y: number, x: number, n: number, ...packets: number[]) => [
  0xa1,
  ...u16(y),
  ...u16(x),
  ...u16(n),
  ...packets,
];

function send(dev: UdlDevice, bytes: number[]): string | undefined {
  let code: string | undefined = 'not called';
  dev.send(new Uint8Array(bytes), (err) => {
    code = (err as { code?: string } | undefined)?.code;
  });
  return code;
}

describe('UdlDevice (USB display decoder model)', () => {
  it('decodes runs and literals into the span', () => {
    const dev = new UdlDevice(8, 3);
    const code = send(dev, span(1, 2, 5, 0x82, ...u16(0x1234), 0x01, ...u16(0xaaaa), ...u16(0x5555)));
    expect(code).to.equal(undefined);
    expect([2, 3, 4, 5, 6].map((x) => dev.pixel(x, 1))).to.deep.equal([
      0x1234, 0x1234, 0x1234, 0xaaaa, 0x5555,
    ]);
    expect([dev.pixel(1, 1), dev.pixel(7, 1), dev.pixel(2, 0)]).to.deep.equal([0, 0, 0]);
  });

  it('refuses spans off the screen, packets past the span and truncated data (EIO), keeping earlier spans', () => {
    const good = span(0, 0, 1, 0x80, ...u16(7));
    for (const bad of [
      span(0, 6, 3, 0x82, ...u16(1)),
      span(3, 0, 1, 0x80, ...u16(1)),
      span(0, 0, 2, 0x82, ...u16(1)),
      span(0, 0, 2, 0x01, ...u16(1)),
      span(0, 0, 0),
      [0x42],
    ]) {
      const dev = new UdlDevice(8, 3);
      expect(send(dev, [...good, ...bad])).to.equal('EIO');
      expect(dev.pixel(0, 0)).to.equal(7);
      expect(dev.stats.errors).to.equal(1);
    }
  });

  it('answers random bytes exactly once, with EIO or success, and counts what it answered', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (prefixed, tail) => {
        // half the cases start with a good span, so the decoder gets past the first command
        const good = span(0, 0, 1, 0x80, ...u16(0x1234));
        const bytes = prefixed ? Uint8Array.from([...good, ...tail]) : tail;
        const dev = new UdlDevice(16, 4);
        const answers: (Error | undefined)[] = [];
        dev.send(bytes, (e) => answers.push(e));
        expect(answers).to.have.length(1);
        const err = answers[0] as { code?: string } | undefined;
        if (err) expect(err.code).to.equal('EIO');
        expect(dev.stats.errors).to.equal(err ? 1 : 0);
        if (!err) expect(bytes.length === 0 || dev.stats.spans > 0).to.equal(true);
        if (prefixed) expect(dev.stats.spans).to.be.at.least(1);
        if (dev.stats.spans === 0) expect(dev.fb.every((p) => p === 0)).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });
});
