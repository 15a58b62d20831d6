import { expect } from 'chai';
import fc from 'fast-check';
import { DirtyList } from './dirty-list.js';

describe('DirtyList (the pagereflist)', () => {
  it('enlists each page once, drains in first-dirtied or ascending order, and is empty afterwards', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 700 }),
        fc.array(fc.nat(), { maxLength: 400 }),
        fc.boolean(),
        (pages, raw, sorted) => {
          const list = new DirtyList(pages);
          const writes = raw.map((n) => n % pages);
          const added = writes.map((p) => list.add(p));
          const firstDirtied = [...new Set(writes)];
          expect(added.filter(Boolean)).to.have.length(firstDirtied.length);
          const out = new Int32Array(pages);
          const n = list.drain(sorted, out);
          const expected = sorted ? [...firstDirtied].sort((a, b) => a - b) : firstDirtied;
          expect([...out.subarray(0, n)]).to.deep.equal(expected);
          expect(list.drain(sorted, out)).to.equal(0);
          expect(firstDirtied.every((p) => list.add(p))).to.equal(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
