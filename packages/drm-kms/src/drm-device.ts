import type {
  CharDevice,
  ChrdevFile,
  FileOperations,
  MmapTarget,
  ProcessMapping,
  UserMemory,
  VmArea,
} from '@fbemu/chrdev';
import type { DrmFbHelper, PixelFormat } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoFactory, PagerefBatch } from '@fbemu/fbdev-defio';
import { check, type GemDevice, type GemMapping, type GemShmemObject, KernelError } from '@fbemu/gem-shmem';
import type { Observable, SchedulerLike } from 'rxjs';
import { BufferWriteTracker } from './buffer-tracking.js';
import type { DisplayMode } from './display-mode.js';
import { DrmMaster } from './drm-master.js';
import { FbdevClient } from './fbdev-client.js';
import { DrmFramebuffer } from './framebuffer.js';
import { destroyUserBlobs } from './ioctl-blobs.js';
import { IOCTL_TABLE } from './ioctl-table.js';
import { KData } from './kdata.js';
import { KmsFile } from './kms-file.js';
import { type DrmCrtc, KmsModeConfig, type KmsOutputOptions } from './mode-config.js';
import type { ModeObject } from './mode-object.js';
import { KmsScanout, type ScanoutFrame } from './scanout.js';
import type { SharedMemoryLookup } from './shared-memory-pool.js';
import { DRM_IOCTL_BASE, IOC_READ, IOC_WRITE, iocDir, iocNr, iocSize, iocType } from './uapi.js';
import { WriteDamage } from './write-damage.js';

const MAP_SHARED = 0x01;
const PROT_WRITE = 0x02;
const O_ACCMODE = 0x03;
const O_RDONLY = 0x00;

/** DRM's character-device major (`DRM_MAJOR`). */
export const DRM_MAJOR = 226;

export interface DrmKmsOptions extends KmsOutputOptions {
  /** device node path (default /dev/dri/card0) and minor (default 0) */
  path?: string;
  minor?: number;
  /** callers have CAP_SYS_ADMIN (SET/DROP_MASTER for anyone, GETFB handles); default false */
  privileged?: boolean;
  /** deferred-I/O delay for tracked stores into a scanned-out buffer, ms (default 50, the DRM helpers' HZ/20) */
  writebackDelay?: number;
  /** rect cap of one frame's damage (default 16); above it the damage is its bounding box */
  maxDamageRects?: number;
  /** DRM_CAP_DUMB_PREFERRED_DEPTH (default 24) */
  preferredDepth?: number;
}

/** What DRM_IOCTL_VERSION answers. */
export interface DriverInfo {
  readonly name: string;
  readonly desc: string;
  readonly major: number;
  readonly minor: number;
  readonly patchlevel: number;
}

/**
 * The DRM device behind /dev/dri/cardN for dumb-buffer programs: the ioctl dispatcher
 * (`drm_ioctl`), master handling (`drm_auth.c`), framebuffers, the legacy modeset of one CRTC,
 * page flips, DIRTYFB, and mmap of dumb buffers at their GEM fake offsets. What the CRTC shows
 * comes out of `scanout$`; the compositor calls `flipDone()` after showing a frame.
 */
export class DrmKmsDevice implements CharDevice {
  readonly path: string;
  readonly major = DRM_MAJOR;
  readonly minor: number;
  readonly fops: FileOperations;
  readonly config: KmsModeConfig;
  readonly scanout: KmsScanout;
  readonly driver: DriverInfo = Object.freeze({
    name: 'fbemu',
    desc: 'fbemu virtual KMS over GEM shmem',
    major: 1,
    minor: 0,
    patchlevel: 0,
  });
  readonly caps: { readonly preferredDepth: number; readonly preferShadow: number };
  readonly privileged: boolean;
  private readonly files = new Set<KmsFile>();
  private readonly trackers = new Map<GemShmemObject, BufferWriteTracker>();
  private readonly writebackDelay: number;
  private readonly writeDamage: WriteDamage;
  private fbdev: FbdevClient | undefined;
  private readonly master: DrmMaster;

  constructor(
    readonly gem: GemDevice,
    scheduler: SchedulerLike,
    private readonly createDefio: FbDeferredIoFactory,
    private readonly sharedMemory: SharedMemoryLookup,
    options: DrmKmsOptions = {},
  ) {
    this.path = options.path ?? '/dev/dri/card0';
    this.minor = options.minor ?? 0;
    this.privileged = options.privileged === true;
    this.master = new DrmMaster(this.privileged);
    this.writebackDelay = options.writebackDelay ?? 50;
    check(
      Number.isFinite(this.writebackDelay) && this.writebackDelay > 0,
      'EINVAL',
      'writebackDelay must be > 0',
    );
    const depth = options.preferredDepth ?? 24;
    check([8, 15, 16, 24, 30, 32].includes(depth), 'EINVAL', `preferredDepth ${depth} is not a colour depth`);
    this.caps = Object.freeze({ preferredDepth: depth, preferShadow: 0 });
    this.config = new KmsModeConfig(options);
    this.scanout = new KmsScanout(this.config.crtc, scheduler, options.maxDamageRects);
    this.writeDamage = new WriteDamage(this.scanout.maxRects);
    this.fops = {
      open: (f) => this.open(f),
      release: (f) => this.release(f),
      ioctl: (f, cmd, arg, mem) => this.ioctl(f, cmd, arg, mem),
      mmap: (f, vma) => this.mmap(f, vma),
    };
  }

  /** Every change of what the CRTC shows, with its damage. */
  get scanout$(): Observable<ScanoutFrame> {
    return this.scanout.frames$;
  }

  /** The compositor has shown the current frame: pending page flips complete (events are queued). */
  flipDone(): void {
    this.scanout.flipDone();
  }

  /** Number of open files. */
  get openFiles(): number {
    return this.files.size;
  }

  // --- file operations ---

  /** `drm_open` + `drm_master_open`: the first opener while there is no master becomes master. */
  open(chr: ChrdevFile): void {
    check(!this.gem.isUnplugged, 'ENODEV', 'device is unplugged');
    const file = new KmsFile(this.gem.open(), chr);
    this.master.open(file);
    this.files.add(file);
    chr.privateData = file;
  }

  /**
   * `drm_release`: pending flip events of the file are dropped, its framebuffers removed (a
   * scanned-out one turns the CRTC off), its blobs destroyed, master dropped, and every GEM
   * handle closed.
   */
  release(chr: ChrdevFile): void {
    const file = this.fileOf(chr);
    this.scanout.forgetFile(file);
    for (const fb of [...file.fbs]) this.removeFramebuffer(fb);
    destroyUserBlobs(this, file);
    this.master.release(file);
    this.gem.closeFile(file.gem);
    file.closed = true;
    this.files.delete(file);
    chr.privateData = undefined;
    if (this.files.size === 0) this.fbdev?.restore(); // drm_lastclose: the fbdev client comes back
  }

  /**
   * Makes the fbdev emulation `helper` (from drm-fb-helper's factory, over `object` of this
   * device's GEM device) the device's in-kernel client: it is shown now if the CRTC is off, and
   * again after the last file closes. EBUSY if one is attached. Returns its framebuffer.
   */
  attachFbdev(helper: DrmFbHelper, object: GemShmemObject): DrmFramebuffer {
    check(this.fbdev === undefined, 'EBUSY', 'an fbdev emulation is attached');
    const fbdev = new FbdevClient(this, helper, object);
    this.fbdev = fbdev;
    if (!this.config.crtc.enabled) fbdev.restore();
    return fbdev.fb;
  }

  /**
   * `drm_client_modeset_commit` of the fbdev client (fbdev set_par / pan): its framebuffer on the
   * CRTC again, unless a master holds the device (the kernel answers EBUSY; nothing changes).
   */
  restoreFbdev(): void {
    if (!this.masterHeld) this.fbdev?.restore();
  }

  /** Detaches the fbdev client (turning the CRTC off if it shows it). */
  detachFbdev(): void {
    const fbdev = this.fbdev;
    if (!fbdev) return;
    if (fbdev.shown) this.crtcOff(this.config.crtc);
    this.fbdev = undefined;
    fbdev.detach();
  }

  /**
   * `drm_ioctl`: ENOTTY for a foreign type byte, EINVAL for a nr without a handler. The argument
   * is copied in (user's size if both sides read it), zero-extended to the kernel's size, and
   * copied back with the user's size after the handler — also when the handler failed, as the
   * kernel does; EFAULT if either copy faults.
   */
  ioctl(chr: ChrdevFile, cmd: number, arg: number, mem: UserMemory): number {
    const file = this.fileOf(chr);
    check(!this.gem.isUnplugged, 'ENODEV', 'device is unplugged');
    if (iocType(cmd) !== DRM_IOCTL_BASE)
      throw new KernelError('ENOTTY', `not a DRM ioctl: 0x${cmd.toString(16)}`);
    const desc = IOCTL_TABLE.get(iocNr(cmd));
    if (!desc) throw new KernelError('EINVAL', `DRM ioctl nr 0x${iocNr(cmd).toString(16)} is not supported`);
    const both = iocDir(cmd) & iocDir(desc.cmd);
    const inSize = both & IOC_WRITE ? iocSize(cmd) : 0;
    const outSize = both & IOC_READ ? iocSize(cmd) : 0;
    const k = new KData(Math.max(inSize, outSize, iocSize(desc.cmd)));
    if (inSize > 0) k.bytes.set(mem.read(arg, inSize));
    let error: unknown;
    try {
      check(!desc.master || this.isCurrentMaster(file), 'EACCES', `${desc.name} needs DRM master`);
      desc.fn({ dev: this, file, mem, k });
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      error = e;
    }
    if (outSize > 0) {
      try {
        mem.write(arg, k.bytes.subarray(0, outSize));
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        error = new KernelError('EFAULT', 'cannot copy the ioctl result back');
      }
    }
    if (error) throw error;
    return 0;
  }

  /**
   * `drm_gem_mmap` on a dumb buffer's fake offset: EINVAL unless the range starts exactly at an
   * object and fits it, EACCES without a handle in this file, EINVAL for a private mapping of a
   * file opened for writing (copy-on-write, refused by newer GEM-shmem). The target is the
   * object's memory. A shared writable mapping is tracked (attach) and holds the object until
   * it is detached; any other mapping is not tracked and the front door never reports its end,
   * so it holds nothing: the process keeps the memory mapped, the object may go before it.
   */
  mmap(chr: ChrdevFile, vma: VmArea): MmapTarget {
    const file = this.fileOf(chr);
    const pageSize = this.gem.geometry.size;
    check(Number.isSafeInteger(vma.pgoff) && vma.pgoff >= 0, 'EINVAL', `bad pgoff ${vma.pgoff}`);
    const shared = (vma.flags & MAP_SHARED) !== 0;
    check(
      shared || (chr.flags & O_ACCMODE) === O_RDONLY,
      'EINVAL',
      'private writable (copy-on-write) GEM mapping',
    );
    const mapping = this.gem.mmap(file.gem, vma.pgoff * pageSize, vma.length);
    const { object } = mapping;
    const target = { memory: this.sharedMemory.lookup(object.memory), byteOffset: 0, length: object.size };
    if (!(shared && vma.prot & PROT_WRITE)) {
      mapping.close();
      return target;
    }
    let closed = false;
    return {
      ...target,
      attach: (pm) => this.attachMapping(mapping, pm),
      detach: (pm) => {
        this.detachMapping(object, pm);
        if (closed) return;
        closed = true;
        mapping.close();
      },
    };
  }

  // --- master (drm_auth.c) ---

  isCurrentMaster(file: KmsFile): boolean {
    return this.master.isCurrent(file);
  }

  /** Some file is master (`drm_master_internal_acquire` fails for in-kernel clients). */
  get masterHeld(): boolean {
    return this.master.held;
  }

  /** DRM_IOCTL_SET_MASTER */
  setMaster(file: KmsFile): void {
    this.master.set(file);
  }

  /** DRM_IOCTL_DROP_MASTER */
  dropMaster(file: KmsFile): void {
    this.master.drop(file);
  }

  // --- objects ---

  /** `drm_mode_object_find` for ioctls: ENOENT when there is no object of that id and type. */
  find<T extends ModeObject>(id: number, type: number): T {
    const obj = this.config.idr.find(id, type);
    if (!obj) throw new KernelError('ENOENT', `no object ${id} of type 0x${type.toString(16)}`);
    return obj as T;
  }

  /** ADDFB/ADDFB2 after validation: the fb joins the file's list (newest first) and gets an id. */
  addFramebuffer(
    file: KmsFile,
    object: GemShmemObject,
    width: number,
    height: number,
    format: PixelFormat,
    pitch: number,
    offset: number,
  ): DrmFramebuffer {
    const fb = new DrmFramebuffer(file, object, width, height, format, pitch, offset);
    this.config.idr.add(fb);
    file.fbs.unshift(fb);
    return fb;
  }

  /** `drm_framebuffer_remove`: a scanned-out fb turns its CRTC off first, then the fb goes. */
  removeFramebuffer(fb: DrmFramebuffer): void {
    const { crtc } = this.config;
    if (crtc.primary.fb === fb) this.crtcOff(crtc);
    const list = fb.owner.fbs;
    list.splice(list.indexOf(fb), 1);
    this.config.idr.remove(fb);
    fb.destroy();
  }

  // --- modeset ---

  /** Legacy set_config with a mode: the CRTC scans out `fb` at (x, y); the whole screen is damaged. */
  modeset(crtc: DrmCrtc, mode: DisplayMode, fb: DrmFramebuffer, x: number, y: number): void {
    crtc.enabled = true;
    crtc.mode = mode;
    crtc.x = x;
    crtc.y = y;
    crtc.primary.fb = fb;
    crtc.primary.crtc = crtc;
    this.config.encoder.crtc = crtc;
    this.scanout.showAll('modeset');
  }

  /** Legacy set_config without a mode: the CRTC is off; a pending flip completes now. */
  crtcOff(crtc: DrmCrtc): void {
    const wasOn = crtc.enabled || crtc.primary.fb !== undefined;
    crtc.enabled = false;
    crtc.mode = undefined;
    crtc.primary.fb = undefined;
    crtc.primary.crtc = undefined;
    this.config.encoder.crtc = undefined;
    this.scanout.completePending();
    if (wasOn) this.scanout.showAll('off');
  }

  /** A validated page flip: the new fb is current at once; the event waits for `flipDone()`. */
  pageFlip(file: KmsFile, crtc: DrmCrtc, fb: DrmFramebuffer, userData: bigint | undefined): void {
    crtc.primary.fb = fb;
    this.scanout.beginFlip(file, userData);
    this.scanout.showAll('flip');
  }

  // --- tracked stores ---

  private attachMapping(mapping: GemMapping, pm: ProcessMapping): void {
    const { object } = mapping;
    let tracker = this.trackers.get(object);
    if (!tracker) {
      tracker = new BufferWriteTracker(object, this.createDefio, this.writebackDelay, this.onWriteback);
      this.trackers.set(object, tracker);
    }
    tracker.attach(pm);
  }

  private detachMapping(object: GemShmemObject, pm: ProcessMapping): void {
    const tracker = this.trackers.get(object);
    if (!tracker) return;
    tracker.detach(pm);
    if (tracker.mappings > 0) return;
    this.trackers.delete(object);
    tracker.dispose();
  }

  /** A writeback of stores into `object`: damage if the shown fb lives in it. */
  private readonly onWriteback = (object: GemShmemObject, batch: PagerefBatch): void => {
    const fb = this.scanout.fb;
    if (!fb || fb.object !== object || batch.pagerefs.length === 0) return;
    const region = this.writeDamage.of(fb, batch);
    if (!region?.isEmpty()) this.scanout.damage(fb, region, 'write');
  };

  private fileOf(chr: ChrdevFile): KmsFile {
    const file = chr.privateData;
    check(file instanceof KmsFile && this.files.has(file), 'EBADF', 'not an open file of this device');
    return file;
  }
}
