import type { Observable } from 'rxjs';
import type { Page, PageGeometry } from './gem.js';

/** fb_fix_screeninfo: the fixed part of the framebuffer description. */
export interface FbFixScreeninfo {
  /** smem_len: length of the framebuffer memory in bytes */
  smemLen: number;
  /** line_length: bytes per scanline (pitch) */
  lineLength: number;
}

/** fb_var_screeninfo: the resolution and pixel layout. */
export interface FbVarScreeninfo {
  xres: number;
  yres: number;
  /** xres_virtual */
  xresVirtual: number;
  /** yres_virtual */
  yresVirtual: number;
  xoffset: number;
  yoffset: number;
  /** bits_per_pixel */
  bitsPerPixel: number;
}

/** fb_info, reduced to what deferred I/O reads. */
export interface FbInfo {
  fix: FbFixScreeninfo;
  var: FbVarScreeninfo;
  /**
   * screen_buffer: the framebuffer's own memory when no `getPage` hook is set (at least
   * smem_len rounded up to pages); absent → fbemu allocates it
   */
  screenBuffer?: SharedArrayBuffer;
}

/**
 * fb_deferred_io.get_page: returns the page backing framebuffer byte `offset` (page aligned),
 * e.g. a GEM object's page, or undefined when there is none (the fault then is a SIGBUS).
 * Every page of one framebuffer must lie in one SharedArrayBuffer, contiguously in page order.
 */
export type GetPage = (offset: number) => Page | undefined;

/** fb_deferred_io_pageref: one per framebuffer page, preallocated at init. */
export interface Pageref {
  readonly page: Page;
  /** byte offset of the page inside the framebuffer: the truth for damage (never page.index) */
  readonly offset: number;
}

/** One writeback: the pages dirtied since the previous one, handed to consumers once. */
export interface PagerefBatch {
  readonly pagerefs: readonly Pageref[];
  /** true when `pagerefs` is in ascending offset order (sort_pagereflist) */
  readonly sorted: boolean;
  /** 1 for the first writeback of this framebuffer, +1 each writeback */
  readonly cycle: number;
  /** scheduler time of the first enlist of the cycle (when the timer was armed) */
  readonly armedAt: number;
  /** scheduler time of the writeback */
  readonly flushedAt: number;
}

/** struct fb_deferred_io */
export interface FbDeferredIoConfig {
  /** delay in ms between the first write of a cycle and its writeback; 0 or absent → 1000 (HZ) */
  delay?: number;
  /** sort_pagereflist: hand pagerefs over in ascending offset order */
  sortPagereflist?: boolean;
  /** get_page hook; absent → the framebuffer's own buffer */
  getPage?: GetPage;
  /** page size of the device; absent → 4 KiB */
  pageGeometry?: PageGeometry;
  /** deferred_io: the driver's callback, called once per batch (a subscriber of pagerefs$) */
  deferredIo?: (batch: PagerefBatch) => void;
}

/** An open file of the framebuffer device (struct file on /dev/fbN). */
export interface FbFile {
  readonly id: number;
}

/** Options of `mmap`: offsets in pages. */
export interface FbMmapOptions {
  /** vm_pgoff: the file page offset of the mapping (default fileBase) */
  pgoff?: number;
  /** length of the mapping in bytes (rounded up to pages) */
  length: number;
  /** page offset where the framebuffer starts in the file's offset space (default 0) */
  fileBase?: number;
}

/** The store/load surface shared by main-thread and worker-thread mappings. */
export interface FbStoreApi {
  /** mapping length in bytes */
  readonly length: number;
  setUint8(offset: number, value: number): void;
  setUint16(offset: number, value: number): void;
  setUint32(offset: number, value: number): void;
  getUint8(offset: number): number;
  getUint16(offset: number): number;
  getUint32(offset: number): number;
  write(offset: number, bytes: Uint8Array): void;
  fill(offset: number, length: number, byte: number): void;
  /** a copy of the bytes */
  read(offset: number, length: number): Uint8Array;
  /** bracketed raw access: `view` covers exactly [offset, offset+length); the range counts as written */
  access(offset: number, length: number, body: (view: Uint8Array) => void): void;
  close(): void;
}

/** Structured-cloneable description of a mapping, for `attachFbMapping` in a worker thread. */
export interface WorkerMappingDescriptor {
  readonly memory: SharedArrayBuffer;
  /**
   * byte offset in `memory` of mapping byte 0; negative when the mapping starts before the
   * framebuffer (those bytes lie outside [validStart, validEnd) and are never touched)
   */
  readonly byteOffset: number;
  /** mapping length in bytes (whole pages) */
  readonly length: number;
  readonly pageSize: number;
  /** mapping bytes [validStart, validEnd) are framebuffer pages; the rest is SIGBUS */
  readonly validStart: number;
  readonly validEnd: number;
  /** control words (doorbell, liveness) and the dirty bitmap, one bit per mapping page */
  readonly state: SharedArrayBuffer;
}

/** The user mapping (vm_area_struct + its pages) on the main thread. */
export interface FbMappingApi extends FbStoreApi {
  /** pgoff of the mapping */
  readonly pgoff: number;
  /** a descriptor for a worker thread writing through this mapping */
  share(): WorkerMappingDescriptor;
}

/**
 * A mapping of the framebuffer that fbemu does not hold itself, e.g. a real process's mmap (the
 * chrdev front door's `ProcessMapping` has this shape). Page numbers are mapping pages (0 = the
 * page at pgoff).
 */
export interface ExternalMapping {
  /** starts reporting: `onWrite` runs on the core's thread when pages may have been written */
  start(onWrite: () => void): void;
  /** enlists pages written since the last look (they stay writable) */
  collect(enlist: (page: number) => void): void;
  /** takes every written page and write-protects it again (writeback) */
  take(enlist: (page: number) => void): void;
  /** mkclean: write-protects mapping pages `pages[0..count)` */
  mkclean(pages: Int32Array, count: number): void;
  /** stops reporting; `revoke`: the framebuffer is gone, later accesses must be SIGBUS */
  shutdown(revoke?: boolean): void;
}

/** What `mmapExternal` returns: munmap of the external mapping. */
export interface ExternalMappingHandle {
  /** the mapping is gone (munmap, process exit): its last pages are collected first */
  close(): void;
}

/** The deferred-I/O core of one framebuffer (fb_info + fb_deferred_io state). */
export interface FbDeferredIoApi {
  readonly info: FbInfo;
  /** every batch; completes on cleanup */
  readonly pagerefs$: Observable<PagerefBatch>;
  /** the preallocated pageref table, one per page */
  readonly pagerefs: readonly Pageref[];
  open(): FbFile;
  release(file: FbFile): void;
  fsync(): void;
  cleanup(): void;
  mmap(file: FbFile, opts: FbMmapOptions): FbMappingApi;
  /**
   * mmap for a mapping held outside fbemu (a real process): the core's rules apply to it as to
   * any mapping (one enlist per cycle, timer armed by its first write, mkclean at every
   * writeback, fsync and last close flush, cleanup then SIGBUS). It holds a file reference
   * until `close()`.
   */
  mmapExternal(file: FbFile, opts: FbMmapOptions, mapping: ExternalMapping): ExternalMappingHandle;
  /** for the fbdev write() path: mark a byte range dirty as a store would */
  markDirty(offset: number, length: number): void;
}

/** Makes the deferred-I/O core for a framebuffer (fb_deferred_io_init). */
export type FbDeferredIoFactory = (info: FbInfo, config?: FbDeferredIoConfig) => FbDeferredIoApi;

/** The injected rxjs SchedulerLike every timer goes through. */
export const SCHEDULER: unique symbol = Symbol.for('fbemu.Scheduler');
/** Token of the FbDeferredIoFactory. */
export const FB_DEFERRED_IO_FACTORY: unique symbol = Symbol.for('fbemu.FbDeferredIoFactory');
