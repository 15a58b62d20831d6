import { expect } from 'chai';
import fc from 'fast-check';
import { KernelError } from './errors.js';
import { HandleTable } from './handle-table.js';

describe('HandleTable', () => {
  it('starts at 1 and reuses the lowest free handle', () => {
    const t = new HandleTable<string>();
    expect([t.alloc('a'), t.alloc('b'), t.alloc('c'), t.alloc('d')]).to.deep.equal([1, 2, 3, 4]);
    t.remove(3);
    t.remove(2);
    expect(t.alloc('e')).to.equal(2);
    expect(t.alloc('f')).to.equal(3);
    expect(t.alloc('g')).to.equal(5);
    expect([...t].map(([h, v]) => `${h}${v}`)).to.deep.equal(['1a', '2e', '3f', '4d', '5g']);
  });

  it('closing an unknown handle is EINVAL and changes nothing', () => {
    const t = new HandleTable<string>();
    t.alloc('a');
    for (const bad of [0, -1, 2, 1.5, Number.NaN]) {
      expect(() => t.remove(bad))
        .to.throw(KernelError)
        .with.property('code', 'EINVAL');
    }
    expect(t.size).to.equal(1);
    expect(t.get(1)).to.equal('a');
    t.remove(1);
    expect(() => t.remove(1))
      .to.throw(KernelError)
      .with.property('code', 'EINVAL');
  });

  it('property: every allocation returns the smallest handle not in use', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: 40 })), { maxLength: 200 }), (ops) => {
        const t = new HandleTable<number>();
        const used = new Set<number>();
        for (const op of ops) {
          if (op === -1 || used.size === 0) {
            let want = 1;
            while (used.has(want)) want += 1;
            expect(t.alloc(want)).to.equal(want);
            used.add(want);
          } else {
            const victim = [...used][op % used.size];
            expect(t.remove(victim)).to.equal(victim);
            used.delete(victim);
          }
          expect(t.size).to.equal(used.size);
        }
        expect([...t].map(([h]) => h)).to.deep.equal([...used].sort((a, b) => a - b));
      }),
      { numRuns: 500 },
    );
  });
});
