import type { FramebufferMemory } from './framebuffer-memory.js';
import type { FbFile } from './tokens.js';

/** A mapping as the core sees it: something whose enlisted pages must be write-protected. */
export interface Mkclean {
  /** Write-protects framebuffer pages `pages[0..count)` where this mapping maps them. */
  mkclean(pages: Int32Array, count: number): void;
}

/** A worker mapping's shared dirty bitmap, as the core sees it. */
export interface DirtyChannel {
  /** Starts listening to the writers' doorbell; `onRing` runs on the core's thread per ring. */
  start(onRing: () => void): void;
  /** Enlists pages whose dirty bit rose since the last look (the bits stay set). */
  collect(enlist: (page: number) => void): void;
  /** Takes every bit (Atomics.and: the acquire that pairs with the writers' compare-exchange). */
  take(enlist: (page: number) => void): void;
  /**
   * Stops listening; `liveness` tells the writers why. Returns once no writer store is in flight:
   * every store that landed has set its bit, every later one is refused before it lands.
   */
  shutdown(liveness: number): void;
  /**
   * After cleanup's final flush: accesses fail from now on (a process mapping is revoked, so
   * its stores are SIGBUS). Separate from shutdown because the flush must still see what was
   * written before it.
   */
  revoke?(): void;
}

/** The core operations a mapping calls on its framebuffer (vm_operations_struct → fb_defio). */
export interface DefioPort {
  readonly memory: FramebufferMemory;
  /** SIGBUS unless framebuffer pages [fbFirst, fbLast] can be faulted in (checked before a bulk store) */
  checkBacked(fbFirst: number, fbLast: number): void;
  /** fault: checks and binds the page, sets page.index = pgoff; SIGBUS when it cannot */
  fault(fbPage: number, pgoff: number): void;
  /** page_mkwrite: fault + enlist once per cycle + arm the timer with the first enlist */
  mkwrite(fbPage: number, pgoff: number): void;
  attachChannel(channel: DirtyChannel): void;
  /** vm_close: the mapping is gone (its enlisted pages stay enlisted) */
  unmap(mapping: Mkclean, channel: DirtyChannel | undefined, file: FbFile): void;
}
