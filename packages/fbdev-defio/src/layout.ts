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
/**
 * Worker state: first page word (own cache line, away from the control words). Each page word
 * holds the dirty bits of 16 mapping pages (bits 0–15), the number of worker stores in flight on
 * those pages (bits 16–29) and DEAD (bit 30), set by munmap/cleanup before their final take.
 */
export const BITMAP = 16;
/** mapping pages per page word (log2) */
export const PAGES_PER_WORD_SHIFT = 4;
export const PAGE_BITS = 0xffff;
/** one store in flight (the count's unit) */
export const IN_FLIGHT = 1 << 16;
export const IN_FLIGHT_MASK = 0x3fff << 16;
/** the mapping is gone (munmap/cleanup): a store that sees it must not land */
export const DEAD = 1 << 30;

export const LIVE = 0;
/** the mapping was closed (munmap): accesses are EFAULT */
export const LIVE_UNMAPPED = 1;
/** the framebuffer was cleaned up: stores are SIGBUS */
export const LIVE_DETACHED = 2;

/**
 * Framebuffer memory must end within the first 2 GiB of its SharedArrayBuffer: mappings index
 * 16/32-bit views with int32 shifts (fbemu refuses larger framebuffers with ENOMEM at init).
 */
export const MEMORY_LIMIT = 2 ** 31;

/** Int32 words needed for a bitmap of `bits` bits. */
export function bitmapWords(bits: number): number {
  return (bits + 31) >>> 5;
}

/** Int32 words of a worker mapping's state for `pages` mapping pages (control words + page words). */
export function channelStateWords(pages: number): number {
  return BITMAP + ((pages + 15) >>> PAGES_PER_WORD_SHIFT);
}
