import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DmaEngine } from './dma-engine.js';
import { SG_CTRL_LAST, SgList } from './sg-list.js';

function memories(n = 64) {
  const src = Uint8Array.from({ length: n }, (_, i) => i + 1);
  return { src, dst: new Uint8Array(n) };
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
