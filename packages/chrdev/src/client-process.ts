import { readFileSync } from 'node:fs';
import { check, isKernelError, KernelError } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import { OpenChrdevFile } from './chrdev-file.js';
import type { NativeAddon } from './native.js';
import { AsyncProcessMapping, BitsProcessMapping, PAGE_SIZE } from './process-mapping.js';
import {
  encodeReply,
  MAX_MESSAGE,
  MODE_NAMES,
  Mode,
  OPEN_NATIVE_READ,
  Op,
  REPLY_BYTES,
  Request,
  STATE_BITMAP,
} from './protocol.js';
import type { ChrdevRegistryApi, MmapTarget, ProcessInfo, VmArea } from './tokens.js';
import { ProcessTracker } from './tracker.js';
import { ProcMemory } from './user-memory.js';

/** What a connection needs from the server. */
export interface ProcessContext {
  readonly native: NativeAddon;
  readonly registry: ChrdevRegistryApi;
  readonly scheduler: SchedulerLike;
  readonly wantedMode: number;
  readonly pollMinMs: number;
  readonly pollMaxMs: number;
  log(line: string): void;
  gone(process: ClientProcess): void;
}

type Mapping = AsyncProcessMapping | BitsProcessMapping;

/** One mmap of a device file, from the MMAP request to its munmap. */
interface MapRecord {
  readonly file: OpenChrdevFile;
  readonly target: MmapTarget;
  readonly vma: VmArea;
  readonly validPages: number;
  mapping?: Mapping;
}

const MAX_FILES = 1024;
const MAX_MAPS = 256;
const MAX_VMA_BYTES = 2 ** 40;
const ERR_EIO = 5;

/**
 * A program connected through the preload library: its open files, mappings and tracker, and
 * the dispatcher that turns its requests into file_operations calls and errnos into replies.
 * Every request is answered; nothing a program sends can throw out of here.
 */
export class ClientProcess {
  readonly info: ProcessInfo;
  private readonly request: Request;
  private readonly reply = new Uint8Array(REPLY_BYTES);
  private readonly fdsIn = new Int32Array(8);
  private readonly memory: ProcMemory;
  private readonly files = new Map<number, OpenChrdevFile>();
  private readonly maps = new Map<number, MapRecord>();
  private tracker: ProcessTracker | undefined;
  private readonly watch: unknown;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly ctx: ProcessContext,
    private readonly socket: number,
    pid: number,
  ) {
    this.info = Object.freeze({ pid, comm: readComm(pid) });
    this.request = new Request(new Uint8Array(MAX_MESSAGE));
    this.memory = new ProcMemory(pid);
    this.watch = ctx.native.watch(socket, this.onReadable);
  }

  get openFiles(): number {
    return this.files.size;
  }

  /** Releases everything the process held (exit, kill, server close). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.native.unwatch(this.watch);
    for (const [id, record] of this.maps) {
      record.mapping?.processExited();
      this.unmap(id);
    }
    for (const file of this.files.values()) this.put(file, file.refs);
    this.tracker?.close();
    this.memory.close();
    this.ctx.native.close(this.socket);
    this.ctx.gone(this);
  }

  private readonly onReadable = (): void => {
    for (let i = 0; i < 64 && !this.closed; i++) {
      const n = this.ctx.native.recv(this.socket, this.request.bytes, this.fdsIn);
      if (n === -11 /* EAGAIN */) return;
      if (n === 0 || (n < 0 && n !== -90) /* EMSGSIZE: garbage, answered below */) {
        this.close();
        return;
      }
      const fds = Array.from(this.fdsIn.subarray(1, 1 + this.fdsIn[0]));
      const ret = this.dispatch(n, fds);
      for (const fd of fds) if (fd >= 0) this.ctx.native.close(fd);
      this.send(ret);
    }
  };

  /** Decodes and serves one request; descriptors it keeps are set to -1 in `fds`. */
  private dispatch(length: number, fds: number[]): number {
    const req = this.request;
    if (!req.decode(length)) return -22;
    try {
      return this.serve(req, fds);
    } catch (e) {
      if (isKernelError(e)) return e.code === 'SIGBUS' ? -14 : -e.errno;
      this.ctx.log(
        `chrdev: pid ${this.info.pid} (${this.info.comm}) op ${req.op}: ${(e as Error).stack ?? e}`,
      );
      return -ERR_EIO;
    }
  }

  private serve(req: Request, fds: number[]): number {
    switch (req.op) {
      case Op.HELLO:
        return 0;
      case Op.OPEN:
        return this.open(req, fds);
      case Op.CLOSE:
        this.put(this.file(req.handle), 1);
        return 0;
      case Op.DUP:
        this.file(req.handle).refs++;
        return 0;
      case Op.IOCTL:
        return this.ioctl(req);
      case Op.READ:
      case Op.WRITE:
        return this.readWrite(req);
      case Op.LSEEK:
        return this.llseek(req);
      case Op.FSYNC:
        return this.fsync(req);
      case Op.MMAP:
        return this.mmap(req, fds);
      case Op.MAPPED:
        return this.mapped(req, fds);
      case Op.TRACKER:
        return this.setTracker(req, fds);
      case Op.MUNMAP:
        check(this.maps.has(req.handle), 'EINVAL', 'no such mapping');
        this.unmap(req.handle);
        return 0;
      default:
        throw new KernelError('EINVAL', `unknown request ${req.op}`);
    }
  }

  private send(ret: number): void {
    const r = this.pendingReply;
    this.pendingReply = undefined;
    encodeReply(this.reply, ret, ...(r?.values ?? []));
    this.ctx.native.send(this.socket, this.reply, REPLY_BYTES, r?.fd ?? -1);
    if (r?.closeAfter) this.ctx.native.close(r.fd);
  }

  /** extra reply values and a descriptor to pass, set by the request being served */
  private pendingReply: { values: number[]; fd: number; closeAfter: boolean } | undefined;

  private open(req: Request, _fds: number[]): number {
    const path = req.path();
    check(path !== undefined, 'EINVAL', 'open without a path');
    const device = this.ctx.registry.lookup(path);
    check(device !== undefined, 'ENXIO', `${path}: no such device`);
    check(this.files.size < MAX_FILES, 'ENOMEM', 'too many open device files');
    const pair = this.ctx.native.socketPair();
    check(typeof pair !== 'number', 'ENOMEM', 'socketpair failed');
    const flags = Number.isFinite(req.a[0]) ? req.a[0] >>> 0 : 0;
    const file = new OpenChrdevFile(this.nextId++, device, flags, this.info, this.ctx.native, pair[0]);
    try {
      if (device.fops.open) device.fops.open(file);
    } catch (e) {
      this.ctx.native.close(pair[0]);
      this.ctx.native.close(pair[1]);
      throw e;
    }
    this.files.set(file.id, file);
    this.pendingReply = { values: [device.fops.read ? 0 : OPEN_NATIVE_READ], fd: pair[1], closeAfter: true };
    return file.id;
  }

  private file(handle: number): OpenChrdevFile {
    const file = this.files.get(handle);
    if (file === undefined) throw new KernelError('EBADF', `no open file ${handle}`);
    return file;
  }

  /** Drops `n` references; the last one runs release (the device's last close). */
  private put(file: OpenChrdevFile, n: number): void {
    file.refs -= n;
    if (file.refs > 0) return;
    this.files.delete(file.id);
    this.ctx.native.close(file.socket);
    try {
      if (file.device.fops.release) file.device.fops.release(file);
    } catch (e) {
      this.ctx.log(`chrdev: release of ${file.device.path} failed: ${(e as Error).message}`);
    }
  }

  private ioctl(req: Request): number {
    const file = this.file(req.handle);
    const { fops } = file.device;
    check(fops.ioctl !== undefined, 'ENOTTY', 'no ioctl');
    const arg = Number.isFinite(req.a[1]) ? req.a[1] : Number(req.raw[1]);
    return result(fops.ioctl(file, req.a[0] >>> 0, arg, this.memory));
  }

  private readWrite(req: Request): number {
    const file = this.file(req.handle);
    const { fops } = file.device;
    const op = req.op === Op.READ ? fops.read : fops.write;
    check(op !== undefined, 'EINVAL', 'no read/write');
    const [buf, count] = [req.a[0], req.a[1]];
    check(Number.isSafeInteger(count) && count <= 0x7ffff000, 'EINVAL', 'bad count');
    check(Number.isSafeInteger(buf), 'EFAULT', 'bad buffer');
    const ppos = req.isMinusOne(2) ? file.fpos : { pos: req.a[2] };
    check(Number.isSafeInteger(ppos.pos), 'EINVAL', 'bad position');
    return result(op.call(fops, file, buf, count, ppos, this.memory));
  }

  private llseek(req: Request): number {
    const file = this.file(req.handle);
    const { fops } = file.device;
    check(fops.llseek !== undefined, 'ESPIPE', 'not seekable');
    const offset = req.signed(0);
    check(Number.isSafeInteger(offset), 'EINVAL', 'bad offset');
    return result(fops.llseek(file, offset, req.a[1] >>> 0));
  }

  private fsync(req: Request): number {
    const file = this.file(req.handle);
    const { fops } = file.device;
    check(fops.fsync !== undefined, 'EINVAL', 'no fsync');
    fops.fsync(file);
    return 0;
  }

  private mmap(req: Request, _fds: number[]): number {
    const file = this.file(req.handle);
    const { fops } = file.device;
    check(fops.mmap !== undefined, 'ENODEV', 'device has no mmap');
    const [length, prot, flags, pgoff] = req.a;
    const lengthOk = Number.isSafeInteger(length) && length > 0 && length % PAGE_SIZE === 0;
    check(lengthOk && length <= MAX_VMA_BYTES, 'ENOMEM', `cannot map ${req.raw[0]} bytes`);
    check(Number.isSafeInteger(pgoff) && pgoff <= 2 ** 40, 'EINVAL', 'bad offset');
    check(this.maps.size < MAX_MAPS, 'ENOMEM', 'too many mappings');
    const vma: VmArea = Object.freeze({ pgoff, length, prot: prot >>> 0, flags: flags >>> 0 });
    const target = fops.mmap(file, vma);
    const { memory, byteOffset, length: span } = target;
    if (memory.fd < 0) {
      this.ctx.log(
        `chrdev: ${file.device.path}: mmap refused, device memory is not process-mappable (native addon missing)`,
      );
      throw new KernelError('ENODEV', 'device memory is not process-mappable');
    }
    const fits = byteOffset % PAGE_SIZE === 0 && span >= 0 && byteOffset + span <= memory.buffer.byteLength;
    check(fits, 'EINVAL', 'the device answered a range outside its memory');
    const id = this.nextId++;
    const validPages = Math.floor(Math.min(span, length) / PAGE_SIZE);
    this.maps.set(id, { file, target, vma, validPages });
    file.refs++;
    const tracked = target.attach !== undefined ? 1 : 0;
    this.pendingReply = {
      values: [byteOffset, validPages * PAGE_SIZE, tracked],
      fd: memory.fd,
      closeAfter: false,
    };
    return id;
  }

  /** The program mapped it and set up tracking (or not): the device wires it in. */
  private mapped(req: Request, fds: number[]): number {
    const record = this.maps.get(req.handle);
    check(record !== undefined && record.mapping === undefined, 'EINVAL', 'no such mapping');
    const addr = req.a[0];
    check(Number.isSafeInteger(addr) && addr % PAGE_SIZE === 0, 'EINVAL', 'bad address');
    const mode = req.a[1];
    const wantsTracking =
      record.target.attach !== undefined && (record.vma.prot & 2) !== 0 && (record.vma.flags & 1) !== 0;
    if (!wantsTracking) return 0;
    check(mode !== Mode.UNTRACKED, 'EIO', 'the program could not set up store tracking');
    const tracker = this.tracker;
    check(tracker !== undefined && tracker.mode === mode, 'EINVAL', 'tracking mode mismatch');
    const mapping = this.makeMapping(record, tracker, addr, fds);
    record.mapping = mapping;
    record.target.attach?.(mapping);
    return 0;
  }

  private makeMapping(record: MapRecord, tracker: ProcessTracker, addr: number, fds: number[]): Mapping {
    const { native, scheduler, pollMinMs, pollMaxMs } = this.ctx;
    if (tracker.mode === Mode.ASYNC) {
      const args = [record.vma, this.info, tracker, addr, record.validPages] as const;
      return new AsyncProcessMapping(...args, native, pollMinMs, pollMaxMs);
    }
    check(fds.length === 1, 'EINVAL', 'tracking state missing');
    const state = native.mapShared(fds[0], stateBytes(record.validPages));
    check(typeof state !== 'number', 'EINVAL', 'tracking state cannot be mapped');
    return new BitsProcessMapping(
      record.vma,
      this.info,
      tracker,
      addr,
      record.validPages,
      state,
      native,
      scheduler,
    );
  }

  private setTracker(req: Request, fds: number[]): number {
    check(this.tracker === undefined, 'EBUSY', 'tracker already set up');
    const mode = req.a[0];
    const uffdMode = mode === Mode.ASYNC || mode === Mode.SYNC;
    const known = mode === Mode.ASYNC || mode === Mode.SYNC || mode === Mode.MPROTECT;
    check(known && fds.length === (uffdMode ? 4 : 3), 'EINVAL', 'bad tracker setup');
    const tracker = new ProcessTracker(this.ctx.native, mode, fds[0], fds[1], fds[2], uffdMode ? fds[3] : -1);
    fds.fill(-1); // kept
    this.tracker = tracker;
    tracker.listen(this.ring);
    if (mode !== this.ctx.wantedMode)
      this.ctx.log(
        `chrdev: pid ${this.info.pid} (${this.info.comm}) tracks stores with ${MODE_NAMES[mode]} (${MODE_NAMES[this.ctx.wantedMode]} not allowed: userfaultfd blocked by seccomp or too old a kernel?)`,
      );
    return 0;
  }

  private readonly ring = (): void => {
    for (const record of this.maps.values())
      if (record.mapping instanceof BitsProcessMapping) record.mapping.ring();
  };

  /** munmap or exit: the device detaches the mapping (collecting its last pages), the file reference goes. */
  private unmap(id: number): void {
    const record = this.maps.get(id);
    if (record === undefined) return;
    this.maps.delete(id);
    try {
      if (record.mapping !== undefined) record.target.detach?.(record.mapping);
    } catch (e) {
      this.ctx.log(
        `chrdev: detach of a mapping of ${record.file.device.path} failed: ${(e as Error).message}`,
      );
    }
    record.mapping?.shutdown();
    this.put(record.file, 1);
  }
}

/** A file operation's return value as the program's syscall result. */
function result(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new KernelError('EIO', `bad result ${String(n)}`);
  return n;
}

/** Size of a sync/mprotect mapping's state memfd, as the preload makes it (whole pages). */
function stateBytes(pages: number): number {
  return Math.ceil(((STATE_BITMAP + Math.ceil(pages / 32)) * 4) / PAGE_SIZE) * PAGE_SIZE;
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
