import { check, KernelError } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import type { OpenChrdevFile } from './chrdev-file.js';
import type { NativeAddon } from './native.js';
import { AsyncProcessMapping, BitsProcessMapping, PAGE_SIZE } from './process-mapping.js';
import { MODE_NAMES, Mode, type Request, STATE_BITMAP } from './protocol.js';
import type { MmapTarget, ProcessInfo, VmArea } from './tokens.js';
import { ProcessTracker } from './tracker.js';

/** What the mappings of a process need from the server. */
export interface VmaContext {
  readonly native: NativeAddon;
  readonly scheduler: SchedulerLike;
  readonly wantedMode: number;
  readonly pollMinMs: number;
  readonly pollMaxMs: number;
  log(line: string): void;
}

/** What the program needs to map: mapping id, where in the memfd, how much of it, tracked or not. */
export interface MmapReply {
  readonly id: number;
  readonly byteOffset: number;
  readonly validBytes: number;
  readonly tracked: number;
  readonly fd: number;
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

const MAX_MAPS = 256;
const MAX_VMA_BYTES = 2 ** 40;

/**
 * The device mappings of one process (its VMAs on device files) and its store tracker: mmap,
 * the program's "mapped" report that wires a ProcessMapping into the device, munmap and exit.
 */
export class ProcessVmas {
  private readonly maps = new Map<number, MapRecord>();
  private tracker: ProcessTracker | undefined;
  private nextId = 1;

  constructor(
    private readonly ctx: VmaContext,
    private readonly info: ProcessInfo,
    /** drops the file reference a mapping held */
    private readonly putFile: (file: OpenChrdevFile) => void,
  ) {}

  /** MMAP: the device's mmap answers the memory; the mapping holds a file reference until munmap. */
  mmap(file: OpenChrdevFile, req: Request): MmapReply {
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
    return { id, byteOffset, validBytes: validPages * PAGE_SIZE, tracked, fd: memory.fd };
  }

  /** The program mapped it and set up tracking (or not): the device wires it in. */
  mapped(req: Request, fds: number[]): number {
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

  setTracker(req: Request, fds: number[]): number {
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

  /** MUNMAP: EINVAL for an unknown mapping. */
  munmap(id: number): void {
    check(this.maps.has(id), 'EINVAL', 'no such mapping');
    this.unmap(id);
  }

  /** Process exit: every mapping goes (its pages collected as the mode allows), then the tracker. */
  close(): void {
    for (const [id, record] of this.maps) {
      record.mapping?.processExited();
      this.unmap(id);
    }
    this.tracker?.close();
  }

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
    this.putFile(record.file);
  }
}

/** Size of a sync/mprotect mapping's state memfd, as the preload makes it (whole pages). */
function stateBytes(pages: number): number {
  return Math.ceil(((STATE_BITMAP + Math.ceil(pages / 32)) * 4) / PAGE_SIZE) * PAGE_SIZE;
}
