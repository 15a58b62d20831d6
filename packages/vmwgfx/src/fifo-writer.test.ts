import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { SVGA_UPDATE_BYTES, SvgaFifoWriter } from './fifo-writer.js';
import { HostFifo } from './host-fifo.js';
import { SvgaHost } from './svga-host.js';
import { SVGA_SYNC_FIFOFULL, SVGA_SYNC_GENERIC, SvgaCmd, SvgaFifo, SvgaReg } from './svga-reg.js';
import { bootGuest, recordUpdates, SMALL } from './test-support.js';
import type { SvgaPort } from './tokens.js';

/** A device whose SYNC only records the reason: the test decides when the host reads. */
function lazyDevice(fifoBytes = 16384) {
  const fifo = new Uint32Array(fifoBytes / 4);
  const syncs: number[] = [];
  const port: SvgaPort = {
    readRegister: (i) => (i === SvgaReg.MEM_SIZE ? fifoBytes : 0),
    writeRegister: (i, v) => {
      if (i === SvgaReg.SYNC) syncs.push(v);
    },
  };
  const scheduler = new VirtualTimeScheduler();
  const writer = new SvgaFifoWriter(port, { fifo, vram: new Uint8Array(0) }, scheduler, {});
  writer.init();
  const seen: number[][] = [];
  const sink = { update: (...r: number[]) => seen.push(r), fence: () => {} };
  return {
    fifo,
    syncs,
    writer,
    scheduler,
    seen,
    consume: (max?: number) => new HostFifo(fifo, fifoBytes, max).run(sink),
  };
}

const errno = (code: string) => (e: unknown) => isKernelError(e) && e.code === code;

describe('SvgaFifoWriter', () => {
  it('init lays out the ring after the first page and sets CONFIG_DONE', () => {
    const host = new SvgaHost(SMALL);
    bootGuest(host);
    const f = host.memory.fifo;
    expect([f[SvgaFifo.MIN], f[SvgaFifo.MAX], f[SvgaFifo.NEXT_CMD], f[SvgaFifo.STOP]]).to.deep.equal([
      4096, 16384, 4096, 4096,
    ]);
    expect(host.readRegister(SvgaReg.CONFIG_DONE)).to.equal(1);
  });

  it('refuses a FIFO too small for a 10 KiB ring (ENODEV)', () => {
    const port: SvgaPort = { readRegister: () => 8192, writeRegister: () => {} };
    const w = new SvgaFifoWriter(
      port,
      { fifo: new Uint32Array(2048), vram: new Uint8Array(0) },
      new VirtualTimeScheduler(),
      {},
    );
    expect(() => w.init())
      .to.throw()
      .that.satisfies(errno('ENODEV'));
  });

  it('publishes a command only on commit, and pings with SVGA_SYNC_GENERIC', () => {
    const d = lazyDevice();
    expect(d.writer.reserve(SVGA_UPDATE_BYTES)).to.equal(true);
    for (const w of [SvgaCmd.UPDATE, 1, 2, 3, 4]) d.writer.write(w);
    expect(d.fifo[SvgaFifo.NEXT_CMD]).to.equal(4096);
    expect(d.consume().commands).to.equal(0);
    d.writer.commit();
    expect(d.fifo[SvgaFifo.NEXT_CMD]).to.equal(4116);
    expect(d.syncs).to.deep.equal([SVGA_SYNC_GENERIC]);
    d.consume();
    expect(d.seen).to.deep.equal([[1, 2, 3, 4]]);
  });

  it('validates reservations: size, alignment, one at a time, no overrun, whole commits', () => {
    const d = lazyDevice();
    expect(() => d.writer.reserve(0))
      .to.throw()
      .that.satisfies(errno('EINVAL'));
    expect(() => d.writer.reserve(6))
      .to.throw()
      .that.satisfies(errno('EINVAL'));
    expect(() => d.writer.reserve(12288))
      .to.throw()
      .that.satisfies(errno('EINVAL'));
    expect(() => d.writer.reserve(Number.NaN))
      .to.throw()
      .that.satisfies(errno('EINVAL'));
    d.writer.reserve(8);
    expect(() => d.writer.reserve(8))
      .to.throw()
      .that.satisfies(errno('EBUSY'));
    d.writer.write(SvgaCmd.FENCE);
    expect(() => d.writer.commit())
      .to.throw()
      .that.satisfies(errno('EINVAL'));
    d.writer.write(7);
    expect(() => d.writer.write(8))
      .to.throw()
      .that.satisfies(errno('EINVAL'));
    d.writer.commit();
    expect(d.fifo[SvgaFifo.NEXT_CMD]).to.equal(4104);
  });

  it('treats a STOP the device moved outside the ring as a hung device (EIO)', () => {
    const d = lazyDevice();
    d.fifo[SvgaFifo.STOP] = 2;
    expect(() => d.writer.reserve(20))
      .to.throw()
      .that.satisfies(errno('EIO'));
  });

  it('fills the ring to one word short, pings FIFOFULL, and never overwrites unread commands', () => {
    const d = lazyDevice();
    const ring = 16384 - 4096;
    const fits = Math.floor((ring - 4) / 20);
    for (let i = 0; i < fits; i++) expect(d.writer.update(i, 0, 1, 1)).to.equal(true);
    d.syncs.length = 0;
    expect(d.writer.update(999, 0, 1, 1)).to.equal(false);
    expect(d.syncs).to.deep.equal([SVGA_SYNC_FIFOFULL]);
    expect(d.writer.space()).to.be.lessThan(20);
    d.consume();
    expect(d.seen.map((r) => r[0])).to.deep.equal(Array.from({ length: fits }, (_, i) => i));
    expect(d.writer.update(1000, 0, 1, 1)).to.equal(true);
  });

  it('waitForSpace completes at the first poll after the host made room', () => {
    const d = lazyDevice();
    while (d.writer.update(0, 0, 1, 1));
    let done = -1;
    d.writer.waitForSpace(20).subscribe({ complete: () => (done = d.scheduler.now()) });
    d.scheduler.schedule(() => d.consume(), 35);
    d.scheduler.flush();
    expect(done).to.equal(40);
  });

  it('waitForSpace fails with EBUSY after 3 s of a full ring (device lockup)', () => {
    const d = lazyDevice();
    while (d.writer.update(0, 0, 1, 1));
    let error: unknown;
    let at = -1;
    d.writer.waitForSpace(20).subscribe({
      error: (e) => {
        error = e;
        at = d.scheduler.now();
      },
    });
    d.scheduler.flush();
    expect(error).to.satisfy(errno('EBUSY'));
    expect(at).to.equal(3000);
  });

  it('waitForSpace completes at once when there is room', () => {
    const d = lazyDevice();
    let done = false;
    d.writer.waitForSpace(20).subscribe({ complete: () => (done = true) });
    expect(done).to.equal(true);
  });

  it('with a QEMU-like host a FIFOFULL ping drains the ring, so writes never block', () => {
    const host = new SvgaHost(SMALL);
    const writer = bootGuest(host);
    const updates = recordUpdates(host);
    host.refresh();
    host.writeRegister(SvgaReg.ENABLE, 0); // host stops consuming on GENERIC pings
    let n = 0;
    while (writer.update(n % 32, 0, 1, 1)) n += 1;
    host.writeRegister(SvgaReg.ENABLE, 1);
    expect(writer.update(0, 0, 1, 1)).to.equal(true); // FIFOFULL ping → host drains
    expect(updates.length).to.be.greaterThan(0);
  });

  it('property: whatever the interleaving of writes and partial host passes, commands arrive once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ write: fc.integer({ min: 1, max: 700 }) }),
            fc.record({ consume: fc.integer({ min: 1, max: 1023 }) }),
          ),
          {
            maxLength: 30,
          },
        ),
        (steps) => {
          const d = lazyDevice();
          let sent = 0;
          for (const s of steps) {
            if ('write' in s) {
              for (let i = 0; i < s.write && d.writer.update(sent, 1, 2, 3); i++) sent += 1;
            } else {
              d.consume(s.consume);
            }
          }
          d.consume();
          d.consume();
          expect(d.seen.length).to.equal(sent);
          expect(d.seen).to.deep.equal(Array.from({ length: sent }, (_, i) => [i, 1, 2, 3]));
        },
      ),
      { numRuns: 60 },
    );
  });
});
