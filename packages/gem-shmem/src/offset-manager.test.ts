import { expect } from 'chai';
import fc from 'fast-check';
import { kernelOffsetWindow, type OffsetNode, VmaOffsetManager } from './offset-manager.js';
import { PageGeometry } from './page.js';
import { codeOf } from './test-support.js';

describe('VmaOffsetManager', () => {
  it('uses the 64-bit kernel window: 4 GiB start with 4 KiB pages, ×256 pages long', () => {
    const w = kernelOffsetWindow(new PageGeometry(4096));
    expect(w.startPage * 4096).to.equal(2 ** 32);
    expect(w.pages).to.equal((2 ** 20 - 1) * 256);
    expect(kernelOffsetWindow(new PageGeometry(16384)).startPage * 16384).to.equal(2 ** 32);
  });

  it('places first-fit in the lowest gap and looks up by any page inside a node', () => {
    const m = new VmaOffsetManager<string>({ startPage: 100, pages: 1000 });
    const a = m.add('a', 10);
    const b = m.add('b', 5);
    expect([a.start, b.start]).to.deep.equal([100, 110]);
    m.remove(a);
    const c = m.add('c', 4);
    expect(c.start).to.equal(100);
    const d = m.add('d', 8); // does not fit in the 6-page gap left by a
    expect(d.start).to.equal(115);
    expect(m.lookup(103)?.owner).to.equal('c');
    expect(m.lookup(104)).to.equal(undefined);
    expect(m.lookup(114)?.owner).to.equal('b');
    expect(m.lookup(99)).to.equal(undefined);
  });

  it('exact lookup needs the start page and no more pages than the node has', () => {
    const m = new VmaOffsetManager<string>({ startPage: 0, pages: 100 });
    m.add('x', 4, 10);
    expect(m.exactLookup(10, 4)?.owner).to.equal('x');
    expect(m.exactLookup(10, 1)?.owner).to.equal('x');
    expect(m.exactLookup(10, 5)).to.equal(undefined);
    expect(m.exactLookup(11, 1)).to.equal(undefined);
  });

  it('mounts at explicit pages: EINVAL outside the window, EBUSY on overlap, state unchanged', () => {
    const m = new VmaOffsetManager<string>({ startPage: 10, pages: 100 });
    m.add('a', 10, 20);
    const before = m.list();
    expect(codeOf(() => m.add('b', 5, 9))).to.equal('EINVAL');
    expect(codeOf(() => m.add('b', 5, 106))).to.equal('EINVAL');
    expect(codeOf(() => m.add('b', 5, 16))).to.equal('EBUSY');
    expect(codeOf(() => m.add('b', 5, 29))).to.equal('EBUSY');
    expect(codeOf(() => m.add('b', 0))).to.equal('EINVAL');
    expect(codeOf(() => m.add('b', 1.5))).to.equal('EINVAL');
    expect(codeOf(() => m.add('b', 2, 12.5))).to.equal('EINVAL');
    expect(codeOf(() => m.add('b', 101))).to.equal('ENOSPC');
    expect(codeOf(() => m.remove({ start: 20, pages: 10, owner: 'a' }))).to.equal('EINVAL');
    expect(m.list()).to.deep.equal(before);
    expect(m.add('b', 5, 30).start).to.equal(30);
    expect(m.add('c', 5, 15).start).to.equal(15);
  });

  it('property: random add/mount/remove keeps ranges disjoint, in the window, and lookups exact', () => {
    const window = { startPage: 64, pages: 512 };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), pages: fc.integer({ min: 1, max: 80 }) }),
      fc.record({
        kind: fc.constant('mount' as const),
        pages: fc.integer({ min: 1, max: 80 }),
        at: fc.integer({ min: 0, max: 700 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const m = new VmaOffsetManager<number>(window);
        const owner = new Int32Array(window.startPage + window.pages + 100).fill(-1); // model: page → owner id
        const live: OffsetNode<number>[] = [];
        let id = 0;
        for (const o of ops) {
          if (o.kind === 'remove') {
            if (live.length === 0) continue;
            const node = live.splice(o.pick % live.length, 1)[0];
            m.remove(node);
            owner.fill(-1, node.start, node.start + node.pages);
            continue;
          }
          const at = o.kind === 'mount' ? o.at : undefined;
          const want =
            at === undefined ? firstFit(owner, window, o.pages) : placeable(owner, window, at, o.pages);
          const got = codeOf(() => {
            const node = m.add(id, o.pages, at);
            live.push(node);
            expect(node.start).to.equal(typeof want === 'number' ? want : -1);
            owner.fill(id, node.start, node.start + node.pages);
          });
          expect(got).to.equal(typeof want === 'number' ? 'ok' : want);
          id += 1;
        }
        for (let p = 0; p < owner.length; p++) expect(m.lookup(p)?.owner ?? -1).to.equal(owner[p]);
      }),
      { numRuns: 300 },
    );
  });
});

function placeable(
  owner: Int32Array,
  w: { startPage: number; pages: number },
  at: number,
  pages: number,
): number | string {
  if (at < w.startPage || at + pages > w.startPage + w.pages) return 'EINVAL';
  for (let p = at; p < at + pages; p++) if (owner[p] !== -1) return 'EBUSY';
  return at;
}

function firstFit(
  owner: Int32Array,
  w: { startPage: number; pages: number },
  pages: number,
): number | string {
  for (let s = w.startPage; s + pages <= w.startPage + w.pages; s++)
    if (placeable(owner, w, s, pages) === s) return s;
  return 'ENOSPC';
}
