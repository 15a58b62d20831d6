import { checkObject, KernelError } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { readU16le } from './byte-writer.js';
import { checkPanelSize, checkSend } from './checks.js';
import { EINK_LOAD_HEADER, EINK_REFRESH_LENGTH, EinkOp, type RefreshMode } from './eink-protocol.js';
import { expandGrey, GREY_BITS, type GreyBits, greyStride, unpackGreyLevel } from './grey.js';
import type { ByteTransport, SendDone } from './tokens.js';

/** Waveform durations in ms (a full refresh flashes the panel and takes seconds). */
export interface EinkTimings {
  partialMs: number;
  fullMs: number;
}

export const DEFAULT_EINK_TIMINGS: EinkTimings = { partialMs: 300, fullMs: 2000 };

export interface EinkPanelStats {
  loads: number;
  partialRefreshes: number;
  fullRefreshes: number;
  /** transfers refused because a waveform was running */
  busyRejects: number;
  /** malformed transfers (the part before the error was applied to the image buffer) */
  errors: number;
}

/**
 * An e-paper panel with its controller: an image buffer the host loads grey areas into, and the
 * panel itself (`display`), which only changes when a refresh waveform completes. While a
 * waveform runs the controller is busy and refuses transfers (EBUSY); the transfer that started
 * the waveform completes when it ends, in scheduler time. Partial refreshes accumulate ghosting
 * until a full refresh clears it. Grey values are stored 0..255.
 */
export class EinkPanel implements ByteTransport {
  readonly image: Uint8Array;
  readonly display: Uint8Array;
  readonly stats: EinkPanelStats = {
    loads: 0,
    partialRefreshes: 0,
    fullRefreshes: 0,
    busyRejects: 0,
    errors: 0,
  };
  /** partial refreshes since the last full one (how much ghosting the panel shows) */
  ghosting = 0;
  private busy = false;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly scheduler: SchedulerLike,
    readonly timings: EinkTimings = DEFAULT_EINK_TIMINGS,
  ) {
    checkPanelSize(width, height);
    checkObject(scheduler, 'scheduler');
    checkObject(timings, 'e-ink timings');
    this.image = new Uint8Array(width * height).fill(255);
    this.display = new Uint8Array(width * height).fill(255);
  }

  /** BUSY line of the controller */
  get isBusy(): boolean {
    return this.busy;
  }

  send(bytes: Uint8Array, done: SendDone): void {
    checkSend(bytes, done);
    if (this.busy) {
      this.stats.busyRejects++;
      done(new KernelError('EBUSY', 'e-paper controller busy with a waveform'));
      return;
    }
    let o = 0;
    while (o < bytes.length) {
      if (bytes[o] === EinkOp.refresh && o + EINK_REFRESH_LENGTH === bytes.length) {
        this.startRefresh(bytes[o + 1] === 1 ? 'full' : 'partial', done);
        return;
      }
      const next = bytes[o] === EinkOp.loadArea ? this.loadArea(bytes, o) : -1;
      if (next < 0) {
        this.stats.errors++;
        done(new KernelError('EIO', `e-paper controller refused the command at byte ${o}`));
        return;
      }
      o = next;
    }
    done();
  }

  /** Applies one LOAD_AREA at `o`; returns the offset after it, or -1 when it is malformed. */
  private loadArea(b: Uint8Array, o: number): number {
    if (b.length - o < EINK_LOAD_HEADER) return -1;
    const x = readU16le(b, o + 1);
    const y = readU16le(b, o + 3);
    const w = readU16le(b, o + 5);
    const h = readU16le(b, o + 7);
    const bits = b[o + 9] as GreyBits;
    if (!GREY_BITS.includes(bits) || w === 0 || h === 0) return -1;
    if (x + w > this.width || y + h > this.height) return -1;
    const stride = greyStride(w, bits);
    const start = o + EINK_LOAD_HEADER;
    if ((b.length - start) / stride < h) return -1;
    for (let row = 0; row < h; row++) {
      const src = start + row * stride;
      const dst = (y + row) * this.width + x;
      for (let i = 0; i < w; i++) this.image[dst + i] = expandGrey(unpackGreyLevel(b, src, i, bits), bits);
    }
    this.stats.loads++;
    return start + h * stride;
  }

  private startRefresh(mode: RefreshMode, done: SendDone): void {
    this.busy = true;
    const ms = mode === 'full' ? this.timings.fullMs : this.timings.partialMs;
    this.scheduler.schedule(() => {
      this.display.set(this.image);
      if (mode === 'full') {
        this.stats.fullRefreshes++;
        this.ghosting = 0;
      } else {
        this.stats.partialRefreshes++;
        this.ghosting++;
      }
      this.busy = false;
      done();
    }, ms);
  }
}
