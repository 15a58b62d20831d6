import { type DumbCreateArgs, dumbLayout } from './dumb.js';
import { check, checkCount, checkOptional, KernelError, optionsOf } from './errors.js';
import { allocateSharedBacking, type BackingAllocator, GemShmemObject } from './gem-object.js';
import { HandleTable } from './handle-table.js';
import {
  kernelOffsetWindow,
  type OffsetNode,
  type OffsetWindow,
  VmaOffsetManager,
} from './offset-manager.js';
import { type Page, PageGeometry } from './page.js';

export interface GemDeviceOptions {
  /** page size of this device: 4096 (default), 16384 or 65536 */
  pageSize?: number;
  /** fake-offset window in pages; default: the 64-bit kernel's (starting at 4 GiB with 4 KiB pages) */
  offsetWindow?: OffsetWindow;
  /**
   * Allocates an object's backing store on its first `getPages` (default: a new
   * `SharedArrayBuffer` of the object's size). Throwing makes that call fail with ENOMEM.
   */
  allocateBacking?: BackingAllocator;
}

/** An open file of the DRM device (`drm_file`): its handle table and the mappings it may make. */
export class DrmFile {
  readonly handles = new HandleTable<GemShmemObject>();
  /** how many handles this file holds per object: mmap access is granted iff > 0 */
  readonly access = new Map<GemShmemObject, number>();
  closed = false;

  constructor(readonly device: GemDevice) {}
}

/**
 * A user mapping of a GEM object through the DRM node (the VMA). It owns one object reference
 * and one pages use. `pgoff` is the fake offset it was mapped at, so a fault on its j-th page
 * records `page.index = pgoff + j` while the page is page j of the object: the two numbers differ
 * by the mount offset, which is why nothing may derive framebuffer positions from `page.index`.
 */
export class GemMapping {
  private open = true;

  constructor(
    readonly object: GemShmemObject,
    /** fake offset of the mapping, in pages (vm_pgoff) */
    readonly pgoff: number,
    readonly pageCount: number,
  ) {}

  get closed(): boolean {
    return !this.open;
  }

  /** `drm_gem_shmem_fault` for the j-th page of the mapping: SIGBUS past the end, after purge or close. */
  fault(j: number): Page {
    if (!this.open) throw new KernelError('SIGBUS', 'fault on a closed mapping');
    if (!(Number.isInteger(j) && j >= 0 && j < this.pageCount))
      throw new KernelError('SIGBUS', `page ${j} is outside the mapping`);
    const page = this.object.page(j);
    page.index = this.pgoff + j;
    return page;
  }

  /** VMA close: drops the pages use and the object reference. Closing twice is an error. */
  close(): void {
    check(this.open, 'EINVAL', 'mapping already closed');
    this.open = false;
    this.object.putPages();
    this.object.put();
  }
}

/**
 * A DRM device with GEM shmem objects: files and handles, dumb buffers, and the fake-offset
 * space that `mmap` resolves through.
 */
export class GemDevice {
  readonly geometry: PageGeometry;
  readonly offsets: VmaOffsetManager<GemShmemObject>;
  private readonly nodes = new Map<GemShmemObject, OffsetNode<GemShmemObject>>();
  /** every object this device created, alive or not: how another device's object is told apart */
  private readonly created = new WeakSet<GemShmemObject>();
  private readonly allocateBacking: BackingAllocator;
  private unplugged = false;

  constructor(options?: GemDeviceOptions) {
    const o = optionsOf(options, 'GEM device options');
    checkOptional(o.offsetWindow, (w) => typeof w === 'object' && w !== null, 'offsetWindow');
    checkOptional(o.allocateBacking, (f) => typeof f === 'function', 'allocateBacking');
    this.geometry = new PageGeometry(o.pageSize);
    this.offsets = new VmaOffsetManager(o.offsetWindow ?? kernelOffsetWindow(this.geometry));
    this.allocateBacking = o.allocateBacking ?? allocateSharedBacking;
  }

  get isUnplugged(): boolean {
    return this.unplugged;
  }

  /** `drm_dev_unplug`: later mmaps fail with ENODEV. */
  unplug(): void {
    this.unplugged = true;
  }

  open(): DrmFile {
    check(!this.unplugged, 'ENODEV', 'device is unplugged');
    return new DrmFile(this);
  }

  /**
   * `drm_gem_shmem_create`: size rounded up to whole pages, refcount 1, no pages yet, and a fake
   * offset allocated right away (at byte `offset` if given: a mount).
   */
  createObject(size: number, offset?: number): GemShmemObject {
    check(
      Number.isSafeInteger(size) && size > 0,
      'EINVAL',
      `object size must be a positive integer, got ${size}`,
    );
    const page = this.toPage(offset);
    const object = new GemShmemObject(
      this.geometry.align(size),
      this.geometry,
      (o) => this.releaseOffset(o),
      this.allocateBacking,
    );
    this.nodes.set(object, this.offsets.add(object, object.pageCount, page));
    this.created.add(object);
    return object;
  }

  /**
   * Moves an object's fake offset to byte `offset` (EINVAL if unaligned or outside the window,
   * EBUSY if it overlaps another object). Existing mappings keep the pgoff they were made with.
   */
  mountObject(object: GemShmemObject, offset: number): void {
    this.checkObject(object);
    checkCount(offset, 'mount offset'); // required: `undefined` must not mean "move it anywhere"
    const page = this.toPage(offset)!;
    const old = this.nodes.get(object);
    check(old !== undefined, 'EINVAL', 'object has no fake offset (purged or from another device)');
    this.offsets.remove(old);
    try {
      this.nodes.set(object, this.offsets.add(object, object.pageCount, page));
    } catch (e) {
      this.nodes.set(object, this.offsets.add(object, old.pages, old.start));
      throw e;
    }
  }

  /** The object's fake offset in bytes (`drm_vma_node_offset_addr`). */
  offsetOf(object: GemShmemObject): number {
    this.checkObject(object);
    const node = this.nodes.get(object);
    check(node !== undefined, 'EINVAL', 'object has no fake offset');
    return node.start * this.geometry.size;
  }

  /** The object whose fake range contains byte `offset`, if any (fault-offset resolution). */
  objectAt(offset: number): GemShmemObject | undefined {
    checkCount(offset, 'fake offset');
    return this.offsets.lookup(this.geometry.pageOf(offset))?.owner;
  }

  /** `drm_gem_handle_create`: the first handle of an object takes a reference. */
  handleCreate(file: DrmFile, object: GemShmemObject): number {
    this.checkFile(file);
    this.checkObject(object);
    if (object.handleCount === 0) object.get();
    object.handleCount += 1;
    file.access.set(object, (file.access.get(object) ?? 0) + 1);
    return file.handles.alloc(object);
  }

  /** `drm_gem_handle_delete` (GEM_CLOSE / DESTROY_DUMB): EINVAL for an unknown handle. */
  handleDelete(file: DrmFile, handle: number): void {
    this.checkFile(file);
    const object = file.handles.remove(handle);
    const n = file.access.get(object)! - 1;
    if (n === 0) file.access.delete(object);
    else file.access.set(object, n);
    object.handleCount -= 1;
    if (object.handleCount === 0) object.put();
  }

  /** `drm_gem_object_lookup`: ENOENT for an unknown handle. */
  lookup(file: DrmFile, handle: number): GemShmemObject {
    this.checkFile(file);
    const object = file.handles.get(handle);
    check(object !== undefined, 'ENOENT', `no object for handle ${handle}`);
    return object;
  }

  /** DRM_IOCTL_MODE_CREATE_DUMB: the handle owns the object. `offset` mounts it at a chosen fake offset. */
  dumbCreate(
    file: DrmFile,
    args: DumbCreateArgs,
    offset?: number,
  ): { handle: number; pitch: number; size: number } {
    this.checkFile(file);
    const { pitch, size } = dumbLayout(args, this.geometry);
    const object = this.createObject(size, offset);
    const handle = this.handleCreate(file, object);
    object.put(); // drop the creation reference: the handle keeps the object alive
    return { handle, pitch, size };
  }

  /** DRM_IOCTL_MODE_MAP_DUMB: the fake offset (bytes) to pass to mmap. */
  mapDumb(file: DrmFile, handle: number): number {
    return this.offsetOf(this.lookup(file, handle));
  }

  /** DRM_IOCTL_MODE_DESTROY_DUMB */
  destroyDumb(file: DrmFile, handle: number): void {
    this.handleDelete(file, handle);
  }

  /**
   * `drm_gem_mmap`: the range must start exactly at an object's fake offset and not run past its
   * end (EINVAL), and the file must hold a handle to it (EACCES); ENODEV after unplug.
   */
  mmap(file: DrmFile, offset: number, length: number): GemMapping {
    check(!this.unplugged, 'ENODEV', 'device is unplugged');
    this.checkFile(file);
    checkCount(offset, 'mmap offset');
    check(this.geometry.isAligned(offset), 'EINVAL', `mmap offset ${offset} is not page aligned`);
    check(
      Number.isSafeInteger(length) && length > 0,
      'EINVAL',
      `mmap length must be a positive integer, got ${length}`,
    );
    const pgoff = offset / this.geometry.size;
    const pages = this.geometry.pages(length);
    const node = this.offsets.exactLookup(pgoff, pages);
    check(node !== undefined, 'EINVAL', `no object starts at offset ${offset} with at least ${pages} pages`);
    const object = node.owner;
    check(file.access.has(object), 'EACCES', 'this file holds no handle to the object');
    object.getPages();
    object.get();
    return new GemMapping(object, pgoff, pages);
  }

  /** File close: deletes every handle the file holds. Mappings stay valid (they own references). */
  closeFile(file: DrmFile): void {
    this.checkFile(file);
    for (const [handle] of [...file.handles]) this.handleDelete(file, handle);
    file.closed = true;
  }

  /** Purges an object (see `GemShmemObject.purge`) and frees its fake offset: old offsets now fail mmap. */
  purge(object: GemShmemObject): void {
    this.checkObject(object);
    object.purge();
    this.releaseOffset(object);
  }

  private releaseOffset(object: GemShmemObject): void {
    const node = this.nodes.get(object);
    if (!node) return;
    this.offsets.remove(node);
    this.nodes.delete(object);
  }

  /** A live GEM object of this device (EINVAL: not an object, another device's, or after its last put). */
  private checkObject(object: GemShmemObject): void {
    check(
      object instanceof GemShmemObject && this.created.has(object),
      'EINVAL',
      'not a GEM object of this device',
    );
    object.assertAlive();
  }

  private checkFile(file: DrmFile): void {
    check(file instanceof DrmFile && file.device === this, 'EINVAL', 'file does not belong to this device');
    check(!file.closed, 'EINVAL', 'file is closed');
  }

  private toPage(offset: number | undefined): number | undefined {
    if (offset === undefined) return undefined;
    checkCount(offset, 'fake offset');
    check(this.geometry.isAligned(offset), 'EINVAL', `fake offset ${offset} is not page aligned`);
    return offset / this.geometry.size;
  }
}
