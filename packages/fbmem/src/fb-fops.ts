import type {
  ChrdevFile,
  FileOperations,
  FilePos,
  MmapTarget,
  ProcessMapping,
  UserMemory,
  VmArea,
} from '@fbemu/chrdev';
import type { FbFile } from '@fbemu/fbdev-defio';
import { check, DEFAULT_PAGE_GEOMETRY, KernelError } from '@fbemu/gem-shmem';
import type { FbmemDevice } from './fb-device.js';
import { fbLlseek, fbRead, fbWrite } from './fb-io.js';
import {
  CMAP_SIZE,
  CON2FBMAP_SIZE,
  type Con2FbMap,
  decodeCmap,
  decodeCon2Fb,
  decodeVar,
  encodeCon2Fb,
  encodeVar,
  FBIO_CURSOR,
  FBIO_WAITFORVSYNC,
  FBIOBLANK,
  FBIOGET_CON2FBMAP,
  FBIOGET_FSCREENINFO,
  FBIOGET_VSCREENINFO,
  FBIOGETCMAP,
  FBIOPAN_DISPLAY,
  FBIOPUT_CON2FBMAP,
  FBIOPUT_VSCREENINFO,
  FBIOPUTCMAP,
  VAR_SCREENINFO_SIZE,
} from './uapi.js';

/** fbcon's console → framebuffer map, shared by every /dev/fbN (`fbcon_{get,set}_con2fb_map_ioctl`). */
export interface Con2FbMapper {
  get(console: number): number;
  set(map: Con2FbMap): void;
}

const O_ACCMODE = 3;
const O_WRONLY = 1;
const O_RDWR = 2;
const PROT_WRITE = 2;
const MAP_SHARED = 1;

/** The per-open state (file->private_data): the deferred-I/O core's file. */
interface FbPrivate {
  readonly device: FbmemDevice;
  readonly defioFile: FbFile;
}

function canRead(file: ChrdevFile): boolean {
  return (file.flags & O_ACCMODE) !== O_WRONLY;
}

function canWrite(file: ChrdevFile): boolean {
  const mode = file.flags & O_ACCMODE;
  return mode === O_WRONLY || mode === O_RDWR;
}

/**
 * `struct file_operations` of /dev/fbN (`fb_chrdev.c`) over one framebuffer, with the VFS
 * checks in front (EBADF for a read on a write-only file and the reverse, EACCES for a mapping
 * the open mode does not allow).
 */
export class FbFileOperations implements FileOperations {
  constructor(
    private readonly device: FbmemDevice,
    private readonly con2fb: Con2FbMapper,
  ) {}

  /** fb_open: ENODEV once unregistered; opens a file of the deferred-I/O core. */
  open(file: ChrdevFile): void {
    this.device.assertLive();
    const defioFile = this.device.helper.defio.open();
    file.privateData = { device: this.device, defioFile } satisfies FbPrivate;
  }

  /** fb_release: the core's release (the last close, mappings included, flushes). */
  release(file: ChrdevFile): void {
    const priv = this.priv(file);
    file.privateData = undefined;
    if (this.device.live) this.device.helper.defio.release(priv.defioFile);
  }

  read(file: ChrdevFile, buf: number, count: number, ppos: FilePos, mem: UserMemory): number {
    this.priv(file);
    check(canRead(file), 'EBADF', 'file not open for reading');
    return fbRead(this.device, buf, count, ppos, mem);
  }

  write(file: ChrdevFile, buf: number, count: number, ppos: FilePos, mem: UserMemory): number {
    this.priv(file);
    check(canWrite(file), 'EBADF', 'file not open for writing');
    return fbWrite(this.device, buf, count, ppos, mem);
  }

  llseek(file: ChrdevFile, offset: number, whence: number): number {
    this.priv(file);
    return fbLlseek(file.fpos, offset, whence);
  }

  fsync(file: ChrdevFile): void {
    this.priv(file);
    this.device.assertLive();
    this.device.helper.fsync();
  }

  /** fb_ioctl → do_fb_ioctl; anything unknown is ENOTTY (drm_fb_helper_ioctl's default). */
  ioctl(file: ChrdevFile, cmd: number, arg: number, mem: UserMemory): number {
    this.priv(file);
    this.device.assertLive();
    const d = this.device;
    switch (cmd >>> 0) {
      case FBIOGET_VSCREENINFO:
        mem.write(arg, d.varBytes);
        return 0;
      case FBIOPUT_VSCREENINFO:
        mem.write(arg, encodeVar(d.putVar(decodeVar(mem.read(arg, VAR_SCREENINFO_SIZE)))));
        return 0;
      case FBIOGET_FSCREENINFO:
        mem.write(arg, d.fixBytes);
        return 0;
      case FBIOPUTCMAP:
        d.cmap.putUser(decodeCmap(mem.read(arg, CMAP_SIZE)), mem, d.var, () => d.checkNoMaster());
        return 0;
      case FBIOGETCMAP:
        d.cmap.getUser(decodeCmap(mem.read(arg, CMAP_SIZE)), mem);
        return 0;
      case FBIOPAN_DISPLAY: {
        const bytes = mem.read(arg, VAR_SCREENINFO_SIZE);
        d.panDisplay(decodeVar(bytes));
        mem.write(arg, bytes);
        return 0;
      }
      case FBIO_CURSOR:
        throw new KernelError('EINVAL', 'FBIO_CURSOR is not supported');
      case FBIOGET_CON2FBMAP:
        return this.getCon2Fb(arg, mem);
      case FBIOPUT_CON2FBMAP:
        this.con2fb.set(decodeCon2Fb(mem.read(arg, CON2FBMAP_SIZE)));
        return 0;
      case FBIOBLANK:
        d.setBlank(arg);
        return 0;
      case FBIO_WAITFORVSYNC:
        d.checkNoMaster();
        return 0; // drm_fb_helper_ioctl ignores the argument and waits one vblank: no vblank here
      default:
        throw new KernelError('ENOTTY', `unknown fbdev ioctl 0x${(cmd >>> 0).toString(16)}`);
    }
  }

  /**
   * fb_mmap → `fb_deferred_io_mmap`: no range check (pages past smem_len are SIGBUS at fault
   * time, so the target covers only the framebuffer's pages); the process mapping joins the
   * deferred-I/O core through the attacher.
   */
  mmap(file: ChrdevFile, vma: VmArea): MmapTarget {
    const { defioFile } = this.priv(file);
    this.device.assertLive();
    checkVma(vma);
    check(canRead(file), 'EACCES', 'mapping needs a file open for reading');
    const shared = (vma.flags & MAP_SHARED) !== 0;
    check(
      !(shared && vma.prot & PROT_WRITE) || canWrite(file),
      'EACCES',
      'shared writable mapping of a read-only file',
    );
    const geometry = DEFAULT_PAGE_GEOMETRY;
    const fbBytes = geometry.align(this.device.fix.smemLen);
    const start = Math.min(vma.pgoff * geometry.size, fbBytes);
    const attacher = this.device.attacher;
    const target = {
      memory: this.device.memory,
      byteOffset: start,
      length: Math.min(vma.length, fbBytes - start),
    };
    if (!this.device.tracked) return target;
    return {
      ...target,
      attach: (mapping: ProcessMapping) => attacher.attach(defioFile, mapping),
      detach: (mapping: ProcessMapping) => attacher.detach(mapping),
    };
  }

  private getCon2Fb(arg: number, mem: UserMemory): number {
    const req = decodeCon2Fb(mem.read(arg, CON2FBMAP_SIZE));
    mem.write(arg, encodeCon2Fb({ console: req.console, framebuffer: this.con2fb.get(req.console) }));
    return 0;
  }

  private priv(file: ChrdevFile): FbPrivate {
    const priv = file.privateData as FbPrivate | undefined;
    check(priv !== undefined && priv.device === this.device, 'EBADF', 'not an open file of this framebuffer');
    return priv;
  }
}

function checkVma(vma: VmArea): void {
  check(typeof vma === 'object' && vma !== null, 'EINVAL', 'vma missing');
  const ok =
    Number.isSafeInteger(vma.pgoff) &&
    vma.pgoff >= 0 &&
    Number.isSafeInteger(vma.length) &&
    vma.length > 0 &&
    DEFAULT_PAGE_GEOMETRY.isAligned(vma.length);
  check(ok, 'EINVAL', 'vma pgoff/length');
}
