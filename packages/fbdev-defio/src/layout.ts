/**
 * Shared constants of the write-tracking state. Main-thread mappings keep one byte per page;
 * worker mappings share an Int32Array: control words, then a dirty bitmap (one bit per page).
 */

/** Page-table entry states of a main-thread mapping (vm page protection). */
export const PTE_ABSENT = 0;
export const PTE_READONLY = 1;
export const PTE_WRITABLE = 2;

/** Worker state: index of the doorbell word (incremented and notified on each 0→1 dirty bit). */
export const DOORBELL = 0;
/** Worker state: index of the liveness word (one of the LIVE_* values). */
export const LIVENESS = 1;
/** Worker state: first word of the dirty bitmap (own cache line, away from the control words). */
export const BITMAP = 16;

export const LIVE = 0;
/** the mapping was closed (munmap): accesses are EFAULT */
export const LIVE_UNMAPPED = 1;
/** the framebuffer was cleaned up: stores are SIGBUS */
export const LIVE_DETACHED = 2;

/** Int32 words needed for a bitmap of `bits` bits. */
export function bitmapWords(bits: number): number {
  return (bits + 31) >>> 5;
}
