import { Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import { DirtyList } from './dirty-list.js';
import { checkExternalMapping, ExternalMappingAdapter } from './external-mapping.js';
import { OpenFile } from './fb-file.js';
import { FbMapping } from './fb-mapping.js';
import { FramebufferMemory, ownBufferPages } from './framebuffer-memory.js';
import { check, checkCount, DEFAULT_PAGE_GEOMETRY, PageGeometry } from './gem.js';
import { LIVE_DETACHED, LIVE_UNMAPPED } from './layout.js';
import type { DefioPort, DirtyChannel, Mkclean } from './port.js';
import type {
  ExternalMapping,
  ExternalMappingHandle,
  FbDeferredIoApi,
  FbDeferredIoConfig,
  FbFile,
  FbInfo,
  FbMmapOptions,
  Pageref,
  PagerefBatch,
} from './tokens.js';
import { validateConfig, validateInfo } from './validate.js';

/** The kernel's default delay when `delay` is 0: HZ jiffies, one second. */
export const DEFAULT_DELAY_MS = 1000;
/** Longest mapping fbemu creates, in pages (offsets must stay below 2^31 for the fast path). */
export const MAX_MAPPING_PAGES = 2 ** 31 / 65536;

/**
 * The deferred-I/O core of one framebuffer (fb_info + fb_deferred_io state): pagerefs, the
 * enlisted list, the delayed writeback, open count, mappings and the `pagerefs$` stream.
 */
export class FbDeferredIo implements FbDeferredIoApi, DefioPort {
  readonly pagerefs$: Observable<PagerefBatch>;
  readonly memory: FramebufferMemory;
  /** effective delay in ms (0/absent in the config → 1000) */
  readonly delay: number;
  readonly sorted: boolean;
  private readonly dirty: DirtyList;
  private readonly drained: Int32Array;
  private readonly batches = new Subject<PagerefBatch>();
  private readonly mappings = new Set<Mkclean>();
  private readonly channels = new Set<DirtyChannel>();
  private timer: Subscription | undefined;
  private armedAt = 0;
  private cycle = 0;
  private openCount = 0;
  private nextFileId = 1;
  private detached = false;

  constructor(
    readonly info: FbInfo,
    config: FbDeferredIoConfig,
    private readonly scheduler: SchedulerLike,
  ) {
    validateInfo(info);
    validateConfig(config);
    const geometry = config.pageGeometry ?? DEFAULT_PAGE_GEOMETRY;
    const smemLen = info.fix.smemLen;
    this.memory = new FramebufferMemory(
      geometry,
      smemLen,
      config.getPage ?? ownBufferPages(geometry, smemLen, info.screenBuffer),
    );
    this.delay = config.delay || DEFAULT_DELAY_MS;
    this.sorted = config.sortPagereflist === true;
    this.dirty = new DirtyList(this.memory.count);
    this.drained = new Int32Array(this.memory.count);
    this.pagerefs$ = this.batches.asObservable();
    if (config.deferredIo) this.pagerefs$.subscribe(config.deferredIo);
  }

  get pagerefs(): readonly Pageref[] {
    return this.memory.pagerefs;
  }

  get geometry(): PageGeometry {
    return this.memory.geometry;
  }

  /** number of files open (fb_deferred_io.open_count) */
  get openFiles(): number {
    return this.openCount;
  }

  /** true while a writeback is armed (the delayed work is pending) */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** fb_deferred_io_open */
  open(): FbFile {
    check(!this.detached, 'ENODEV', 'the framebuffer was cleaned up');
    this.openCount++;
    return new OpenFile(this.nextFileId++, this);
  }

  /** close(fd): the device release (and last-close flush) runs once no mapping holds the file */
  release(file: FbFile): void {
    const open = this.ownFile(file);
    open.descriptorOpen = false;
    this.putFile(open);
  }

  /** fb_deferred_io_fsync (≥ 6.8): run a pending writeback now; nothing when none is pending. */
  fsync(): void {
    this.flush();
  }

  /**
   * fb_deferred_io_cleanup: stop the workers' stores (a store in flight finishes first), flush,
   * then detach and revoke process mappings; later faults are SIGBUS, no batch follows.
   */
  cleanup(): void {
    if (this.detached) return;
    for (const channel of this.channels) channel.shutdown(LIVE_DETACHED);
    this.flush();
    this.detached = true;
    for (const channel of this.channels) channel.revoke?.();
    this.channels.clear();
    this.batches.complete();
  }

  /** fb_deferred_io_mmap: no range check here; pages outside the framebuffer fault with SIGBUS. */
  mmap(file: FbFile, opts: FbMmapOptions): FbMapping {
    const open = this.ownFile(file);
    check(!this.detached, 'ENODEV', 'the framebuffer was cleaned up');
    const { pgoff, fileBase, pages } = this.mmapArgs(opts);
    const mapping = new FbMapping(this, open, pgoff, fileBase, pages);
    open.refs++;
    this.mappings.add(mapping);
    return mapping;
  }

  /** mmap for a real process's mapping (the front door): see FbDeferredIoApi.mmapExternal. */
  mmapExternal(file: FbFile, opts: FbMmapOptions, external: ExternalMapping): ExternalMappingHandle {
    const open = this.ownFile(file);
    check(!this.detached, 'ENODEV', 'the framebuffer was cleaned up');
    checkExternalMapping(external);
    const { pgoff, fileBase, pages } = this.mmapArgs(opts);
    const first = pgoff - fileBase;
    const mapping = new ExternalMappingAdapter(this, open, first, pages, external);
    // bind page.index for every framebuffer page the mapping covers, as faults would
    const last = Math.min(this.memory.count, first + pages);
    for (let p = Math.max(0, first); p < last; p++) this.fault(p, pgoff + p - first);
    open.refs++;
    this.mappings.add(mapping);
    this.attachChannel(mapping);
    return mapping;
  }

  /** The fbdev write() path: enlist every page of [offset, offset+length) as a store would. */
  markDirty(offset: number, length: number): void {
    check(!this.detached, 'ENODEV', 'the framebuffer was cleaned up');
    checkCount(offset, 'offset');
    checkCount(length, 'length');
    check(offset + length <= this.info.fix.smemLen, 'EINVAL', 'range beyond smem_len');
    if (length === 0) return;
    const last = this.geometry.pageOf(offset + length - 1);
    for (let page = this.geometry.pageOf(offset); page <= last; page++) this.enlist(page);
  }

  // --- DefioPort: what mappings call ---

  checkBacked(fbFirst: number, fbLast: number): void {
    check(!this.detached, 'SIGBUS', 'the framebuffer was cleaned up');
    check(fbFirst >= 0 && fbLast < this.memory.count, 'SIGBUS', 'access beyond the framebuffer');
  }

  fault(fbPage: number, pgoff: number): void {
    check(!this.detached, 'SIGBUS', 'the framebuffer was cleaned up');
    this.memory.lookup(fbPage).index = pgoff;
  }

  mkwrite(fbPage: number, pgoff: number): void {
    this.fault(fbPage, pgoff);
    this.enlist(fbPage);
  }

  attachChannel(channel: DirtyChannel): void {
    check(!this.detached, 'SIGBUS', 'the framebuffer was cleaned up');
    this.channels.add(channel);
    channel.start(() => channel.collect(this.enlist));
  }

  unmap(mapping: Mkclean, channel: DirtyChannel | undefined, file: FbFile): void {
    // shutdown returns once no worker store is in flight, so this collect is the final look
    if (channel && this.channels.delete(channel)) {
      channel.shutdown(LIVE_UNMAPPED);
      channel.collect(this.enlist);
    }
    this.mappings.delete(mapping);
    this.putFile(file as OpenFile);
  }

  // --- internals ---

  /** Enlist once per cycle; the first enlist arms the timer, later ones never move it. */
  private readonly enlist = (page: number): void => {
    if (!this.dirty.add(page) || this.timer !== undefined) return;
    this.armedAt = this.scheduler.now();
    this.timer = this.scheduler.schedule(this.writeback, this.delay);
  };

  /** Enlists a page found while taking the workers' bits: the writeback in progress flushes it. */
  private readonly enlistLate = (page: number): void => {
    this.dirty.add(page);
  };

  /** flush_delayed_work: take the workers' fresh bits, then run a pending writeback now. */
  private flush(): void {
    for (const channel of this.channels) channel.collect(this.enlist);
    if (this.timer === undefined) return;
    this.timer.unsubscribe();
    this.writeback();
  }

  /** fb_deferred_io_work: mkclean every enlisted page in every mapping, emit once, clear. */
  private readonly writeback = (): void => {
    this.timer = undefined;
    for (const channel of this.channels) channel.take(this.enlistLate);
    const count = this.dirty.drain(this.sorted, this.drained);
    for (const mapping of this.mappings) mapping.mkclean(this.drained, count);
    const pagerefs: Pageref[] = new Array(count);
    for (let i = 0; i < count; i++) pagerefs[i] = this.memory.pagerefs[this.drained[i]];
    this.batches.next(
      Object.freeze({
        pagerefs: Object.freeze(pagerefs),
        sorted: this.sorted,
        cycle: ++this.cycle,
        armedAt: this.armedAt,
        flushedAt: this.scheduler.now(),
      }),
    );
  };

  private mmapArgs(opts: FbMmapOptions): { pgoff: number; fileBase: number; pages: number } {
    check(typeof opts === 'object' && opts !== null, 'EINVAL', 'mmap options missing');
    const { length, fileBase = 0, pgoff = fileBase } = opts;
    checkCount(length, 'mmap length');
    checkCount(pgoff, 'pgoff');
    checkCount(fileBase, 'fileBase');
    const pages = this.geometry.pages(length);
    check(pages > 0, 'EINVAL', 'mmap length must not be 0');
    check(pages <= MAX_MAPPING_PAGES && pgoff <= 2 ** 40, 'ENOMEM', `mapping of ${length} bytes too large`);
    return { pgoff, fileBase, pages };
  }

  private ownFile(file: FbFile): OpenFile {
    const ok = file instanceof OpenFile && file.owner === this && file.descriptorOpen;
    check(ok, 'EINVAL', 'not an open file of this framebuffer');
    return file;
  }

  /** fb_release when the last reference goes; last close flushes (≥ 6.8), never discards. */
  private putFile(file: OpenFile): void {
    if (--file.refs > 0) return;
    this.openCount--;
    if (this.openCount === 0) this.flush();
  }
}
