import { check, isCount, KernelError } from './errors.js';
import { Page, PageGeometry } from './page.js';

/** madvise states (`shmem->madv`): ≥ 0 keeps the backing store, −1 means purged (sticky). */
export const MADV_WILLNEED = 0;
export const MADV_DONTNEED = 1;
export const MADV_PURGED = -1;

/** Called once when the last reference goes, so the owner (the device) can free the fake offset. */
export type GemFreeHook = (object: GemShmemObject) => void;

/**
 * Allocates the backing store of an object (`bytes` = its page-aligned size); throwing, or
 * returning anything but a `SharedArrayBuffer` of at least `bytes`, is a failed allocation (ENOMEM).
 */
export type BackingAllocator = (bytes: number) => SharedArrayBuffer;

/** The default backing allocator: a fresh zero-filled `SharedArrayBuffer`, like a new shmem file. */
export const allocateSharedBacking: BackingAllocator = (bytes) => new SharedArrayBuffer(bytes);

/**
 * A GEM shmem object (`drm_gem_shmem_object`). Backing memory is a `SharedArrayBuffer` so worker
 * threads write the very bytes the device reads. Like a shmem file, the backing outlives the page
 * array: `putPages` to zero drops the `Page` array but keeps the contents; only purge discards them.
 *
 * Counters follow the kernel: pages exist iff `pagesUseCount > 0`; every pin, vmap and mapping
 * holds one use; the first pin gets pages, the last unpin puts them; vmap pins once.
 */
export class GemShmemObject {
  readonly pageCount: number;
  private refcount = 1;
  private pagesUse = 0;
  private pinCount = 0;
  private vmapUse = 0;
  private madv = MADV_WILLNEED;
  private backing: SharedArrayBuffer | undefined;
  private pageArray: Page[] | undefined;
  /** number of handles naming this object across all files (`handle_count`) */
  handleCount = 0;

  constructor(
    readonly size: number,
    readonly geometry: PageGeometry,
    private readonly onFree: GemFreeHook = () => {},
    private readonly allocateBacking: BackingAllocator = allocateSharedBacking,
  ) {
    check(geometry instanceof PageGeometry, 'EINVAL', 'GEM object needs a PageGeometry');
    check(
      isCount(size) && size > 0 && geometry.isAligned(size),
      'EINVAL',
      `GEM object size must be a positive multiple of ${geometry.size}, got ${String(size)}`,
    );
    check(
      typeof onFree === 'function' && typeof allocateBacking === 'function',
      'EINVAL',
      'GEM object hooks',
    );
    this.pageCount = size / geometry.size;
  }

  get refs(): number {
    return this.refcount;
  }
  get pagesUseCount(): number {
    return this.pagesUse;
  }
  get pagesPinCount(): number {
    return this.pinCount;
  }
  get vmapUseCount(): number {
    return this.vmapUse;
  }
  get madvState(): number {
    return this.madv;
  }
  get purged(): boolean {
    return this.madv < 0;
  }
  get freed(): boolean {
    return this.refcount === 0;
  }
  /** pages exist iff the use count is positive and the object was not purged */
  get hasPages(): boolean {
    return this.pageArray !== undefined;
  }

  /** `drm_gem_object_get`: an error after the last put, never a silent resurrection. */
  get(): this {
    this.assertAlive();
    this.refcount += 1;
    return this;
  }

  /** `drm_gem_object_put`: the last put frees the object (backing store and fake offset). */
  put(): void {
    this.assertAlive();
    this.refcount -= 1;
    if (this.refcount > 0) return;
    this.pageArray = undefined;
    this.backing = undefined;
    this.onFree(this);
  }

  /** `drm_gem_shmem_get_pages`: the first use allocates (or re-attaches) the backing pages. */
  getPages(): void {
    this.assertAlive();
    check(!this.purged, 'ENOMEM', 'object was purged: its backing store is gone for good');
    if (this.pagesUse === 0) this.pageArray = this.buildPages();
    this.pagesUse += 1;
  }

  /** `drm_gem_shmem_put_pages`: the last use releases the page array (contents stay in the backing). */
  putPages(): void {
    this.assertAlive();
    check(this.pagesUse > 0, 'EINVAL', 'put_pages without a matching get_pages');
    this.pagesUse -= 1;
    if (this.pagesUse === 0) this.pageArray = undefined;
  }

  pin(): void {
    this.getPages();
    this.pinCount += 1;
  }

  /** Drops a pin taken by `pin()`; the pin a vmap holds is not the caller's to drop (EINVAL). */
  unpin(): void {
    const vmapPin = this.vmapUse > 0 ? 1 : 0;
    check(this.pinCount > vmapPin, 'EINVAL', 'unpin without a matching pin (a vmap holds its own)');
    this.dropPin();
  }

  private dropPin(): void {
    this.putPages();
    this.pinCount -= 1;
  }

  /** `drm_gem_shmem_vmap`: a linear kernel view of the whole object; the first vmap pins. */
  vmap(): Uint8Array {
    if (this.vmapUse === 0) this.pin();
    else this.assertAlive();
    this.vmapUse += 1;
    return new Uint8Array(this.backing!, 0, this.size);
  }

  vunmap(): void {
    check(this.vmapUse > 0, 'EINVAL', 'vunmap without a matching vmap');
    this.assertAlive();
    if (this.vmapUse === 1) this.dropPin();
    this.vmapUse -= 1;
  }

  /** `drm_gem_shmem_madvise_locked`: stores `madv` unless purged; returns whether the backing store remains. */
  madvise(madv: typeof MADV_WILLNEED | typeof MADV_DONTNEED): boolean {
    this.assertAlive();
    check(
      madv === MADV_WILLNEED || madv === MADV_DONTNEED,
      'EINVAL',
      `madvise value must be WILLNEED (0) or DONTNEED (1), got ${madv}`,
    );
    if (this.madv >= 0) this.madv = madv;
    return this.madv >= 0;
  }

  /** Purgeable: marked DONTNEED, and neither vmapped nor pinned (newer kernels). */
  get purgeable(): boolean {
    return this.madv > 0 && this.vmapUse === 0 && this.pinCount === 0 && !this.freed;
  }

  /**
   * `drm_gem_shmem_purge_locked`: drops the pages and the backing store for good; surviving
   * mappings fault with SIGBUS from now on and still drop their use on close (the count then
   * only tracks holders: pages never come back). The owner also frees the fake offset (device).
   */
  purge(): void {
    this.assertAlive();
    check(this.purgeable, 'EBUSY', 'object is not purgeable (needs DONTNEED and no pin or vmap)');
    this.madv = MADV_PURGED;
    this.pageArray = undefined;
    this.backing = undefined;
  }

  /** The backing `SharedArrayBuffer`; only while pages exist. */
  get memory(): SharedArrayBuffer {
    this.assertPages();
    return this.backing!;
  }

  /** Page `i` of the object, for fault handlers: SIGBUS past the end, without pages, or after purge. */
  page(i: number): Page {
    this.assertAlive();
    if (!(Number.isInteger(i) && i >= 0 && i < this.pageCount))
      throw new KernelError('SIGBUS', `page ${i} is outside the object (${this.pageCount} pages)`);
    this.assertPages();
    return this.pageArray![i];
  }

  private assertPages(): void {
    if (this.purged) throw new KernelError('SIGBUS', 'object was purged');
    if (!this.pageArray) throw new KernelError('SIGBUS', 'object has no pages (use count is 0)');
  }

  assertAlive(): void {
    check(this.refcount > 0, 'EINVAL', 'GEM object used after its last put');
  }

  /** One call of the allocator; any failure is ENOMEM and leaves the object without backing. */
  private allocate(): SharedArrayBuffer {
    let buffer: unknown;
    try {
      buffer = this.allocateBacking(this.size);
    } catch {
      buffer = undefined;
    }
    check(
      buffer instanceof SharedArrayBuffer && buffer.byteLength >= this.size,
      'ENOMEM',
      `cannot allocate ${this.size} bytes of backing store`,
    );
    return buffer;
  }

  private buildPages(): Page[] {
    if (!this.backing) this.backing = this.allocate();
    const pages = new Array<Page>(this.pageCount);
    const { size } = this.geometry;
    for (let i = 0; i < this.pageCount; i++) pages[i] = new Page(this.backing, i * size, size, i);
    return pages;
  }
}
