import { RGB565 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { DcsPanel } from './dcs-panel.js';
import { FbtftDriver } from './fbtft.js';
import { flaky, mismatches, type Rig, rig } from './test-support.js';
import type { ByteTransport } from './tokens.js';
import { UdlDriver } from './udl.js';
import { UdlDevice } from './udl-device.js';

const W = 48;
const H = 40;
const SIZE = W * H * 2;

/** Writes (offset, bytes), each optionally followed by letting virtual time run out. */
const scenario = fc.record({
  writes: fc.array(
    fc.record({
      off: fc.integer({ min: 0, max: SIZE - 1 }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 200 }),
      flush: fc.boolean(),
    }),
    { minLength: 1, maxLength: 25 },
  ),
  failures: fc.array(fc.boolean(), { maxLength: 12 }),
});

interface Device {
  transport: ByteTransport;
  shown: (x: number, y: number) => number;
}

/** Any writes, any failure pattern: after time runs out the device equals the framebuffer. */
function check(device: () => Device, attach: (r: Rig, t: ByteTransport) => void): void {
  fc.assert(
    fc.property(scenario, ({ writes, failures }) => {
      const r = rig(16, W, H);
      const dev = device();
      attach(r, flaky(dev.transport, (n) => failures[n] ?? false).transport);
      for (const w of writes) {
        r.map.write(w.off, w.bytes.subarray(0, SIZE - w.off));
        if (w.flush) r.sched.flush();
      }
      r.sched.flush();
      expect(mismatches(r.surface, dev.shown, RGB565.pack)).to.deep.equal([]);
    }),
    { numRuns: 40 },
  );
}

describe('end to end, any writes and any failure pattern (fast-check)', () => {
  it('fbtft: the panel ends up equal to the framebuffer', () => {
    check(
      () => {
        const p = new DcsPanel(W, H);
        return { transport: p, shown: (x, y) => p.pixel(x, y) };
      },
      (r, t) => new FbtftDriver(r.fb, t, r.sched, { windows: 3 }),
    );
  });

  it('USB: the device ends up equal to the framebuffer', () => {
    check(
      () => {
        const d = new UdlDevice(W, H);
        return { transport: d, shown: (x, y) => d.pixel(x, y) };
      },
      (r, t) => new UdlDriver(r.fb, t, r.sched),
    );
  });
});
