import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FbDeferredIo, type FbFile, type PagerefBatch } from '@fbemu/fbdev-defio';
import { check, KernelError } from '@fbemu/gem-shmem';
import { asyncScheduler } from 'rxjs';
import { FrontDoor } from './front-door.js';
import { loadNative } from './native.js';
import { ChrdevRegistry } from './registry.js';
import { sharedMemoryAllocator } from './shared-memory.js';
import type {
  ChrdevFile,
  FileOperations,
  FilePos,
  MmapTarget,
  ProcessMapping,
  TrackingMode,
  UserMemory,
  VmArea,
} from './tokens.js';

/** Test-only (not exported): a memory-backed device with two ioctls, over fbdev-defio's core. */
export const TESTDEV_GET = 0x80085401; // _IOR('T', 1, struct { u32 size, value })
export const TESTDEV_SET = 0x40045402; // _IOW('T', 2, u32)

export class TestDevice implements FileOperations {
  readonly memory;
  readonly defio: FbDeferredIo;
  /** the consumer's copy, built only from emitted batches */
  readonly copy: Uint8Array;
  readonly batches: PagerefBatch[] = [];
  value = 0;
  opens = 0;
  private readonly handles = new Map<ProcessMapping, { close(): void }>();
  private readonly idle: (() => void)[] = [];

  constructor(
    readonly size: number,
    delay = 20,
  ) {
    this.memory = sharedMemoryAllocator(loadNative())(size);
    const info = {
      fix: { smemLen: size, lineLength: 4096 },
      var: {
        xres: 1024,
        yres: size / 4096,
        xresVirtual: 1024,
        yresVirtual: size / 4096,
        xoffset: 0,
        yoffset: 0,
        bitsPerPixel: 32,
      },
      screenBuffer: this.memory.buffer,
    };
    this.defio = new FbDeferredIo(info, { delay }, asyncScheduler);
    this.copy = new Uint8Array(size);
    const bytes = new Uint8Array(this.memory.buffer);
    this.defio.pagerefs$.subscribe((batch) => {
      this.batches.push(batch);
      for (const { offset } of batch.pagerefs) this.copy.set(bytes.subarray(offset, offset + 4096), offset);
    });
  }

  /** resolves when every file is released (the last close has flushed) */
  whenIdle(): Promise<void> {
    return this.opens === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  /** pages of every batch, in order */
  pagesWritten(): number[] {
    return this.batches.flatMap((b) => b.pagerefs.map((p) => p.offset / 4096));
  }

  open(file: ChrdevFile): void {
    file.privateData = this.defio.open();
    this.opens++;
  }

  release(file: ChrdevFile): void {
    this.defio.release(file.privateData as FbFile);
    if (--this.opens === 0) for (const done of this.idle.splice(0)) done();
  }

  ioctl(_file: ChrdevFile, cmd: number, arg: number, mem: UserMemory): number {
    if (cmd === TESTDEV_GET) {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setUint32(0, this.size, true);
      new DataView(out.buffer).setUint32(4, this.value, true);
      mem.write(arg, out);
      return 0;
    }
    if (cmd === TESTDEV_SET) {
      this.value = new DataView(mem.read(arg, 4).buffer).getUint32(0, true);
      return 0;
    }
    throw new KernelError('ENOTTY', `unknown ioctl ${cmd.toString(16)}`);
  }

  read(_file: ChrdevFile, buf: number, count: number, ppos: FilePos, mem: UserMemory): number {
    const n = Math.max(0, Math.min(count, this.size - ppos.pos));
    mem.write(buf, new Uint8Array(this.memory.buffer, ppos.pos, n));
    ppos.pos += n;
    return n;
  }

  write(_file: ChrdevFile, buf: number, count: number, ppos: FilePos, mem: UserMemory): number {
    check(ppos.pos <= this.size, 'EFBIG', 'past the end');
    const n = Math.min(count, this.size - ppos.pos);
    new Uint8Array(this.memory.buffer).set(mem.read(buf, n), ppos.pos);
    this.defio.markDirty(ppos.pos, n);
    ppos.pos += n;
    return n;
  }

  llseek(file: ChrdevFile, offset: number, whence: number): number {
    const pos = whence === 0 ? offset : whence === 1 ? file.fpos.pos + offset : this.size + offset;
    check(pos >= 0, 'EINVAL', 'negative position');
    file.fpos.pos = pos;
    return pos;
  }

  fsync(): void {
    this.defio.fsync();
  }

  mmap(file: ChrdevFile, vma: VmArea): MmapTarget {
    const offset = vma.pgoff * 4096;
    check(offset < this.size, 'EINVAL', 'offset past the device');
    const fbFile = file.privateData as FbFile;
    return {
      memory: this.memory,
      byteOffset: offset,
      length: this.size - offset,
      attach: (mapping) => {
        this.handles.set(
          mapping,
          this.defio.mmapExternal(fbFile, { pgoff: vma.pgoff, length: vma.length }, mapping),
        );
      },
      detach: (mapping) => {
        this.handles.get(mapping)?.close();
        this.handles.delete(mapping);
      },
    };
  }
}

/** Test-only: a device without read whose ioctl queues two records (as DRM queues events). */
export const eventDevice: FileOperations = {
  ioctl(file: ChrdevFile, cmd: number): number {
    check(cmd === 0x5403, 'ENOTTY', 'unknown ioctl');
    file.queueRead(new TextEncoder().encode('hello'));
    file.queueRead(new TextEncoder().encode('world!'));
    return 0;
  },
};

/** A struct input_event (64-bit): time zero, then type, code, value. */
function inputEvent(type: number, code: number, value: number): Uint8Array {
  const record = new Uint8Array(24);
  const view = new DataView(record.buffer);
  view.setUint16(16, type, true);
  view.setUint16(18, code, true);
  view.setInt32(20, value, true);
  return record;
}

/** Test-only: an input device (major 13) whose ioctls queue a frame's halves: ABS_X 7, then SYN_REPORT. */
export const inputFrameDevice: FileOperations = {
  ioctl(file: ChrdevFile, cmd: number): number {
    check(cmd === 0x5403 || cmd === 0x5404, 'ENOTTY', 'unknown ioctl');
    file.queueRead(cmd === 0x5403 ? inputEvent(3, 0, 7) : inputEvent(0, 0, 0));
    return 0;
  },
};

/** Test-only: a device whose memory is a plain SharedArrayBuffer (no memfd): mmap must be refused. */
export const plainMemoryDevice: FileOperations = {
  mmap: () => ({ memory: sharedMemoryAllocator(undefined)(4096), byteOffset: 0, length: 4096 }),
};

const here = fileURLToPath(new URL('.', import.meta.url));
const clientSource = join(here, '../native/test/client.c');
const clientBinary = join(here, '../native/build/test-client');

/** Builds the native parts and the C test client (cc), once. */
export function buildTestClient(): string {
  execFileSync(process.execPath, [join(here, '../native/build.mjs')], { stdio: 'inherit' });
  const built = existsSync(clientBinary) ? statSync(clientBinary).mtimeMs : 0;
  if (statSync(clientSource).mtimeMs >= built)
    execFileSync('cc', ['-Wall', '-Wextra', '-Werror', '-O2', '-o', clientBinary, clientSource, '-lpthread']);
  return clientBinary;
}

export interface Served {
  door: FrontDoor;
  device: TestDevice;
  path: string;
  logs: string[];
  close(): void;
}

/** A front door serving one TestDevice at /dev/fbemu-test0 the event device at /dev/fbemu-events0 and the input device at /dev/fbemu-input0. */
export function serve(tracking: TrackingMode, pages = 64, delay = 20): Served {
  const registry = new ChrdevRegistry();
  const device = new TestDevice(pages * 4096, delay);
  const path = '/dev/fbemu-test0';
  registry.register({ path, major: 240, minor: 3, fops: device });
  registry.register({ path: '/dev/fbemu-events0', major: 226, minor: 0, fops: eventDevice });
  registry.register({ path: '/dev/fbemu-input0', major: 13, minor: 64, fops: inputFrameDevice });
  registry.register({ path: '/dev/fbemu-plain0', major: 240, minor: 4, fops: plainMemoryDevice });
  const door = new FrontDoor(registry, asyncScheduler);
  const logs: string[] = [];
  const socketPath = join(mkdtempSync(join(tmpdir(), 'fbemu-')), 'door.sock');
  door.start({ socketPath, tracking, log: (l) => logs.push(l) });
  return { door, device, path, logs, close: () => door.close() };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: Record<string, string>;
  stdout: string;
}

/** Runs the test client under the preload; resolves on its exit with its key=value output. */
export function runClient(
  env: Record<string, string>,
  args: string[],
  onLine?: (line: string, stdin: NodeJS.WritableStream) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(clientBinary, args, {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    if (onLine === undefined) child.stdin.end();
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (onLine) for (const line of String(d).split('\n')) if (line) onLine(line, child.stdin);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const out: Record<string, string> = {};
      for (const m of stdout.matchAll(/(\w+)=(\S+)/g)) out[m[1]] = m[2];
      resolve({ code, signal, out, stdout });
    });
  });
}
