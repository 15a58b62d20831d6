/**
 * The front door's contract: what a device driver (fbmem, drm-kms) implements and what it is
 * handed. Modelled on `struct file_operations`, `struct file` and `struct vm_area_struct`.
 * Errors are `KernelError`s from `@fbemu/gem-shmem` (errno name + number); the front door turns
 * them into `-errno` for the program. This file knows no fbdev and no DRM.
 */
import type { Observable } from 'rxjs';

/** The process on the other side of the front door. */
export interface ProcessInfo {
  readonly pid: number;
  /** /proc/PID/comm, for logs */
  readonly comm: string;
}

/**
 * copy_from_user / copy_to_user on the calling process, valid only during the file operation it
 * was handed to. Addresses are user virtual addresses (< 2^47 on x86-64, exact in a JS number).
 */
export interface UserMemory {
  /** copy_from_user: EFAULT when any byte of [addr, addr+len) is not readable */
  read(addr: number, len: number): Uint8Array;
  /** copy_to_user: EFAULT when any byte is not writable; nothing is written then */
  write(addr: number, bytes: Uint8Array): void;
}

/** loff_t *ppos: the file position read/write advance (f_pos, or pread's own offset). */
export interface FilePos {
  pos: number;
}

/** struct file: one open of a device node (shared by descriptors made with dup). */
export interface ChrdevFile {
  readonly id: number;
  readonly minor: number;
  /** open(2) flags (O_RDONLY/O_WRONLY/O_RDWR, O_NONBLOCK, …) */
  readonly flags: number;
  readonly process: ProcessInfo;
  /** f_pos for read/write/llseek */
  readonly fpos: FilePos;
  /** file->private_data: the driver's */
  privateData: unknown;
  /**
   * Queues bytes the process reads from its descriptor natively with read(2)/poll(2) (DRM
   * events). Each call is one record: a read never splits it.
   */
  queueRead(bytes: Uint8Array): void;
}

/** vm_area_struct of an mmap on a device file. */
export interface VmArea {
  /** vm_pgoff: the file offset of the mapping in pages (4 KiB) */
  readonly pgoff: number;
  /** length in bytes, a multiple of the page size */
  readonly length: number;
  /** PROT_* bits */
  readonly prot: number;
  /** MAP_* bits */
  readonly flags: number;
}

/**
 * Memory a process can map: a SharedArrayBuffer over a memfd (`fd` is the front door's handle
 * for it, -1 when the memory is a plain SharedArrayBuffer no process can map, as in unit tests).
 */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  readonly fd: number;
}

/** Allocates process-mappable memory (memfd + MAP_SHARED); plain memory where none can be had. */
export type SharedMemoryAllocator = (bytes: number) => SharedMemory;

/**
 * The process's mapping of device memory, as the device's deferred-I/O core sees it. Page
 * numbers are mapping pages (0 = the page at vm_pgoff). It has the shape of fbdev-defio's
 * `DirtyChannel` + `Mkclean`, so a process mapping is one more mapping of that core.
 */
export interface ProcessMapping {
  readonly vma: VmArea;
  readonly process: ProcessInfo;
  /** Starts reporting: `onWrite` runs (on the main thread) when writes may have happened. */
  start(onWrite: () => void): void;
  /** Enlists mapping pages written since the last look; they stay writable. */
  collect(enlist: (page: number) => void): void;
  /** Takes every written page and write-protects it again (the writeback's take + mkclean). */
  take(enlist: (page: number) => void): void;
  /** mkclean: write-protects mapping pages `pages[0..count)` in the process. */
  mkclean(pages: Int32Array, count: number): void;
  /**
   * Stops reporting (unmap, process exit, device cleanup). `revoke`: the device memory is gone,
   * the process's later accesses to the mapping are SIGBUS. `collect` still reports the last
   * pages after it (the core's unmap collects after shutting a mapping down).
   */
  shutdown(revoke?: boolean): void;
}

/** What a device's mmap answers: the memory to map and, when stores matter, who tracks them. */
export interface MmapTarget {
  readonly memory: SharedMemory;
  /** byte offset in `memory` of mapping byte 0 (page aligned) */
  readonly byteOffset: number;
  /** bytes of `memory` from byteOffset the mapping may cover (the rest is SIGBUS) */
  readonly length: number;
  /**
   * Called once the process has mapped it with tracking set up; the device wires the mapping
   * into its deferred-I/O core. Absent: stores are not tracked (a read-only or untracked map).
   */
  attach?(mapping: ProcessMapping): void;
  /** Called when the mapping is gone (munmap, exit), after its last pages were collected. */
  detach?(mapping: ProcessMapping): void;
}

/** struct file_operations. Every member may throw a `KernelError`; absent members answer as the kernel's defaults do. */
export interface FileOperations {
  open?(file: ChrdevFile): void;
  release?(file: ChrdevFile): void;
  /** read(2)/pread(2) into user buffer `buf`; returns bytes read and advances `ppos` */
  read?(file: ChrdevFile, buf: number, count: number, ppos: FilePos, mem: UserMemory): number;
  write?(file: ChrdevFile, buf: number, count: number, ppos: FilePos, mem: UserMemory): number;
  /** returns the new position */
  llseek?(file: ChrdevFile, offset: number, whence: number): number;
  /** unlocked_ioctl: `cmd` is the unsigned 32-bit request, `arg` the raw argument (often a user pointer) */
  ioctl?(file: ChrdevFile, cmd: number, arg: number, mem: UserMemory): number;
  mmap?(file: ChrdevFile, vma: VmArea): MmapTarget;
  fsync?(file: ChrdevFile): void;
}

/** A device node served to programs (register_chrdev + the node in /dev). */
export interface CharDevice {
  /** the path programs open, e.g. /dev/fb0 */
  readonly path: string;
  readonly major: number;
  readonly minor: number;
  readonly fops: FileOperations;
}

/** The device nodes served to programs (register_chrdev + mknod). */
export interface ChrdevRegistryApi {
  /** EBUSY when the path or major:minor is taken, EINVAL for a bad path or numbers */
  register(device: CharDevice): void;
  unregister(path: string): void;
  lookup(path: string): CharDevice | undefined;
  readonly devices: readonly CharDevice[];
}

/**
 * How the stores of a process into a tracked mapping are seen: `async` (userfaultfd WP_ASYNC +
 * PAGEMAP_SCAN, polled while nothing is armed), `sync` (a userfaultfd fault per first write),
 * `mprotect` (a SIGSEGV handler in the program). A process that cannot have the one asked for
 * gets the next one down.
 */
export type TrackingMode = 'async' | 'sync' | 'mprotect';

export interface FrontDoorOptions {
  /** the unix socket programs connect to (FBEMU_SOCKET) */
  socketPath: string;
  /** default async */
  tracking?: TrackingMode;
  /** async mode: poll period right after a writeback, and the longest one it backs off to (ms) */
  pollMinMs?: number;
  pollMaxMs?: number;
  /** one line per event worth a log (start, process modes, refused programs, errors) */
  log?: (line: string) => void;
}

/** The server real programs talk to through the preload library. */
export interface FrontDoorApi {
  /** listens on `options.socketPath`; EINVAL/ENODEV when the native parts are missing */
  start(options: FrontDoorOptions): void;
  /** environment for a program: LD_PRELOAD, FBEMU_SOCKET, FBEMU_DEVICES, FBEMU_TRACKING */
  env(): Record<string, string>;
  /** number of connected processes */
  readonly processes: number;
  /** the connected processes' pids (to end them: a program may have forked and left its session) */
  readonly pids: readonly number[];
  /** each process once it is gone and its files and mappings are released (exit, kill, close) */
  readonly exits$: Observable<ProcessInfo>;
  /** stops listening and lets every process go (their files released, mappings detached) */
  close(): void;
}

/** Token of the ChrdevRegistryApi. */
export const CHRDEV_REGISTRY: unique symbol = Symbol.for('fbemu.ChrdevRegistry');
/** Token of the FrontDoorApi. */
export const FRONT_DOOR: unique symbol = Symbol.for('fbemu.FrontDoor');
/** Token of the SharedMemoryAllocator (memfd-backed when the native addon is built). */
export const SHARED_MEMORY_ALLOCATOR: unique symbol = Symbol.for('fbemu.SharedMemoryAllocator');
/** The injected rxjs SchedulerLike (the same token as fbdev-defio's SCHEDULER). */
export const SCHEDULER: unique symbol = Symbol.for('fbemu.Scheduler');
