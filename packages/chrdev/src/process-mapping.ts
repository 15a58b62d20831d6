import { KernelError } from '@fbemu/gem-shmem';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { NativeAddon } from './native.js';
import { STATE_BITMAP, STATE_REPORTED } from './protocol.js';
import type { ProcessInfo, ProcessMapping, VmArea } from './tokens.js';
import { forEachRun, type ProcessTracker } from './tracker.js';

export const PAGE_SIZE = 4096;

/** What every mode shares: where the mapping is in the process, and exit handling. */
abstract class TrackedMapping implements ProcessMapping {
  protected onWrite: () => void = () => {};
  protected stopped = false;
  /** the process is gone; what it wrote is lost with its page tables in async mode */
  protected exited = false;
  /** async exit: every page was enlisted once as written */
  private allEnlisted = false;

  constructor(
    readonly vma: VmArea,
    readonly process: ProcessInfo,
    protected readonly tracker: ProcessTracker,
    /** user address of mapping page 0 */
    protected readonly addr: number,
    /** pages backed by device memory (the rest of the vma is SIGBUS) */
    protected readonly pages: number,
  ) {}

  start(onWrite: () => void): void {
    this.onWrite = onWrite;
  }

  collect(enlist: (page: number) => void): void {
    if (this.exited && this.lostOnExit()) this.enlistAllOnce(enlist);
    else this.collectWritten(enlist);
  }

  take(enlist: (page: number) => void): void {
    if (this.exited && this.lostOnExit()) this.enlistAllOnce(enlist);
    else this.takeWritten(enlist);
  }

  /** The process exited without unmapping (killed): later looks must not ask it. */
  processExited(): void {
    this.exited = true;
  }

  shutdown(revoke?: boolean): void {
    this.stopped = true;
    this.stop();
    if (revoke === true && !this.exited) this.tracker.revoke(this.addr, this.vma.length);
  }

  abstract mkclean(pages: Int32Array, count: number): void;
  protected abstract collectWritten(enlist: (page: number) => void): void;
  protected abstract takeWritten(enlist: (page: number) => void): void;
  /** true when the written pages die with the process (they must all count as written) */
  protected abstract lostOnExit(): boolean;
  protected stop(): void {}

  private enlistAllOnce(enlist: (page: number) => void): void {
    if (this.allEnlisted) return;
    this.allEnlisted = true;
    for (let p = 0; p < this.pages; p++) enlist(p);
  }
}

/**
 * Async mode: the kernel marks written pages (UFFD_FEATURE_WP_ASYNC) and PAGEMAP_SCAN lists
 * them; the take re-protects them in the same walk (mkclean + take, atomic). Nothing tells the
 * server of a first write, so a native thread polls ("anything written?", one page's worth of
 * scan) while no writeback is pending: from `pollMin` after a take, doubling to `pollMax` while
 * the screen is static. Node itself sleeps until a poll finds something.
 */
export class AsyncProcessMapping extends TrackedMapping {
  private readonly out = new Float64Array(1 + 2 * 256);
  private poller: unknown;

  constructor(
    vma: VmArea,
    process: ProcessInfo,
    tracker: ProcessTracker,
    addr: number,
    pages: number,
    private readonly native: NativeAddon,
    private readonly pollMin: number,
    private readonly pollMax: number,
  ) {
    super(vma, process, tracker, addr, pages);
  }

  override start(onWrite: () => void): void {
    super.start(onWrite);
    const end = this.addr + this.pages * PAGE_SIZE;
    this.poller = this.native.pollerStart(
      this.tracker.pagemap,
      this.addr,
      end,
      this.pollMin,
      this.pollMax,
      () => {
        if (!this.stopped && !this.exited) this.onWrite();
      },
    );
  }

  /** The take already write-protected every page this mapping wrote; other pages never became writable. */
  mkclean(): void {}

  protected collectWritten(enlist: (page: number) => void): void {
    this.walk(false, enlist);
  }

  protected takeWritten(enlist: (page: number) => void): void {
    this.walk(true, enlist);
    if (this.poller !== undefined && !this.stopped) this.native.pollerArm(this.poller);
  }

  protected lostOnExit(): boolean {
    return true;
  }

  protected override stop(): void {
    if (this.poller !== undefined) this.native.pollerStop(this.poller);
    this.poller = undefined;
  }

  /** PAGEMAP_SCAN over the mapping, in as many calls as the region vector needs. */
  private walk(take: boolean, enlist: (page: number) => void): void {
    const end = this.addr + this.pages * PAGE_SIZE;
    let start = this.addr;
    while (start < end) {
      const n = this.native.pagemapScan(this.tracker.pagemap, start, end, take, 0, this.out);
      if (n < 0) {
        // the process is going (its page tables with it): every page counts as written once
        this.processExited();
        this.collect(enlist);
        return;
      }
      for (let i = 0; i < n; i++) {
        const last = (this.out[2 + 2 * i] - this.addr) / PAGE_SIZE;
        for (let p = (this.out[1 + 2 * i] - this.addr) / PAGE_SIZE; p < last; p++) enlist(p);
      }
      if (this.out[0] <= start) break;
      start = this.out[0];
    }
  }
}

/**
 * Sync and mprotect modes: the program's fault handler (userfaultfd thread or SIGSEGV handler)
 * makes the page writable, then sets its bit in a shared bitmap and rings the eventfd once per
 * cycle. The server takes the bits with Atomics.exchange and write-protects them again: with
 * UFFDIO_WRITEPROTECT from here (sync), or through the program's tracker thread (mprotect).
 */
export class BitsProcessMapping extends TrackedMapping {
  private readonly words: Int32Array;
  /** bits already enlisted this cycle */
  private readonly seen: Int32Array;
  /** a failed mkclean's pages are reported again from a fresh task (not inside the writeback) */
  private retry: Subscription | undefined;

  constructor(
    vma: VmArea,
    process: ProcessInfo,
    tracker: ProcessTracker,
    addr: number,
    pages: number,
    state: SharedArrayBuffer,
    private readonly native: NativeAddon,
    private readonly scheduler: SchedulerLike,
  ) {
    super(vma, process, tracker, addr, pages);
    const n = (pages + 31) >>> 5;
    if (state.byteLength < (STATE_BITMAP + n) * 4)
      throw new KernelError('EINVAL', 'tracking state too small');
    this.words = new Int32Array(state, 0, STATE_BITMAP + n);
    this.seen = new Int32Array(n);
  }

  override start(onWrite: () => void): void {
    super.start(onWrite);
    this.ring();
  }

  /** the eventfd rang: tell the core when this mapping has unreported bits */
  ring(): void {
    if (!this.stopped && Atomics.load(this.words, STATE_REPORTED) !== 0) this.onWrite();
  }

  /**
   * Write-protects the pages again. When the process cannot be reached (it is dying, or stopped
   * past the tracker's timeout) the pages' bits are set again: they count as written in the next
   * cycle, whose writeback tries again, so no store behind an unprotected page goes unseen.
   */
  mkclean(pages: Int32Array, count: number): void {
    if (this.exited || this.stopped || count === 0) return;
    const ok =
      this.tracker.uffd < 0
        ? this.tracker.protect(this.addr, pages, count, PAGE_SIZE)
        : this.writeProtect(pages, count);
    if (ok) return;
    for (let i = 0; i < count; i++) {
      if (pages[i] < this.pages)
        Atomics.or(this.words, STATE_BITMAP + (pages[i] >>> 5), 1 << (pages[i] & 31));
    }
    Atomics.store(this.words, STATE_REPORTED, 1);
    this.retry ??= this.scheduler.schedule(() => {
      this.retry = undefined;
      this.ring();
    });
  }

  private writeProtect(pages: Int32Array, count: number): boolean {
    let ok = true;
    forEachRun(pages, count, (first, n) => {
      const r = this.native.writeProtect(
        this.tracker.uffd,
        this.addr + first * PAGE_SIZE,
        n * PAGE_SIZE,
        true,
      );
      ok &&= r === 0;
    });
    return ok;
  }

  protected collectWritten(enlist: (page: number) => void): void {
    for (let w = 0; w < this.seen.length; w++) {
      const fresh = Atomics.load(this.words, STATE_BITMAP + w) & ~this.seen[w];
      if (fresh === 0) continue;
      this.seen[w] |= fresh;
      forEachBit(w, fresh, enlist);
    }
  }

  protected takeWritten(enlist: (page: number) => void): void {
    // cleared first: a fault after this rings again, so no bit set from now on goes unreported
    Atomics.store(this.words, STATE_REPORTED, 0);
    for (let w = 0; w < this.seen.length; w++) {
      const fresh = Atomics.exchange(this.words, STATE_BITMAP + w, 0) & ~this.seen[w];
      this.seen[w] = 0;
      forEachBit(w, fresh, enlist);
    }
  }

  /** the bitmap outlives the process: its bits are exact */
  protected lostOnExit(): boolean {
    return false;
  }
}

function forEachBit(word: number, bits: number, enlist: (page: number) => void): void {
  let rest = bits;
  while (rest !== 0) {
    const low = rest & -rest;
    enlist((word << 5) | (31 - Math.clz32(low)));
    rest ^= low;
  }
}
