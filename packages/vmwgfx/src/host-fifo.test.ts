import { expect } from 'chai';
import fc from 'fast-check';
import { fifoAdvance } from './fifo-layout.js';
import { type FifoCommandSink, HostFifo } from './host-fifo.js';
import { SvgaCmd, SvgaFifo } from './svga-reg.js';

const FIFO_BYTES = 16384;
const MIN = 4096;

/** Well-formed commands and what a correct host must report for each. */
type Cmd =
  | { kind: 'update'; rect: number[] }
  | { kind: 'verbose'; rect: number[]; reason: number }
  | { kind: 'fence'; value: number }
  | { kind: 'nop' }
  | { kind: 'rectCopy'; args: number[] }
  | { kind: 'cursor'; w: number; h: number };

const small = fc.integer({ min: 0, max: 0xffff });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ kind: fc.constant('update' as const), rect: fc.array(small, { minLength: 4, maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('verbose' as const),
    rect: fc.array(small, { minLength: 4, maxLength: 4 }),
    reason: small,
  }),
  fc.record({ kind: fc.constant('fence' as const), value: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ kind: fc.constant('nop' as const) }),
  fc.record({
    kind: fc.constant('rectCopy' as const),
    args: fc.array(small, { minLength: 6, maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant('cursor' as const),
    w: fc.integer({ min: 1, max: 40 }),
    h: fc.integer({ min: 1, max: 8 }),
  }),
);

/** The reference encoding (svga_reg.h layouts) and the events a host must produce. */
function encode(c: Cmd): { words: number[]; events: string[] } {
  switch (c.kind) {
    case 'update':
      return { words: [SvgaCmd.UPDATE, ...c.rect], events: [`u${c.rect}`] };
    case 'verbose':
      return { words: [SvgaCmd.UPDATE_VERBOSE, ...c.rect, c.reason], events: [`u${c.rect}`] };
    case 'fence':
      return { words: [SvgaCmd.FENCE, c.value], events: [`f${c.value}`] };
    case 'nop':
      return { words: [SvgaCmd.NOP], events: [] };
    case 'rectCopy':
      return { words: [SvgaCmd.RECT_COPY, ...c.args], events: [] };
    case 'cursor': {
      // 32 bpp: a 1-bit AND mask of ⌈w/32⌉ words a row, then w words a row; payload of UPDATE ids
      const payload = (Math.ceil(c.w / 32) + c.w) * c.h;
      return {
        words: [SvgaCmd.DEFINE_CURSOR, 0, 0, 0, c.w, c.h, 1, 32, ...new Array(payload).fill(SvgaCmd.UPDATE)],
        events: [],
      };
    }
  }
}

describe('HostFifo decoding (model)', () => {
  it('property: any well-formed stream, published in any pieces and read in passes of any size, yields every command once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(cmd, { maxLength: 40 }),
        fc.integer({ min: MIN / 4, max: FIFO_BYTES / 4 - 1 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 8 })), {
          minLength: 1,
          maxLength: 30,
        }),
        (cmds, startWord, steps) => {
          const fifo = new Uint32Array(FIFO_BYTES / 4);
          const p = { min: MIN, max: FIFO_BYTES, nextCmd: startWord * 4, stop: startWord * 4 };
          fifo.set([p.min, p.max, p.nextCmd, p.stop], SvgaFifo.MIN);
          const words = cmds.flatMap((c) => encode(c).words);
          const want = cmds.flatMap((c) => encode(c).events);
          // the whole stream fits the ring, so the writer never has to wait here
          fc.pre(words.length < (FIFO_BYTES - MIN) / 4 - 1);
          let at = p.nextCmd;
          for (const w of words) {
            fifo[at >>> 2] = w;
            at = fifoAdvance(p, at, 4);
          }
          const seen: string[] = [];
          const sink: FifoCommandSink = {
            update: (...r) => seen.push(`u${r}`),
            fence: (v) => seen.push(`f${v >>> 0}`),
          };
          // publish word by word like a guest without the RESERVE capability, in random pieces
          let published = 0;
          for (const [piece, maxCommands] of [...steps, [words.length, 1023] as const]) {
            published = Math.min(words.length, published + piece);
            let next = p.nextCmd;
            for (let i = 0; i < published; i++) next = fifoAdvance(p, next, 4);
            fifo[SvgaFifo.NEXT_CMD] = next;
            const stats = new HostFifo(fifo, FIFO_BYTES, maxCommands).run(sink);
            expect(stats.valid).to.equal(true);
            expect(stats.badCommands).to.equal(0);
            expect(stats.commands).to.be.at.most(maxCommands);
          }
          new HostFifo(fifo, FIFO_BYTES).run(sink);
          expect(seen).to.deep.equal(want);
          expect(fifo[SvgaFifo.STOP]).to.equal(fifo[SvgaFifo.NEXT_CMD]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
