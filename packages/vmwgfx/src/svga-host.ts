import { Rect, rectFromXywh } from '@fbemu/drm-fb-helper';
import { check, checkOptional, optionsOf } from '@fbemu/gem-shmem';
import { inject, injectable, optional } from 'inversify';
import { type Observable, Subject } from 'rxjs';
import { copyRows } from './blit.js';
import { type FifoCommandSink, type FifoPassStats, HostFifo } from './host-fifo.js';
import {
  SVGA_FIFO_BASE_REGS,
  SVGA_FIFO_MIN_RING_BYTES,
  SVGA_INDEX_PORT,
  SVGA_VALUE_PORT,
} from './svga-reg.js';
import { SvgaRegisterFile } from './svga-registers.js';
import {
  type HostSurface,
  SVGA_HOST_OPTIONS,
  type SvgaHostApi,
  type SvgaHostOptions,
  type SvgaMemory,
} from './tokens.js';
import { UpdateQueue } from './update-queue.js';

/** QEMU's `SVGA_FIFO_SIZE` and default VRAM size. */
export const SVGA_DEFAULT_FIFO_BYTES = 0x10000;
export const SVGA_DEFAULT_VRAM_BYTES = 16 * 1024 * 1024;

/**
 * The SVGA II device model on the host side of the FIFO, after QEMU's `vmware_vga.c` (semantics
 * only): the register file, FIFO consumption on every SYNC write and every refresh tick (both only
 * while enabled and configured), and the redraw of queued UPDATE rects from VRAM into the host
 * surface, announced on `updates$`.
 *
 * Whatever the guest writes — FIFO pointers, command words, rects, register values — the host
 * never throws, never touches memory outside its arrays and does bounded work per pass: the FIFO
 * reader validates the ring and caps the commands per pass, and every rect is checked against the
 * surface before a byte moves. Unlike QEMU the redraw happens right after each pass (so a SYNC
 * write returns with the surface already updated), not at the next display refresh.
 */
@injectable()
export class SvgaHost implements SvgaHostApi, FifoCommandSink {
  readonly memory: SvgaMemory;
  private readonly regs: SvgaRegisterFile;
  private readonly reader: HostFifo;
  private readonly queue = new UpdateQueue();
  private readonly updates = new Subject<Rect>();
  readonly updates$: Observable<Rect> = this.updates.asObservable();
  private current: HostSurface;
  /** the surface as a rect, for validation and full redraws */
  private bounds: Rect;
  private processing = false;
  /** the register index latched by the last write to the INDEX port */
  private index = 0;
  private fenceValue = 0;

  constructor(@inject(SVGA_HOST_OPTIONS) @optional() hostOptions?: SvgaHostOptions) {
    const options = checkHostOptions(hostOptions);
    const fifo = options.fifo ?? sharedWords(options.fifoBytes ?? SVGA_DEFAULT_FIFO_BYTES);
    const vram =
      options.vram ?? new Uint8Array(new SharedArrayBuffer(options.vramBytes ?? SVGA_DEFAULT_VRAM_BYTES));
    check(fifo.length * 4 >= SVGA_FIFO_MIN_BYTES, 'EINVAL', 'FIFO memory smaller than a minimal ring');
    this.memory = { fifo, vram };
    this.regs = new SvgaRegisterFile(
      {
        vramBytes: vram.length,
        fifoBytes: fifo.length * 4,
        maxWidth: options.maxWidth ?? 2360,
        maxHeight: options.maxHeight ?? 1770,
        width: options.width ?? 1024,
        height: options.height ?? 768,
      },
      { sync: () => this.process(), modeChanged: () => this.queue.invalidate() },
    );
    this.reader = new HostFifo(fifo, fifo.length * 4);
    [this.current, this.bounds] = this.allocSurface();
  }

  get surface(): HostSurface {
    return this.current;
  }

  /** The value the last SVGA_CMD_FENCE carried. */
  get lastFence(): number {
    return this.fenceValue;
  }

  /** What the last FIFO pass did (commands, words, bad commands, rewind). */
  get lastPass(): Readonly<FifoPassStats> {
    return this.reader.stats;
  }

  readRegister(index: number): number {
    return this.regs.read(index);
  }

  writeRegister(index: number, value: number): void {
    this.regs.write(index, value);
  }

  /** BAR0 port write (`outl`): INDEX latches a register index, VALUE writes that register. */
  outl(port: number, value: number): void {
    if (port === SVGA_INDEX_PORT) this.index = value >>> 0;
    else if (port === SVGA_VALUE_PORT) this.regs.write(this.index, value);
  }

  /** BAR0 port read (`inl`): VALUE reads the latched register; other ports read 0. */
  inl(port: number): number {
    if (port === SVGA_INDEX_PORT) return this.index;
    return port === SVGA_VALUE_PORT ? this.regs.read(this.index) : 0;
  }

  refresh(): void {
    this.process();
  }

  reset(): void {
    this.regs.reset();
    this.queue.invalidate();
  }

  /** FifoCommandSink: queue an UPDATE; it is validated when drained, against the then surface. */
  update(x: number, y: number, width: number, height: number): void {
    this.queue.push(x, y, width, height);
  }

  fence(value: number): void {
    this.fenceValue = value;
  }

  /**
   * One FIFO pass and the redraw, on SYNC (before the register write returns, invariant 31) or on
   * a refresh tick, while the device is enabled and configured. Not re-entrant: a SYNC or refresh from inside (an `updates$` subscriber) is
   * ignored, since the pass in progress already covers it.
   */
  private process(): void {
    if (this.processing || !this.regs.fifoRunning) return;
    this.processing = true;
    this.reader.run(this);
    this.redraw();
    this.processing = false;
  }

  /** Copy every queued rect VRAM → surface; a rect that fails validation redraws everything. */
  private redraw(): void {
    if (this.current.width !== this.regs.width || this.current.height !== this.regs.height) {
      [this.current, this.bounds] = this.allocSurface();
      this.queue.invalidate();
    }
    this.queue.drain(
      (x, y, w, h) => this.copyIfValid(x, y, w, h),
      () => this.copy(this.bounds),
    );
  }

  /**
   * QEMU's `vmsvga_verify_rect`, as containment: 0 ≤ x, 0 ≤ w, x + w ≤ width, same for y. An empty
   * valid rect is dropped; an invalid one answers false (full redraw).
   */
  private copyIfValid(x: number, y: number, w: number, h: number): boolean {
    // containment on plain numbers first: the guest's values may not even make a valid Rect
    const { x2: width, y2: height } = this.bounds;
    if (x < 0 || y < 0 || w < 0 || h < 0 || x + w > width || y + h > height) return false;
    if (w > 0 && h > 0) this.copy(rectFromXywh(x, y, w, h));
    return true;
  }

  private copy(r: Rect): void {
    const s = this.current;
    const pitch = this.regs.bytesPerLine;
    const src = this.regs.fbOffset + r.y1 * pitch + r.x1 * 4;
    copyRows(
      this.memory.vram,
      src,
      pitch,
      s.bytes,
      r.y1 * s.pitch + r.x1 * 4,
      s.pitch,
      r.width * 4,
      r.height,
    );
    this.updates.next(r);
  }

  /** A surface of exactly the current mode, and its bounds. */
  private allocSurface(): [HostSurface, Rect] {
    const { width, height } = this.regs;
    return [
      { width, height, pitch: width * 4, bytes: new Uint8Array(width * height * 4) },
      new Rect(0, 0, width, height),
    ];
  }
}

/** Registers + the smallest legal ring. */
const SVGA_FIFO_MIN_BYTES = SVGA_FIFO_BASE_REGS * 4 + SVGA_FIFO_MIN_RING_BYTES;
/** MEM_SIZE and VRAM_SIZE are 32-bit registers. */
const U32_MAX = 0xffffffff;

const isSize = (n: unknown, min: number) =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= min && n <= U32_MAX;

/**
 * The embedder's options, checked before anything is allocated (EINVAL, nothing built): sizes are
 * integers the 32-bit registers can report, the FIFO a whole number of words holding a minimal
 * ring, modes positive integers (whether the mode fits is the register file's check).
 */
function checkHostOptions(options: SvgaHostOptions | undefined): Partial<SvgaHostOptions> {
  const o = optionsOf(options, 'SVGA host options');
  checkOptional(o.fifoBytes, (n) => isSize(n, SVGA_FIFO_MIN_BYTES) && (n as number) % 4 === 0, 'fifoBytes');
  checkOptional(o.vramBytes, (n) => isSize(n, 1), 'vramBytes');
  for (const k of ['maxWidth', 'maxHeight', 'width', 'height'] as const)
    checkOptional(o[k], (n) => isSize(n, 1), k);
  checkOptional(o.fifo, (f) => f instanceof Uint32Array && f.length * 4 <= U32_MAX, 'fifo');
  checkOptional(o.vram, (v) => v instanceof Uint8Array && v.length <= U32_MAX, 'vram');
  return o;
}

function sharedWords(bytes: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(bytes));
}
