import type { NativeAddon } from './native.js';
import { TRK_MKCLEAN, TRK_REVOKE } from './protocol.js';

/** Longest the server waits for a program's tracker thread (a stopped program: its mkclean fails). */
const TRACKER_TIMEOUT_MS = 1000;
const MAX_RANGES = 256;

/**
 * The tools a process handed over for tracking its stores: its tracker thread's socket, the
 * eventfd its fault handler rings, its /proc/self/pagemap and its userfaultfd (uffd modes).
 */
export class ProcessTracker {
  private readonly message = new Uint8Array(8 + 16 * MAX_RANGES);
  private readonly view = new DataView(this.message.buffer);
  private ranges = 0;
  private watch: unknown;

  constructor(
    private readonly native: NativeAddon,
    readonly mode: number,
    readonly socket: number,
    readonly eventfd: number,
    readonly pagemap: number,
    readonly uffd: number,
  ) {}

  /** Calls `onRing` whenever the program's fault handler rings the eventfd. */
  listen(onRing: () => void): void {
    this.watch = this.native.watch(this.eventfd, () => {
      this.native.drainEventfd(this.eventfd);
      onRing();
    });
  }

  /**
   * mprotect mode's mkclean: the program's tracker thread write-protects the ranges, then
   * answers. false when it did not answer in time (dying or stopped).
   */
  protect(addr: number, pages: Int32Array, count: number, pageSize: number): boolean {
    this.ranges = 0;
    let ok = true;
    forEachRun(pages, count, (first, n) => {
      if (this.ranges === MAX_RANGES) ok &&= this.flush(TRK_MKCLEAN);
      this.addRange(addr + first * pageSize, n * pageSize);
    });
    if (this.ranges > 0) ok &&= this.flush(TRK_MKCLEAN);
    return ok;
  }

  /** The device is gone: the program's mapping becomes SIGBUS memory before this returns. */
  revoke(addr: number, length: number): boolean {
    this.ranges = 0;
    this.addRange(addr, length);
    return this.flush(TRK_REVOKE);
  }

  close(): void {
    if (this.watch !== undefined) this.native.unwatch(this.watch);
    for (const fd of [this.socket, this.eventfd, this.pagemap, this.uffd]) if (fd >= 0) this.native.close(fd);
  }

  private addRange(addr: number, length: number): void {
    this.view.setBigUint64(8 + 16 * this.ranges, BigInt(addr), true);
    this.view.setBigUint64(16 + 16 * this.ranges, BigInt(length), true);
    this.ranges++;
  }

  private header(op: number): void {
    this.view.setUint32(0, op, true);
    this.view.setUint32(4, this.ranges, true);
  }

  private flush(op: number): boolean {
    this.header(op);
    const r = this.native.request(this.socket, this.message, 8 + 16 * this.ranges, TRACKER_TIMEOUT_MS);
    this.ranges = 0;
    return r === 0;
  }
}

/** Calls `run(first, count)` for each run of consecutive page numbers in pages[0..count). */
export function forEachRun(pages: Int32Array, count: number, run: (first: number, n: number) => void): void {
  let i = 0;
  while (i < count) {
    const first = pages[i];
    let n = 1;
    while (i + n < count && pages[i + n] === first + n) n++;
    run(first, n);
    i += n;
  }
}
