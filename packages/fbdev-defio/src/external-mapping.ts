import { check } from './gem.js';
import { LIVE_DETACHED } from './layout.js';
import type { DefioPort, DirtyChannel, Mkclean } from './port.js';
import type { ExternalMapping, ExternalMappingHandle, FbFile } from './tokens.js';

/**
 * A mapping made outside fbemu (a real process's mmap through the front door) as one more
 * mapping of the core: its written pages are collected like a worker's dirty bits, and it is
 * write-protected with every other mapping at writeback. It speaks mapping pages (0 = the page
 * at pgoff); this adapter turns them into framebuffer pages and back.
 */
export class ExternalMappingAdapter implements DirtyChannel, Mkclean, ExternalMappingHandle {
  private closed = false;
  private readonly scratch: Int32Array;
  private target: (page: number) => void = () => {};

  constructor(
    private readonly core: DefioPort,
    private readonly file: FbFile,
    /** framebuffer page of mapping page 0 (may be negative) */
    private readonly first: number,
    private readonly pages: number,
    private readonly mapping: ExternalMapping,
  ) {
    this.scratch = new Int32Array(pages);
  }

  start(onRing: () => void): void {
    this.mapping.start(onRing);
  }

  collect(enlist: (page: number) => void): void {
    this.target = enlist;
    this.mapping.collect(this.enlistMappingPage);
  }

  take(enlist: (page: number) => void): void {
    this.target = enlist;
    this.mapping.take(this.enlistMappingPage);
  }

  mkclean(pages: Int32Array, count: number): void {
    let n = 0;
    for (let i = 0; i < count; i++) {
      const p = pages[i] - this.first;
      if (p >= 0 && p < this.pages) this.scratch[n++] = p;
    }
    if (n > 0) this.mapping.mkclean(this.scratch, n);
  }

  /**
   * munmap / exit: stop at once. Cleanup (LIVE_DETACHED): keep the process's page tables until
   * `revoke`, so the final flush still sees what was written before it (in async mode a revoked
   * range reads as all written).
   */
  shutdown(liveness: number): void {
    if (liveness !== LIVE_DETACHED) this.mapping.shutdown(false);
  }

  /** After cleanup's flush: the process's later accesses are SIGBUS. */
  revoke(): void {
    this.mapping.shutdown(true);
  }

  /** munmap / process exit: the mapping's last written pages are collected, then it is gone. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.core.unmap(this, this, this.file);
  }

  /**
   * Only framebuffer pages are handed on: a mapping may reach past the framebuffer (SIGBUS there),
   * and a page number from another party may be anything (`(page | 0) === page`: an int32).
   */
  private readonly enlistMappingPage = (page: number): void => {
    const fbPage = this.first + page;
    const ok = (page | 0) === page && page >= 0 && page < this.pages;
    if (ok && fbPage >= 0 && fbPage < this.core.memory.count) this.target(fbPage);
  };
}

/** Rejects anything that does not have the ExternalMapping shape (it comes from another package). */
export function checkExternalMapping(mapping: ExternalMapping): void {
  const ok =
    typeof mapping === 'object' &&
    mapping !== null &&
    ['start', 'collect', 'take', 'mkclean', 'shutdown'].every(
      (m) => typeof (mapping as unknown as Record<string, unknown>)[m] === 'function',
    );
  check(ok, 'EINVAL', 'not an external mapping');
}
