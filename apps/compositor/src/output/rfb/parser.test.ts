import { expect } from 'chai';
import fc from 'fast-check';
import { type ClientMessageHandler, ClientMessageParser, type ParserLimits } from './parser.js';

/** Records every handler call as a plain value. */
function recorder(): { calls: unknown[]; handler: ClientMessageHandler } {
  const calls: unknown[] = [];
  const rec =
    (name: string) =>
    (...args: unknown[]) =>
      calls.push([name, ...args.map((a) => (a instanceof Int32Array ? [...a] : a))]);
  const handler: ClientMessageHandler = {
    version: rec('version'),
    securityType: rec('securityType'),
    clientInit: rec('clientInit'),
    setPixelFormat: rec('setPixelFormat'),
    setEncodings: rec('setEncodings'),
    updateRequest: rec('updateRequest'),
    keyEvent: rec('keyEvent'),
    pointerEvent: rec('pointerEvent'),
    cutText: rec('cutText'),
  };
  return { calls, handler };
}

const LIMITS: ParserLimits = { maxEncodings: 64, maxCutTextBytes: 256 };

/** A valid client byte stream: handshake then one of each message. */
const SESSION = Buffer.concat([
  Buffer.from('RFB 003.008\n'),
  Buffer.from([1, 0]),
  Buffer.from([0, 0, 0, 0, 16, 16, 1, 1, 0, 31, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0]),
  Buffer.from([2, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21]),
  Buffer.from([3, 1, 0, 1, 0, 2, 0, 3, 0, 4]),
  Buffer.from([4, 1, 0, 0, 0, 0, 0xff, 0x0d]),
  Buffer.from([5, 2, 1, 0, 0, 9]),
  Buffer.from([6, 0, 0, 0, 0, 0, 0, 3, 0x61, 0xe9, 0x62]),
]);

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  return out;
}

describe('ClientMessageParser', () => {
  it('decodes a whole client session into handler calls', () => {
    const { calls, handler } = recorder();
    expect(new ClientMessageParser(handler, LIMITS).feed(SESSION)).to.equal(undefined);
    expect(calls).to.deep.equal([
      ['version', 8],
      ['securityType', 1],
      ['clientInit', false],
      [
        'setPixelFormat',
        {
          bitsPerPixel: 16,
          depth: 16,
          bigEndian: true,
          trueColour: true,
          redMax: 31,
          greenMax: 63,
          blueMax: 31,
          redShift: 11,
          greenShift: 5,
          blueShift: 0,
        },
      ],
      ['setEncodings', [1, 0, -223]],
      ['updateRequest', true, 1, 2, 3, 4],
      ['keyEvent', true, 0xff0d],
      ['pointerEvent', 2, 256, 9],
      ['cutText', 'aéb'],
    ]);
  });

  it('3.3 and other 3.x answers skip the client security byte', () => {
    for (const v of ['RFB 003.003\n', 'RFB 003.005\n']) {
      const { calls, handler } = recorder();
      new ClientMessageParser(handler, LIMITS).feed(Buffer.from(`${v}\x01`));
      expect(calls).to.deep.equal([
        ['version', 3],
        ['clientInit', true],
      ]);
    }
  });

  it('gives the same calls however the stream is split', () => {
    const { calls: whole, handler } = recorder();
    new ClientMessageParser(handler, LIMITS).feed(SESSION);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
        const r = recorder();
        const p = new ClientMessageParser(r.handler, LIMITS);
        for (const chunk of splitAt(SESSION, cuts)) expect(p.feed(chunk)).to.equal(undefined);
        expect(r.calls).to.deep.equal(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('collects a large ClientCutText delivered one byte per packet', () => {
    const { calls, handler } = recorder();
    const p = new ClientMessageParser(handler, { maxEncodings: 8, maxCutTextBytes: 1 << 20 });
    const text = Buffer.alloc(100_000, 'x');
    text.write('end', text.length - 3);
    const header = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(text.length, 4);
    p.feed(Buffer.from('RFB 003.008\n\x01\x00'));
    for (const byte of Buffer.concat([header, text, Buffer.from([5, 0, 0, 1, 0, 2])]))
      p.feed(Uint8Array.of(byte));
    expect(calls.length).to.equal(5);
    expect(calls[3]).to.deep.equal(['cutText', text.toString('latin1')]);
    expect(calls[4]).to.deep.equal(['pointerEvent', 0, 1, 2]);
  });

  it('fails on oversized counts and lengths before buffering them', () => {
    const head = Buffer.from('RFB 003.008\n\x01\x00');
    const enc = recorder();
    expect(
      new ClientMessageParser(enc.handler, LIMITS).feed(Buffer.concat([head, Buffer.from([2, 0, 0, 65])])),
    ).to.match(/65 encodings/);
    const cut = recorder();
    expect(
      new ClientMessageParser(cut.handler, LIMITS).feed(
        Buffer.concat([head, Buffer.from([6, 0, 0, 0, 0, 0, 1, 1])]),
      ),
    ).to.match(/257 bytes/);
  });

  it('stays dead after a failure and after stop()', () => {
    const { calls, handler } = recorder();
    const p = new ClientMessageParser(handler, LIMITS);
    expect(p.feed(Buffer.from('RFB 004.000\n'))).to.match(/bad ProtocolVersion/);
    expect(p.feed(SESSION)).to.match(/bad ProtocolVersion/);
    expect(calls).to.deep.equal([]);
    const q = recorder();
    const stopped = new ClientMessageParser(q.handler, LIMITS);
    stopped.feed(SESSION.subarray(0, 12));
    stopped.stop();
    stopped.feed(SESSION.subarray(12));
    expect(q.calls).to.deep.equal([['version', 8]]);
  });

  it('fuzz: random bytes in random chunks never throw, and handled messages stay within the limits', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 40 }),
        (withHandshake, chunks) => {
          const { calls, handler } = recorder();
          const p = new ClientMessageParser(handler, LIMITS);
          if (withHandshake) p.feed(SESSION.subarray(0, 14));
          let failure: string | undefined;
          for (const c of chunks) failure = p.feed(c) ?? failure;
          const fed = chunks.reduce((s, c) => s + c.length, 0) + (withHandshake ? 14 : 0);
          // every call consumed at least one byte, and a failure is sticky
          expect(calls.length).to.be.at.most(fed);
          if (failure !== undefined) expect(p.feed(new Uint8Array([0]))).to.equal(failure);
          for (const c of calls as [string, ...unknown[]][]) {
            if (c[0] === 'setEncodings') expect((c[1] as number[]).length).to.be.at.most(LIMITS.maxEncodings);
            if (c[0] === 'cutText') expect((c[1] as string).length).to.be.at.most(LIMITS.maxCutTextBytes);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('fuzz: a valid stream with random bytes spliced in: what came before the junk parses as without it, failures stick', () => {
    fc.assert(
      fc.property(
        fc.nat(SESSION.length),
        fc.uint8Array({ minLength: 1, maxLength: 16 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (at, junk, cuts) => {
          const clean = recorder();
          new ClientMessageParser(clean.handler, LIMITS).feed(SESSION.subarray(0, at));
          const stream = Buffer.concat([SESSION.subarray(0, at), junk, SESSION.subarray(at)]);
          const spliced = recorder();
          const p = new ClientMessageParser(spliced.handler, LIMITS);
          let failure: string | undefined;
          for (const chunk of splitAt(stream, cuts)) failure = p.feed(chunk) ?? failure;
          // every message complete before the junk was handled exactly as in the clean stream
          expect(spliced.calls.slice(0, clean.calls.length)).to.deep.equal(clean.calls);
          expect(spliced.calls.length).to.be.at.most(stream.length);
          if (failure !== undefined) {
            const handled = spliced.calls.length;
            expect(p.feed(SESSION)).to.equal(failure);
            expect(spliced.calls.length).to.equal(handled, 'a dead parser handles nothing more');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
