import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { DMA_MAX_DESCRIPTORS, DmaEngine } from './dma-engine.js';
import { SG_CTRL_LAST, SG_DESC_WORDS, SgList } from './sg-list.js';

function memories(n = 64) {
  const src = Uint8Array.from({ length: n }, (_, i) => i + 1);
  return { src, dst: new Uint8Array(n) };
}
function codeOfCall(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? 'untyped';
  }
  return undefined;
}
function codeOf(run: (done: (e?: Error) => void) => void): string | undefined {
  let code: string | undefined = 'not called';
  run((e) => {
    code = (e as { code?: string } | undefined)?.code;
  });
  return code;
}

describe('SgList', () => {
  it('merges contiguous segments, keeps gaps apart and marks only the last descriptor', () => {
    const sg = new SgList();
    sg.add(0, 0, 8);
    sg.add(8, 8, 8);
    sg.add(32, 32, 4);
    sg.add(36, 40, 4);
    expect(sg.count).to.equal(3);
    expect([...sg.table.subarray(0, 12)]).to.deep.equal([0, 0, 16, 0, 32, 32, 4, 0, 36, 40, 4, SG_CTRL_LAST]);
    expect(sg.totalBytes).to.equal(24);
  });

  it('splits a range of thousands of segments without recursing (4096-byte segments over 8000 pages)', () => {
    const sg = new SgList(4096);
    sg.add(0, 0, 8000 * 4096);
    expect(sg.count).to.equal(8000);
    expect(sg.totalBytes).to.equal(8000 * 4096);
    const t = sg.table;
    for (let i = 0; i < 8000; i++) {
      const o = i * SG_DESC_WORDS;
      if (
        t[o] !== i * 4096 ||
        t[o + 1] !== i * 4096 ||
        t[o + 2] !== 4096 ||
        t[o + 3] !== (i === 7999 ? 1 : 0)
      )
        expect.fail(`descriptor ${i}: ${[...t.subarray(o, o + 4)]}`);
    }
  });

  it('fills the previous segment first, then continues in new ones', () => {
    const sg = new SgList(10);
    sg.add(0, 100, 4);
    sg.add(4, 104, 20);
    expect([...sg.table.subarray(0, 12)]).to.deep.equal([
      0,
      100,
      10,
      0,
      10,
      110,
      10,
      0,
      20,
      120,
      4,
      SG_CTRL_LAST,
    ]);
  });

  it('refuses NaN, negative, fractional, string and beyond-u32 segments (EINVAL), list unchanged', () => {
    const sg = new SgList(4096);
    sg.add(0, 0, 100);
    const before = [...sg.table.subarray(0, 4)];
    for (const args of [
      [0, 0, Number.NaN],
      [Number.NaN, 0, 10],
      [0, -1, 10],
      [0, 0, 1.5],
      [0, 0, '10'],
      [2 ** 32 - 4, 0, 8],
      [0, 2 ** 32, 1],
      [0, 0, 2 ** 53],
    ]) {
      expect(
        codeOfCall(() => sg.add(...(args as [number, number, number]))),
        `${args}`,
      ).to.equal('EINVAL');
    }
    expect(sg.count).to.equal(1);
    expect([...sg.table.subarray(0, 4)]).to.deep.equal(before);
  });

  it('splits at maxSegmentBytes', () => {
    const sg = new SgList(10);
    sg.add(0, 0, 8);
    sg.add(8, 8, 15);
    expect(sg.count).to.equal(3);
    expect([sg.table[2], sg.table[6], sg.table[10]]).to.deep.equal([10, 10, 3]);
    expect(sg.table[8]).to.equal(20);
  });
});

describe('DmaEngine', () => {
  it('copies exactly the listed segments', () => {
    const { src, dst } = memories();
    const sg = new SgList();
    sg.add(4, 4, 4);
    sg.add(20, 30, 2);
    expect(codeOf((d) => new DmaEngine(src, dst).execute(sg.table, sg.count, d))).to.equal(undefined);
    expect([...dst.subarray(3, 9)]).to.deep.equal([0, 5, 6, 7, 8, 0]);
    expect([...dst.subarray(29, 33)]).to.deep.equal([0, 21, 22, 0]);
  });

  it('refuses a list with any bad descriptor before copying anything', () => {
    const { src, dst } = memories();
    const good = [0, 0, 4, 0];
    const bad = [
      [...good, 60, 0, 8, SG_CTRL_LAST],
      [...good, 0, 62, 4, SG_CTRL_LAST],
      [...good, 8, 8, 0, SG_CTRL_LAST],
      [...good, 8, 8, 4, 0],
      [0, 0, 4, SG_CTRL_LAST, 8, 8, 4, SG_CTRL_LAST],
    ];
    const engine = new DmaEngine(src, dst);
    for (const list of bad) {
      expect(codeOf((d) => engine.execute(Uint32Array.from(list), 2, d))).to.equal('EINVAL');
    }
    expect(codeOf((d) => engine.execute(Uint32Array.from(good), 2, d))).to.equal('EINVAL');
    expect(codeOf((d) => engine.execute(Uint32Array.from(good), 0, d))).to.equal('EINVAL');
    expect(dst.every((b) => b === 0)).to.equal(true);
    expect(engine.stats.rejected).to.equal(7);
  });

  it('reads each descriptor once: a table changed between reads cannot get past validation', () => {
    const { src, dst } = memories();
    const words = Uint32Array.from([0, 0, 4, SG_CTRL_LAST]);
    const reads = new Map<number, number>();
    // shared memory the other side rewrites: every read after the first of a length word says 2^31
    const table = new Proxy(words, {
      get(target, key) {
        if (typeof key === 'string' && /^[0-9]+$/.test(key)) {
          const i = Number(key);
          reads.set(i, (reads.get(i) ?? 0) + 1);
          if (i === 2 && reads.get(i)! > 1) return 2 ** 31;
          return target[i];
        }
        const v = Reflect.get(target, key, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const engine = new DmaEngine(src, dst);
    const answers: (string | undefined)[] = [];
    expect(() =>
      engine.execute(table, 1, (e) => answers.push((e as { code?: string } | undefined)?.code)),
    ).to.not.throw();
    expect(answers).to.deep.equal([undefined]);
    expect([...reads.values()].every((n) => n === 1)).to.equal(true);
    expect([...dst.subarray(0, 6)]).to.deep.equal([1, 2, 3, 4, 0, 0]);
  });

  it('calls done exactly once and never throws, whatever a changing table holds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(80), { minLength: 8, maxLength: 64 }),
        fc.integer({ min: 1, max: 3 }),
        (values, count) => {
          const { src, dst } = memories();
          let k = 0;
          const table = new Proxy(new Uint32Array(12), {
            get(target, key) {
              if (typeof key === 'string' && /^[0-9]+$/.test(key))
                return values[k++ % values.length] & (k % 5 === 0 ? 1 : 0xff);
              const v = Reflect.get(target, key, target);
              return typeof v === 'function' ? v.bind(target) : v;
            },
          });
          const answers: unknown[] = [];
          new DmaEngine(src, dst).execute(table, count, (e) => answers.push(e));
          expect(answers).to.have.length(1);
          if (answers[0] !== undefined) expect((answers[0] as { code?: string }).code).to.equal('EINVAL');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a table that is not a Uint32Array and a count beyond the limit, answering done', () => {
    const { src, dst } = memories();
    const engine = new DmaEngine(src, dst);
    expect(codeOf((d) => engine.execute(null as never, 1, d))).to.equal('EINVAL');
    expect(codeOf((d) => engine.execute([0, 0, 4, 1] as never, 1, d))).to.equal('EINVAL');
    expect(codeOf((d) => engine.execute(new Uint32Array(4), Number.NaN, d))).to.equal('EINVAL');
    const long = new Uint32Array((DMA_MAX_DESCRIPTORS + 1) * SG_DESC_WORDS);
    expect(codeOf((d) => engine.execute(long, DMA_MAX_DESCRIPTORS + 1, d))).to.equal('EINVAL');
    expect(dst.every((b) => b === 0)).to.equal(true);
  });

  it('is busy for bytes / rate ms of scheduler time and refuses lists meanwhile', () => {
    const { src, dst } = memories();
    const sched = new VirtualTimeScheduler();
    const engine = new DmaEngine(src, dst, sched, 4);
    const sg = new SgList();
    sg.add(0, 0, 10);
    const doneAt: number[] = [];
    engine.execute(sg.table, sg.count, () => doneAt.push(sched.now()));
    expect(codeOf((d) => engine.execute(sg.table, sg.count, d))).to.equal('EBUSY');
    sched.flush();
    expect(doneAt).to.deep.equal([3]);
    expect(engine.isBusy).to.equal(false);
  });
});
