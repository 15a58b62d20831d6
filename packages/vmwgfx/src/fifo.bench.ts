import { VirtualTimeScheduler } from 'rxjs';
import type { BenchModule } from '../../../tools/bench.js';
import { SvgaFifoWriter } from './fifo-writer.js';
import { type FifoCommandSink, HostFifo } from './host-fifo.js';
import { SvgaHost } from './svga-host.js';
import { SVGA_ID_2, SvgaCmd, SvgaReg } from './svga-reg.js';
import type { SvgaPort } from './tokens.js';

const BATCH = 400;

function boot(host: SvgaHost, width: number, height: number): SvgaFifoWriter {
  host.writeRegister(SvgaReg.ID, SVGA_ID_2);
  host.writeRegister(SvgaReg.WIDTH, width);
  host.writeRegister(SvgaReg.HEIGHT, height);
  const writer = new SvgaFifoWriter(host, host.memory, new VirtualTimeScheduler(), {});
  writer.init();
  host.writeRegister(SvgaReg.ENABLE, 1);
  host.refresh();
  return writer;
}

/** FIFO protocol only: 400 UPDATEs reserved/committed, then one host pass decodes them. */
function protocolOnly() {
  const fifoBytes = 0x10000;
  const fifo = new Uint32Array(fifoBytes / 4);
  const port: SvgaPort = {
    readRegister: (i) => (i === SvgaReg.MEM_SIZE ? fifoBytes : 0),
    writeRegister: () => {},
  };
  const writer = new SvgaFifoWriter(port, { fifo, vram: new Uint8Array(0) }, new VirtualTimeScheduler(), {});
  writer.init();
  let sum = 0;
  const sink: FifoCommandSink = { update: (x, y, w, h) => (sum += x + y + w + h), fence: () => {} };
  const reader = new HostFifo(fifo, fifoBytes);
  return () => {
    for (let i = 0; i < BATCH; i++) writer.update(i, 1, 2, 3);
    reader.run(sink);
    return sum;
  };
}

/** The whole path: every commit pings SYNC, the host decodes, copies a 1×1 rect and emits. */
function fullPath() {
  const host = new SvgaHost({ vramBytes: 1024 * 768 * 4 });
  const writer = boot(host, 1024, 768);
  let n = 0;
  host.updates$.subscribe(() => (n += 1));
  return () => {
    for (let i = 0; i < BATCH; i++) writer.update(i & 511, 7, 1, 1);
    return n;
  };
}

/** Baseline: the same 5 words per command through a plain JS array queue. */
function arrayQueue() {
  const q: number[] = [];
  let sum = 0;
  return () => {
    for (let i = 0; i < BATCH; i++) q.push(SvgaCmd.UPDATE, i, 1, 2, 3);
    while (q.length > 0) {
      q.shift();
      sum += q.shift()! + q.shift()! + q.shift()! + q.shift()!;
    }
    return sum;
  };
}

const PITCH = 1920 * 4;

/**
 * Host redraw of one UPDATE of `w × h` on a 1920 × 1080 surface, against the same bytes copied by
 * hand from shared memory (as VRAM is, so guest workers can write it: the copy's real limit):
 * one `set` for packed rows, one `subarray` + `set` per row of a narrower rect.
 */
function rectCopy(w: number, h: number) {
  const host = new SvgaHost({ vramBytes: 1920 * 1080 * 4 });
  const writer = boot(host, 1920, 1080);
  const src = new Uint8Array(new SharedArrayBuffer(PITCH * h));
  const dst = new Uint8Array(PITCH * h);
  const rowBytes = w * 4;
  const packed = src.subarray(0, rowBytes * h);
  return {
    oneSet: () => dst.set(packed),
    perRow: () => {
      for (let o = 0; o < PITCH * h; o += PITCH) dst.set(src.subarray(o, o + rowBytes), o);
    },
    host: () => writer.update(0, 0, w, h),
  };
}

export default {
  suites: () => {
    const full = rectCopy(1920, 1080);
    const half = rectCopy(960, 1080);
    return [
      {
        title: `FIFO command throughput, ${BATCH} SVGA_CMD_UPDATE per call`,
        detail:
          'reserve/commit into a 64 KiB FIFO and host decoding, vs a JS array push/shift queue of the same words',
        baseline: { name: 'array push + shift (5 words per command)', fn: arrayQueue() },
        cases: [
          { name: 'SvgaFifoWriter.update ×400, one HostFifo pass', fn: protocolOnly() },
          {
            name: 'full path: update → SYNC → host pass + 1×1 redraw + updates$, per command',
            fn: fullPath(),
            unlike:
              'also pings SYNC, runs a host pass, redraws a 1×1 rect and emits updates$ per command; the baseline only queues the words',
          },
        ],
      },
      {
        title: 'host rect copy VRAM → surface, 1920 × 1080 × 32 bpp',
        detail:
          'one UPDATE through the FIFO and the host redraw, vs one raw TypedArray.set of the same byte count from shared memory (as VRAM is)',
        baseline: { name: 'Uint8Array.set, 1920×1080×4 bytes', fn: full.oneSet },
        cases: [{ name: 'UPDATE 1920×1080 (packed rows: one set)', fn: full.host }],
      },
      {
        title: 'host rect copy VRAM → surface, 960 × 1080 (half width, row by row)',
        detail: 'rows of 3840 bytes at a 7680-byte pitch, vs the same rows copied by hand from shared memory',
        baseline: { name: 'one subarray + Uint8Array.set per row (1080 rows)', fn: half.perRow },
        cases: [
          { name: 'UPDATE 960×1080 (1080 row copies)', fn: half.host },
          {
            name: 'Uint8Array.set of 960×1080×4 contiguous bytes (floor)',
            fn: half.oneSet,
            unlike:
              'one contiguous block instead of 1080 rows at a 7680-byte pitch: a floor no strided copy reaches',
          },
        ],
      },
    ];
  },
} satisfies BenchModule;
