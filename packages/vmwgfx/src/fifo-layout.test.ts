import { expect } from 'chai';
import {
  type FifoPointers,
  fifoAdvance,
  fifoFreeBytes,
  fifoPointersValid,
  fifoUsedBytes,
} from './fifo-layout.js';

const ok: FifoPointers = { min: 4096, max: 65536, nextCmd: 4096, stop: 4096 };
const at = (p: Partial<FifoPointers>): FifoPointers => ({ ...ok, ...p });

describe('FIFO layout', () => {
  it('accepts a kernel-style ring and measures it: empty when NEXT_CMD == STOP', () => {
    expect(fifoPointersValid(ok, 65536)).to.equal(true);
    expect(fifoUsedBytes(ok)).to.equal(0);
    expect(fifoFreeBytes(ok)).to.equal(65536 - 4096 - 4);
  });

  it('counts used bytes across the wrap from MAX to MIN', () => {
    const p = at({ stop: 65536 - 8, nextCmd: 4096 + 12 });
    expect(fifoUsedBytes(p)).to.equal(20);
    expect(fifoFreeBytes(p)).to.equal(65536 - 4096 - 20 - 4);
  });

  it('advances and wraps pointers', () => {
    expect(fifoAdvance(ok, 65536 - 4, 4)).to.equal(4096);
    expect(fifoAdvance(ok, 65536 - 8, 20)).to.equal(4096 + 12);
    expect(fifoAdvance(ok, 4096, 20)).to.equal(4116);
  });

  const rejected: [string, Partial<FifoPointers>][] = [
    ['unaligned MIN', { min: 4098 }],
    ['unaligned NEXT_CMD', { nextCmd: 4097 }],
    ['unaligned STOP', { stop: 4099 }],
    ['MIN below 16 (ring over the pointers)', { min: 12, nextCmd: 12, stop: 12 }],
    ['MAX beyond the FIFO', { max: 65540 }],
    ['MIN > MAX', { min: 65536, max: 4096 }],
    ['ring under 10 KiB', { max: 4096 + 10 * 1024 - 4 }],
    ['STOP outside the ring', { stop: 65536 }],
    ['NEXT_CMD below MIN', { nextCmd: 16 }],
    ['pointer far outside', { stop: 0xfffffffc }],
  ];
  for (const [what, p] of rejected) {
    it(`rejects ${what}`, () => {
      expect(fifoPointersValid(at(p), 65536)).to.equal(false);
    });
  }

  it('accepts the smallest legal ring', () => {
    expect(
      fifoPointersValid({ min: 16, max: 16 + 10 * 1024, nextCmd: 16, stop: 16 }, 16 + 10 * 1024),
    ).to.equal(true);
  });
});
