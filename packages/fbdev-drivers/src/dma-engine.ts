import { KernelError } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { SG_CTRL_LAST, SG_DESC_WORDS } from './sg-list.js';
import type { SendDone } from './tokens.js';

export interface DmaEngineStats {
  lists: number;
  segments: number;
  bytes: number;
  /** lists refused: bad descriptor, missing LAST, too long, or engine busy */
  rejected: number;
}

/** Most descriptors one list may hold (the engine walks at most this many). */
export const DMA_MAX_DESCRIPTORS = 4096;

/**
 * A DMA engine copying framebuffer memory into panel memory (sh_mobile_lcdc's transfer to a
 * self-refreshing panel). It validates the whole descriptor list before moving a byte: every
 * segment non-empty and inside both memories, the list terminated by LAST within `count` and
 * `DMA_MAX_DESCRIPTORS`. A bad list is refused with EINVAL and copies nothing. With a
 * `bytesPerMs` rate the transfer completes in scheduler time and the engine is busy meanwhile.
 */
export class DmaEngine {
  readonly stats: DmaEngineStats = { lists: 0, segments: 0, bytes: 0, rejected: 0 };
  private busy = false;

  constructor(
    private readonly src: Uint8Array,
    readonly dst: Uint8Array,
    private readonly scheduler?: SchedulerLike,
    private readonly bytesPerMs = 0,
  ) {}

  get isBusy(): boolean {
    return this.busy;
  }

  execute(table: Uint32Array, count: number, done: SendDone): void {
    const error = this.busy ? 'EBUSY' : this.validate(table, count);
    if (error !== undefined) {
      this.stats.rejected++;
      done(new KernelError(error === 'EBUSY' ? 'EBUSY' : 'EINVAL', `DMA list refused: ${error}`));
      return;
    }
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const o = i * SG_DESC_WORDS;
      const s = table[o];
      const d = table[o + 1];
      const len = table[o + 2];
      this.dst.set(this.src.subarray(s, s + len), d);
      bytes += len;
    }
    this.stats.lists++;
    this.stats.segments += count;
    this.stats.bytes += bytes;
    if (!this.scheduler || this.bytesPerMs <= 0) {
      done();
      return;
    }
    this.busy = true;
    this.scheduler.schedule(
      () => {
        this.busy = false;
        done();
      },
      Math.ceil(bytes / this.bytesPerMs),
    );
  }

  /** Undefined when the list is good, else what is wrong with it. */
  private validate(table: Uint32Array, count: number): string | undefined {
    if (!Number.isSafeInteger(count) || count < 1 || count > DMA_MAX_DESCRIPTORS) return `count ${count}`;
    if (count * SG_DESC_WORDS > table.length) return 'count beyond the table';
    for (let i = 0; i < count; i++) {
      const o = i * SG_DESC_WORDS;
      const len = table[o + 2];
      if (len === 0 || table[o] + len > this.src.length || table[o + 1] + len > this.dst.length) {
        return `descriptor ${i} out of bounds`;
      }
      const last = (table[o + 3] & SG_CTRL_LAST) !== 0;
      if (last !== (i === count - 1)) return `LAST flag on descriptor ${i}`;
    }
    return undefined;
  }
}
