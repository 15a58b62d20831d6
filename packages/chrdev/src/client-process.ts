import { readFileSync } from 'node:fs';
import { check, isKernelError, KernelError } from '@fbemu/gem-shmem';
import { OpenChrdevFile } from './chrdev-file.js';
import { ProcessVmas, type VmaContext } from './process-vmas.js';
import { encodeReply, MAX_MESSAGE, OPEN_NATIVE_READ, Op, REPLY_BYTES, Request } from './protocol.js';
import type { ChrdevRegistryApi, ProcessInfo } from './tokens.js';
import { ProcMemory } from './user-memory.js';

/** What a connection needs from the server. */
export interface ProcessContext extends VmaContext {
  readonly registry: ChrdevRegistryApi;
  gone(process: ClientProcess): void;
}

const MAX_FILES = 1024;
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
  private readonly vmas: ProcessVmas;
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
    this.vmas = new ProcessVmas(ctx, this.info, (file) => this.put(file, 1));
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
    this.vmas.close();
    for (const file of this.files.values()) this.put(file, file.refs);
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
        return this.open(req);
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
        return this.mmap(req);
      case Op.MAPPED:
        return this.vmas.mapped(req, fds);
      case Op.TRACKER:
        return this.vmas.setTracker(req, fds);
      case Op.MUNMAP:
        this.vmas.munmap(req.handle);
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

  private open(req: Request): number {
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

  private mmap(req: Request): number {
    const m = this.vmas.mmap(this.file(req.handle), req);
    this.pendingReply = { values: [m.byteOffset, m.validBytes, m.tracked], fd: m.fd, closeAfter: false };
    return m.id;
  }

  private fsync(req: Request): number {
    const file = this.file(req.handle);
    const { fops } = file.device;
    check(fops.fsync !== undefined, 'EINVAL', 'no fsync');
    fops.fsync(file);
    return 0;
  }
}

/** A file operation's return value as the program's syscall result. */
function result(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new KernelError('EIO', `bad result ${String(n)}`);
  return n;
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
