import { SVGA_FIFO_BASE_REGS, SVGA_FIFO_MIN_RING_BYTES, SvgaFifo } from './svga-reg.js';

/**
 * The SVGA FIFO memory layout (BAR2), shared by the guest writer and the host reader.
 *
 * ```
 * byte 0      4      8         12     16 ...        MIN                          MAX     size
 *      | MIN  | MAX  | NEXT_CMD | STOP | (ext regs) |  command ring [MIN, MAX)    | unused |
 * ```
 * The four pointers are byte offsets from the FIFO start. The guest writes at NEXT_CMD, the host
 * reads at STOP; both wrap from MAX to MIN. NEXT_CMD == STOP means empty, so a writer always keeps
 * one word free (a full ring would look empty).
 *
 * Every access to FIFO memory here is an indexed word load or store (no TypedArray methods), so
 * the memory may be any `Uint32Array`-shaped object, including a guard proxy in tests.
 */

/** The four ring pointers, read once per pass (a snapshot: the other side may move on). */
export interface FifoPointers {
  min: number;
  max: number;
  nextCmd: number;
  stop: number;
}

export function readFifoPointers(fifo: Uint32Array, into: FifoPointers): FifoPointers {
  into.min = fifo[SvgaFifo.MIN]!;
  into.max = fifo[SvgaFifo.MAX]!;
  into.nextCmd = fifo[SvgaFifo.NEXT_CMD]!;
  into.stop = fifo[SvgaFifo.STOP]!;
  return into;
}

/**
 * The host's trust check of guest-written pointers (invariant 29 plus the QEMU CVE fixes): all
 * 4-aligned, MIN ≥ 16 (the ring never overlaps the pointers), MAX inside the FIFO memory, a ring
 * of at least 10 KiB, and NEXT_CMD/STOP inside the ring. QEMU only bounds NEXT_CMD/STOP by the
 * FIFO size; requiring them inside [MIN, MAX) also rules out a STOP below MIN reading registers
 * as commands.
 */
export function fifoPointersValid(p: FifoPointers, fifoBytes: number): boolean {
  const { min, max, nextCmd, stop } = p;
  if (((min | max | nextCmd | stop) & 3) !== 0) return false;
  if (min < SVGA_FIFO_BASE_REGS * 4 || max > fifoBytes) return false;
  if (max - min < SVGA_FIFO_MIN_RING_BYTES) return false;
  return stop >= min && stop < max && nextCmd >= min && nextCmd < max;
}

/** Bytes written by the guest and not yet consumed by the host. Pointers must be valid. */
export function fifoUsedBytes(p: FifoPointers): number {
  const n = p.nextCmd - p.stop;
  return n >= 0 ? n : n + (p.max - p.min);
}

/**
 * Bytes a guest may still reserve: the ring minus what is in use minus one word, because filling
 * the ring completely would make NEXT_CMD == STOP, which reads as empty.
 */
export function fifoFreeBytes(p: FifoPointers): number {
  return p.max - p.min - fifoUsedBytes(p) - 4;
}

/** Advances a ring pointer by `bytes` (less than the ring size), wrapping from MAX to MIN. */
export function fifoAdvance(p: FifoPointers, offset: number, bytes: number): number {
  const next = offset + bytes;
  return next >= p.max ? next - (p.max - p.min) : next;
}
