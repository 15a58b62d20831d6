import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { FIFO_MAX_COMMANDS_PER_PASS } from './host-fifo.js';
import { SvgaHost } from './svga-host.js';
import { SvgaCmd, SvgaFifo, SvgaReg } from './svga-reg.js';
import { bootGuest, expectSurface, patternVram, recordUpdates, SMALL } from './test-support.js';

/** CI default; FUZZ_RUNS overrides it (e.g. 1e6 for a long local run). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const FIFO_BYTES = SMALL.fifoBytes!;
const FIFO_WORDS = FIFO_BYTES / 4;

/**
 * The FIFO as the host sees it: a proxy over exactly-sized memory that records every index the
 * host loads or stores while armed. Any index outside the array, any store other than STOP, and
 * the number of loads per pass are checked after each pass.
 */
function guardedFifo(raw: Uint32Array) {
  const g = { armed: false, loads: 0, outOfBounds: 0, badStores: 0 };
  const index = (key: string | symbol): number | undefined => {
    if (typeof key !== 'string') return undefined;
    const n = Number(key);
    return key !== '' && String(n) === key ? n : undefined;
  };
  const fifo = new Proxy(raw, {
    get(target, key) {
      const i = index(key);
      if (i !== undefined && g.armed) {
        g.loads += 1;
        if (!Number.isInteger(i) || i < 0 || i >= target.length) g.outOfBounds += 1;
      }
      return Reflect.get(target, key, target);
    },
    set(target, key, value) {
      const i = index(key);
      if (i !== undefined && g.armed) {
        if (!Number.isInteger(i) || i < 0 || i >= target.length) g.outOfBounds += 1;
        else if (i !== SvgaFifo.STOP) g.badStores += 1;
      }
      return Reflect.set(target, key, value, target);
    },
  });
  return { fifo, g };
}

// One device for every case (its memory is exactly sized); each case resets it as a guest would.
const raw = new Uint32Array(FIFO_WORDS);
const vram = new Uint8Array(SMALL.vramBytes!);
const { fifo, g } = guardedFifo(raw);
const host = new SvgaHost({ ...SMALL, fifo, vram });
const guestMemory = { fifo: raw, vram };
const updates = recordUpdates(host);
patternVram(vram);
const pristineVram = Buffer.from(vram);

/** Boots the guest, settles the enable redraw, and makes every surface byte differ from VRAM. */
function bootAndScramble() {
  host.reset();
  const writer = bootGuest(host, guestMemory);
  host.refresh();
  const s = host.surface.bytes;
  for (let i = 0; i < s.length; i++) s[i] = ~vram[i]! & 0xff;
  updates.length = 0;
  return writer;
}

/** Runs one host pass armed, then checks memory, bounds and the surface against the updates. */
function guardedPass(run: () => void): void {
  const surface = host.surface;
  const before = surface.bytes.slice();
  // updates drawn before the pass (a SYNC among the fuzzed register writes) are already in `before`
  updates.length = 0;
  g.armed = true;
  g.loads = g.outOfBounds = g.badStores = 0;
  try {
    run();
  } finally {
    g.armed = false;
  }
  expect(g.outOfBounds, 'FIFO accesses out of bounds').to.equal(0);
  expect(g.badStores, 'FIFO stores other than STOP').to.equal(0);
  expect(host.lastPass.commands).to.be.at.most(FIFO_MAX_COMMANDS_PER_PASS);
  // 4 pointer loads, then at most 8 loaded words per command (skipped payloads are not loaded)
  expect(g.loads).to.be.at.most(4 + 8 * FIFO_MAX_COMMANDS_PER_PASS);
  expect(
    Buffer.compare(Buffer.from(vram.buffer, vram.byteOffset, vram.length), pristineVram),
    'VRAM written',
  ).to.equal(0);
  const same = host.surface === surface;
  expectSurface(host.surface, vram, same ? before : new Uint8Array(host.surface.bytes.length), updates);
}

/** After any garbage, a guest that re-initialises the FIFO gets its next UPDATE drawn. */
function expectRecovery(): void {
  const writer = bootAndScramble();
  guardedPass(() => expect(writer.update(1, 2, 3, 4)).to.equal(true));
  expect(updates.map(String)).to.deep.equal([new Rect(1, 2, 4, 6).toString()]);
}

interface FuzzCase {
  regs: { index: number; value: number }[];
  flood: number | null;
  words: number[];
  min: number;
  max: number;
  nextCmd: number;
  stop: number;
  tick: boolean;
}

function runCase(c: FuzzCase): void {
  bootAndScramble();
  for (const r of c.regs) host.writeRegister(r.index, r.value);
  if (c.flood !== null) raw.fill(c.flood, 4096 / 4);
  // the command words go where the host would start reading, if that is inside the memory
  let at = c.stop % 4 === 0 && c.stop >= 4096 && c.stop < FIFO_BYTES ? c.stop / 4 : 1024;
  for (const w of c.words) {
    raw[at] = w >>> 0;
    at = at + 1 === FIFO_WORDS ? 1024 : at + 1;
  }
  raw[SvgaFifo.MIN] = c.min;
  raw[SvgaFifo.MAX] = c.max;
  raw[SvgaFifo.NEXT_CMD] = c.nextCmd;
  raw[SvgaFifo.STOP] = c.stop;
  guardedPass(() => (c.tick ? host.refresh() : host.writeRegister(SvgaReg.SYNC, 1)));
  expectRecovery();
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** pointer values: the interesting edges, aligned offsets inside the FIFO, and anything */
const pointer = fc.oneof(
  fc.constantFrom(
    0,
    4,
    12,
    16,
    4096,
    FIFO_BYTES - 4,
    FIFO_BYTES,
    FIFO_BYTES + 4,
    0x7ffffffc,
    0x80000000,
    0xfffffffc,
  ),
  fc.integer({ min: 0, max: FIFO_WORDS }).map((w) => w * 4),
  fc.integer({ min: 4096 / 4, max: FIFO_WORDS - 1 }).map((w) => w * 4),
  u32,
);
/** command words: real ids, small and negative numbers, huge values */
const word = fc.oneof(
  fc.constantFrom(...Object.values(SvgaCmd)),
  fc.integer({ min: -64, max: 64 }),
  fc.constantFrom(0x7fffffff, 0x80000000, 0xffffffff, 256, 257, 2360, 1770),
  u32,
);
const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  regs: fc.array(
    fc.record({
      index: fc.integer({ min: 0, max: 50 }),
      value: fc.oneof(u32, fc.integer({ min: 0, max: 80 })),
    }),
    {
      maxLength: 3,
    },
  ),
  flood: fc.option(word, { freq: 8 }),
  words: fc.array(word, { maxLength: 40 }),
  min: pointer,
  max: pointer,
  nextCmd: pointer,
  stop: pointer,
  tick: fc.boolean(),
});

/** A valid ring around the garbage, so the command decoder itself gets fuzzed most of the time. */
const validRing = fuzzCase.chain((c) =>
  fc
    .record({
      stopWord: fc.integer({ min: 1024, max: FIFO_WORDS - 1 }),
      len: fc.integer({ min: 0, max: 48 }),
    })
    .map(({ stopWord, len }) => {
      const ring = FIFO_WORDS - 1024;
      const nextWord = 1024 + ((stopWord - 1024 + Math.min(len, c.words.length + 8)) % ring);
      return { ...c, regs: [], min: 4096, max: FIFO_BYTES, stop: stopWord * 4, nextCmd: nextWord * 4 };
    }),
);

describe('SvgaHost fuzz (guarded memory)', () => {
  it(`survives ${RUNS} random FIFO pointer sets, command words and register writes`, () => {
    fc.assert(
      fc.property(fc.oneof({ arbitrary: validRing, weight: 3 }, { arbitrary: fuzzCase, weight: 1 }), (c) =>
        runCase(c),
      ),
      { numRuns: RUNS },
    );
  });

  const base: FuzzCase = {
    regs: [],
    flood: null,
    words: [],
    min: 4096,
    max: FIFO_BYTES,
    nextCmd: 4096,
    stop: 4096,
    tick: false,
  };
  const update = (x: number, y: number, w: number, h: number) => [
    SvgaCmd.UPDATE,
    x >>> 0,
    y >>> 0,
    w >>> 0,
    h >>> 0,
  ];
  const attacks: [string, Partial<FuzzCase>][] = [
    [
      'STOP far outside the FIFO (CVE-2016-4454)',
      { words: update(0, 0, 1, 1), nextCmd: 4116, stop: 0x40000000 },
    ],
    ['NEXT_CMD outside the FIFO', { words: update(0, 0, 1, 1), nextCmd: 0xfffffffc }],
    ['MIN > MAX', { words: update(0, 0, 1, 1), min: FIFO_BYTES - 4, max: 4096, nextCmd: 4116 }],
    ['MIN = MAX (an empty ring would divide by zero)', { min: 8192, max: 8192, nextCmd: 8192, stop: 8192 }],
    ['MIN inside the pointer words', { words: update(0, 0, 1, 1), min: 0, nextCmd: 20, stop: 0 }],
    ['unaligned pointers', { words: update(0, 0, 1, 1), nextCmd: 4117, stop: 4097 }],
    ['a huge rect (CVE-2014-3689)', { words: update(0, 0, 0x7fffffff, 0x7fffffff), nextCmd: 4116 }],
    ['a negative rect', { words: update(-16, -16, 8, 8), nextCmd: 4116 }],
    ['a rect whose x + width wraps 32 bits', { words: update(0xfffffff0, 0, 0x20, 1), nextCmd: 4116 }],
    [
      'a command spanning the ring end',
      { words: update(1, 1, 2, 2), stop: FIFO_BYTES - 8, nextCmd: 4096 + 12 },
    ],
    [
      'an endless stream of no-ops (CVE-2016-4453 loop)',
      { flood: SvgaCmd.NOP, stop: 4096, nextCmd: FIFO_BYTES - 4 },
    ],
    [
      'a huge cursor that never fits',
      { words: [SvgaCmd.DEFINE_ALPHA_CURSOR, 0, 0, 0, 0xffffffff, 0xffffffff], nextCmd: 4120 },
    ],
    ['a truncated command at NEXT_CMD', { words: update(1, 1, 2, 2), nextCmd: 4108 }],
  ];
  for (const [what, c] of attacks) {
    it(`withstands ${what} and recovers after a FIFO reset`, () => runCase({ ...base, ...c }));
  }
});
