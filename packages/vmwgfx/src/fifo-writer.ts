import { SCHEDULER } from '@fbemu/fbdev-defio';
import { check, checkObject, checkOptional, isCount, KernelError, optionsOf } from '@fbemu/gem-shmem';
import { inject, injectable, optional } from 'inversify';
import {
  defer,
  filter,
  map,
  type Observable,
  of,
  type SchedulerLike,
  take,
  throwError,
  timeout,
  timer,
} from 'rxjs';
import { type FifoPointers, fifoAdvance, fifoFreeBytes } from './fifo-layout.js';
import {
  SVGA_CMD_UPDATE_WORDS,
  SVGA_FIFO_BASE_REGS,
  SVGA_FIFO_MIN_RING_BYTES,
  SVGA_SYNC_FIFOFULL,
  SVGA_SYNC_GENERIC,
  SvgaCmd,
  SvgaFifo,
  SvgaReg,
} from './svga-reg.js';
import {
  SVGA_FIFO_OPTIONS,
  SVGA_MEMORY,
  SVGA_PORT,
  type SvgaFifoOptions,
  type SvgaMemory,
  type SvgaPort,
} from './tokens.js';

const isU32 = (n: number) => isCount(n) && n <= 0xffffffff;
/** A FIFO word: any 32-bit integer, signed or unsigned (stored as its low 32 bits). */
const isWord = (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n <= 0xffffffff;

/** Bytes of one SVGA_CMD_UPDATE (id + x, y, width, height). */
export const SVGA_UPDATE_BYTES = SVGA_CMD_UPDATE_WORDS * 4;

/**
 * The guest side of the FIFO (vmwgfx's `vmw_fifo_*`): init, reserve/commit of whole commands and
 * the host ping. Commands are written word by word into the free part of the ring, wrapping from
 * MAX to MIN, and become visible to the host only when commit publishes NEXT_CMD — so the host
 * never sees half a command (what a RESERVE-capable kernel guest achieves with its bounce buffer).
 * A reservation never exceeds the free space, which always keeps one word between NEXT_CMD and
 * STOP: unread commands are never overwritten.
 *
 * The devices this talks to (QEMU's and `SvgaHost`) have no extended FIFO, so there is no FIFO
 * BUSY word to arbitrate pings: every ping writes SVGA_REG_SYNC.
 */
@injectable()
export class SvgaFifoWriter {
  private readonly fifo: Uint32Array;
  private readonly p: FifoPointers = { min: 0, max: 0, nextCmd: 0, stop: 0 };
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private ready = false;
  /** bytes reserved and not yet committed (0: no reservation) */
  private reserved = 0;
  private written = 0;
  private cursor = 0;

  constructor(
    @inject(SVGA_PORT) private readonly port: SvgaPort,
    @inject(SVGA_MEMORY) memory: SvgaMemory,
    @inject(SCHEDULER) private readonly scheduler: SchedulerLike,
    @inject(SVGA_FIFO_OPTIONS) @optional() fifoOptions?: SvgaFifoOptions,
  ) {
    checkObject(port, 'SVGA port');
    checkObject(memory, 'SVGA memory');
    check(memory.fifo instanceof Uint32Array, 'EINVAL', 'SVGA memory has no FIFO words');
    const options = optionsOf(fifoOptions, 'FIFO options');
    // a poll period of 0 would be a busy loop on the scheduler
    checkOptional(options.pollMs, (n) => isCount(n) && n > 0, 'pollMs');
    checkOptional(options.timeoutMs, isCount, 'timeoutMs');
    this.fifo = memory.fifo;
    this.pollMs = options.pollMs ?? 10;
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  /** MIN, MAX as set up by `init` */
  get ring(): Readonly<FifoPointers> {
    return this.p;
  }

  /**
   * `vmw_fifo_init`: MIN after the FIFO registers, raised to a page (4 KiB); MAX = SVGA_REG_MEM_SIZE;
   * NEXT_CMD = STOP = MIN; then CONFIG_DONE. ENODEV when the FIFO is too small for a legal ring.
   */
  init(pageSize = 4096): void {
    const size = this.port.readRegister(SvgaReg.MEM_SIZE);
    const min = Math.max(SVGA_FIFO_BASE_REGS * 4, pageSize);
    check(
      size <= this.fifo.length * 4 && size - min >= SVGA_FIFO_MIN_RING_BYTES,
      'ENODEV',
      `FIFO of ${size} bytes too small`,
    );
    this.fifo[SvgaFifo.MIN] = min;
    this.fifo[SvgaFifo.MAX] = size;
    this.fifo[SvgaFifo.NEXT_CMD] = min;
    this.fifo[SvgaFifo.STOP] = min;
    this.port.writeRegister(SvgaReg.CONFIG_DONE, 1);
    this.p.min = min;
    this.p.max = size;
    this.p.nextCmd = this.p.stop = min;
    this.reserved = 0;
    this.ready = true;
  }

  /** Free bytes right now (STOP re-read from the device). */
  space(): number {
    this.refresh();
    return fifoFreeBytes(this.p);
  }

  /**
   * Reserves room for one whole command of `bytes` (a multiple of 4, less than the ring). When the
   * ring is too full, pings the host with SVGA_SYNC_FIFOFULL once and looks again; false when there
   * is still no room (use `waitForSpace`). EINVAL for a bad size, EBUSY while a reservation is open.
   */
  reserve(bytes: number): boolean {
    check(this.ready, 'ENODEV', 'FIFO not initialised');
    check(this.reserved === 0, 'EBUSY', 'a reservation is already open');
    const ringBytes = this.p.max - this.p.min;
    check(
      Number.isSafeInteger(bytes) && bytes > 0 && bytes % 4 === 0 && bytes < ringBytes,
      'EINVAL',
      `bad reservation of ${bytes} bytes`,
    );
    if (this.space() < bytes) {
      this.ping(SVGA_SYNC_FIFOFULL);
      if (this.space() < bytes) return false;
    }
    this.reserved = bytes;
    this.written = 0;
    this.cursor = this.p.nextCmd;
    return true;
  }

  /** Appends one word to the open reservation. */
  write(word: number): void {
    check(this.written < this.reserved, 'EINVAL', 'write beyond the reservation');
    check(isWord(word), 'EINVAL', `FIFO word ${word} is not a 32-bit integer`);
    this.fifo[this.cursor >>> 2] = word;
    this.cursor = fifoAdvance(this.p, this.cursor, 4);
    this.written += 4;
  }

  /** Publishes the reserved command (NEXT_CMD moves past it) and pings the host. */
  commit(): void {
    check(
      this.reserved !== 0 && this.written === this.reserved,
      'EINVAL',
      'commit of an incomplete reservation',
    );
    this.p.nextCmd = this.cursor;
    this.fifo[SvgaFifo.NEXT_CMD] = this.cursor;
    this.reserved = 0;
    this.ping(SVGA_SYNC_GENERIC);
  }

  /** `vmw_fifo_ping_host`: ask the host to process the FIFO. */
  ping(reason: number): void {
    this.port.writeRegister(SvgaReg.SYNC, reason);
  }

  /**
   * SVGA_CMD_UPDATE for `(x, y, width, height)` (what `vmw_kms_ldu_do_bo_dirty` sends per clip).
   * False when the ring stays full after a FIFOFULL ping.
   */
  update(x: number, y: number, width: number, height: number): boolean {
    // checked before reserving, so a bad rect leaves no open reservation behind
    check(
      isU32(x) && isU32(y) && isU32(width) && isU32(height),
      'EINVAL',
      `UPDATE (${x},${y},${width},${height}) needs unsigned 32-bit integers`,
    );
    if (!this.reserve(SVGA_UPDATE_BYTES)) return false;
    this.write(SvgaCmd.UPDATE);
    this.write(x);
    this.write(y);
    this.write(width);
    this.write(height);
    this.commit();
    return true;
  }

  /**
   * Back-pressure: completes once `bytes` can be reserved, polling every `pollMs` on the injected
   * scheduler (each poll pings FIFOFULL); errors with EBUSY ("SVGA device lockup") after
   * `timeoutMs` without room, as the kernel gives up after 3 s.
   */
  waitForSpace(bytes: number): Observable<void> {
    return defer(() => {
      if (this.space() >= bytes) return of(undefined);
      return timer(this.pollMs, this.pollMs, this.scheduler).pipe(
        filter(() => this.pollSpace(bytes)),
        take(1),
        timeout({
          first: this.timeoutMs,
          scheduler: this.scheduler,
          with: () => throwError(() => new KernelError('EBUSY', 'SVGA device lockup: FIFO stayed full')),
        }),
        map((): void => undefined),
      );
    });
  }

  private pollSpace(bytes: number): boolean {
    if (this.space() >= bytes) return true;
    this.ping(SVGA_SYNC_FIFOFULL);
    return this.space() >= bytes;
  }

  /** Re-reads STOP; a device that wrote a STOP outside the ring is treated as hung (EIO). */
  private refresh(): void {
    const stop = this.fifo[SvgaFifo.STOP]!;
    check((stop & 3) === 0 && stop >= this.p.min && stop < this.p.max, 'EIO', `device wrote STOP = ${stop}`);
    this.p.stop = stop;
  }
}
