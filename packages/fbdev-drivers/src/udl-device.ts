import { KernelError } from '@fbemu/gem-shmem';
import { readU16le } from './byte-writer.js';
import { checkPanelSize, checkSend } from './checks.js';
import type { ByteTransport, SendDone } from './tokens.js';
import { UDL_RUN_FLAG, UDL_SPAN_HEADER, UDL_WRITE_SPAN } from './udl-protocol.js';

export interface UdlDeviceStats {
  spans: number;
  pixels: number;
  /** transfers with a malformed command (decoding stopped there; earlier spans were applied) */
  errors: number;
}

/**
 * A USB display adapter's decoder and scanout memory (RGB565). It treats the stream as hostile:
 * bounds are checked before every read and write, every packet consumes at least 3 bytes, and
 * a malformed command ends the transfer with EIO (a real adapter would NAK), so the host resends.
 */
export class UdlDevice implements ByteTransport {
  readonly fb: Uint16Array;
  readonly stats: UdlDeviceStats = { spans: 0, pixels: 0, errors: 0 };

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    checkPanelSize(width, height);
    this.fb = new Uint16Array(width * height);
  }

  pixel(x: number, y: number): number {
    return this.fb[y * this.width + x];
  }

  send(bytes: Uint8Array, done: SendDone): void {
    checkSend(bytes, done);
    let o = 0;
    while (o < bytes.length) {
      const next = this.span(bytes, o);
      if (next < 0) {
        this.stats.errors++;
        done(new KernelError('EIO', `malformed USB display command at byte ${o}`));
        return;
      }
      o = next;
    }
    done();
  }

  /** Decodes one WRITE_SPAN at `o`; returns the offset after it or -1. */
  private span(b: Uint8Array, o: number): number {
    if (b[o] !== UDL_WRITE_SPAN || b.length - o < UDL_SPAN_HEADER) return -1;
    const y = readU16le(b, o + 1);
    const x = readU16le(b, o + 3);
    const count = readU16le(b, o + 5);
    if (count === 0 || y >= this.height || x + count > this.width) return -1;
    let p = o + UDL_SPAN_HEADER;
    let d = y * this.width + x;
    const end = d + count;
    while (d < end) {
      if (p >= b.length) return -1;
      const h = b[p++];
      const n = (h & 0x7f) + 1;
      if (d + n > end) return -1;
      if (h & UDL_RUN_FLAG) {
        if (b.length - p < 2) return -1;
        this.fb.fill(readU16le(b, p), d, d + n);
        p += 2;
      } else {
        if (b.length - p < 2 * n) return -1;
        for (let i = 0; i < n; i++, p += 2) this.fb[d + i] = readU16le(b, p);
      }
      d += n;
    }
    this.stats.spans++;
    this.stats.pixels += count;
    return p;
  }
}
