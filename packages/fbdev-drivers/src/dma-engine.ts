import { check, checkOptional, isCount, KernelError } from '@fbemu/gem-shmem';
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
 * `DMA_MAX_DESCRIPTORS`. A bad list is refused with EINVAL and copies nothing. Each descriptor is
 * read once (see `execute`), so a table changed meanwhile cannot slip a bad segment past the check. With a
 * `bytesPerMs` rate the transfer completes in scheduler time and the engine is busy meanwhile.
 */
export class DmaEngine {
  readonly stats: DmaEngineStats = { lists: 0, segments: 0, bytes: 0, rejected: 0 };
  private busy = false;
  /** the list being executed, each descriptor word read once from the caller's table */
  private readonly snapshot = new Uint32Array(DMA_MAX_DESCRIPTORS * SG_DESC_WORDS);

  constructor(
    private readonly src: Uint8Array,
    readonly dst: Uint8Array,
    private readonly scheduler?: SchedulerLike,
    private readonly bytesPerMs = 0,
  ) {
    check(
      src instanceof Uint8Array && dst instanceof Uint8Array,
      'EINVAL',
      'DMA memories must be Uint8Arrays',
    );
    checkOptional(scheduler, (s) => typeof (s as SchedulerLike | null)?.schedule === 'function', 'scheduler');
    const rateOk = typeof bytesPerMs === 'number' && Number.isFinite(bytesPerMs) && bytesPerMs >= 0;
    check(rateOk, 'EINVAL', 'bytesPerMs');
  }

  get isBusy(): boolean {
    return this.busy;
  }

  /**
   * Executes `count` descriptors of `table`. The table may live in memory the other side keeps
   * writing, so it is read exactly once, into a private snapshot that validation and the copy
   * both use: what was checked is what is copied. `done` is called exactly once, whatever the
   * table holds (EINVAL refused, EBUSY busy, EIO if the copy itself failed).
   */
  execute(table: Uint32Array, count: number, done: SendDone): void {
    check(typeof done === 'function', 'EINVAL', 'DMA execute needs a completion callback');
    const error = this.busy ? 'EBUSY' : (this.load(table, count) ?? this.validate(count));
    if (error !== undefined) {
      this.refuse(error === 'EBUSY' ? 'EBUSY' : 'EINVAL', `DMA list refused: ${error}`, done);
      return;
    }
    let bytes: number;
    try {
      bytes = this.copy(count);
    } catch (e) {
      this.refuse('EIO', `DMA transfer failed: ${(e as Error).message}`, done);
      return;
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

  private refuse(code: 'EBUSY' | 'EINVAL' | 'EIO', message: string, done: SendDone): void {
    this.stats.rejected++;
    done(new KernelError(code, message));
  }

  /** Reads the list into the snapshot, word by word, once; undefined when that worked. */
  private load(table: unknown, count: unknown): string | undefined {
    if (!(table instanceof Uint32Array)) return 'table is not a Uint32Array';
    if (!isCount(count) || count < 1 || count > DMA_MAX_DESCRIPTORS) return `count ${String(count)}`;
    const words = count * SG_DESC_WORDS;
    if (words > table.length) return 'count beyond the table';
    const snap = this.snapshot;
    for (let i = 0; i < words; i++) snap[i] = table[i];
    return undefined;
  }

  /** Undefined when the snapshot holds a good list, else what is wrong with it. */
  private validate(count: number): string | undefined {
    const t = this.snapshot;
    for (let i = 0; i < count; i++) {
      const o = i * SG_DESC_WORDS;
      const len = t[o + 2];
      if (len === 0 || t[o] + len > this.src.length || t[o + 1] + len > this.dst.length) {
        return `descriptor ${i} out of bounds`;
      }
      const last = (t[o + 3] & SG_CTRL_LAST) !== 0;
      if (last !== (i === count - 1)) return `LAST flag on descriptor ${i}`;
    }
    return undefined;
  }

  /** Copies the validated snapshot; returns the bytes moved. */
  private copy(count: number): number {
    const t = this.snapshot;
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const o = i * SG_DESC_WORDS;
      const s = t[o];
      const len = t[o + 2];
      this.dst.set(this.src.subarray(s, s + len), t[o + 1]);
      bytes += len;
    }
    return bytes;
  }
}
