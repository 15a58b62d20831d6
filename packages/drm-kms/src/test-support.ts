import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { ChrdevFile, ProcessInfo, ProcessMapping, VmArea } from '@fbemu/chrdev';
import { FakeUserMemory } from '@fbemu/chrdev/test-support';
import { FbDeferredIo, type FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import { GemDevice, KernelError } from '@fbemu/gem-shmem';
import { type SchedulerLike, VirtualTimeScheduler } from 'rxjs';
import { DrmKmsDevice, type DrmKmsOptions } from './drm-device.js';
import { SharedMemoryPool } from './shared-memory-pool.js';
import { IOCTLS, STRUCTS, type StructName } from './uapi.js';

/** A struct argument in user memory, read and written by field name. */
export class UserStruct {
  readonly addr: number;
  readonly layout: { sizeof: number; fields: Readonly<Record<string, number>> };

  constructor(
    readonly mem: FakeUserMemory,
    name: StructName,
    /** allocate this many bytes instead of sizeof (an older or newer user struct) */
    size?: number,
  ) {
    this.layout = STRUCTS[name];
    this.addr = mem.alloc(size ?? this.layout.sizeof);
  }

  private off(field: string, index = 0, width = 4): number {
    const o = this.layout.fields[field];
    if (o === undefined) throw new Error(`no field ${field}`);
    return o + index * width;
  }
  u16(f: string): number {
    return this.mem.view(this.addr + this.off(f), 2).getUint16(0, true);
  }
  u32(f: string, i = 0): number {
    return this.mem.view(this.addr + this.off(f, i), 4).getUint32(0, true);
  }
  u64(f: string, i = 0): bigint {
    return this.mem.view(this.addr + this.off(f, i, 8), 8).getBigUint64(0, true);
  }
  set16(f: string, v: number): this {
    this.mem.view(this.addr + this.off(f), 2).setUint16(0, v, true);
    return this;
  }
  set32(f: string, v: number, i = 0): this {
    this.mem.view(this.addr + this.off(f, i), 4).setUint32(0, v >>> 0, true);
    return this;
  }
  set64(f: string, v: bigint | number, i = 0): this {
    this.mem.view(this.addr + this.off(f, i, 8), 8).setBigUint64(0, BigInt(v), true);
    return this;
  }
  bytes(): Uint8Array {
    return this.mem.read(this.addr, this.layout.sizeof);
  }
}

/** A user array of u32 (ids) or u64 (values), `n` entries, mapped right after nothing (guarded). */
export function userArray(
  mem: FakeUserMemory,
  n: number,
  width: 4 | 8 = 4,
): { addr: number; get(i: number): bigint } {
  const addr = mem.alloc(Math.max(n, 1) * width);
  return {
    addr,
    get: (i) =>
      width === 4
        ? BigInt(mem.view(addr + i * 4, 4).getUint32(0, true))
        : mem.view(addr + i * 8, 8).getBigUint64(0, true),
  };
}

let nextFileId = 1;

/** A struct file of the front door, recording queued reads (events). */
export class FakeChrdevFile implements ChrdevFile {
  readonly id = nextFileId++;
  readonly minor = 0;
  readonly fpos = { pos: 0 };
  privateData: unknown;
  readonly events: Uint8Array[] = [];

  constructor(
    readonly process: ProcessInfo,
    /** open(2) flags: O_RDWR by default */
    readonly flags = 2,
  ) {}

  queueRead(bytes: Uint8Array): void {
    this.events.push(bytes.slice());
  }
}

/** One process with an open /dev/dri/card0 and its own memory. */
export class Client {
  readonly mem = new FakeUserMemory();
  readonly chr: FakeChrdevFile;

  constructor(
    readonly dev: DrmKmsDevice,
    pid: number,
    flags?: number,
  ) {
    this.chr = new FakeChrdevFile({ pid, comm: `client${pid}` }, flags);
    dev.fops.open?.(this.chr);
  }

  struct(name: StructName, size?: number): UserStruct {
    return new UserStruct(this.mem, name, size);
  }

  /** Runs an ioctl; returns 'OK' or the errno name. */
  ioctl(cmd: keyof typeof IOCTLS | number, arg: UserStruct | number): string {
    const request = typeof cmd === 'number' ? cmd : IOCTLS[cmd];
    const addr = typeof arg === 'number' ? arg : arg.addr;
    try {
      this.dev.fops.ioctl?.(this.chr, request, addr, this.mem);
      return 'OK';
    } catch (e) {
      if (e instanceof KernelError) return e.code;
      throw e;
    }
  }

  close(): void {
    this.dev.fops.release?.(this.chr);
  }

  /** CREATE_DUMB; returns handle, pitch, size. */
  createDumb(width: number, height: number, bpp = 32): { handle: number; pitch: number; size: number } {
    const s = this.struct('drm_mode_create_dumb')
      .set32('width', width)
      .set32('height', height)
      .set32('bpp', bpp);
    const r = this.ioctl('DRM_IOCTL_MODE_CREATE_DUMB', s);
    if (r !== 'OK') throw new Error(`CREATE_DUMB: ${r}`);
    return { handle: s.u32('handle'), pitch: s.u32('pitch'), size: Number(s.u64('size')) };
  }

  mapDumb(handle: number): number {
    const s = this.struct('drm_mode_map_dumb').set32('handle', handle);
    const r = this.ioctl('DRM_IOCTL_MODE_MAP_DUMB', s);
    if (r !== 'OK') throw new Error(`MAP_DUMB: ${r}`);
    return Number(s.u64('offset'));
  }

  /** ADDFB2 with one plane; returns fb id or throws with the errno. */
  addFb2(handle: number, width: number, height: number, pitch: number, format: number, offset = 0): number {
    const s = this.struct('drm_mode_fb_cmd2')
      .set32('width', width)
      .set32('height', height)
      .set32('pixel_format', format)
      .set32('handles', handle)
      .set32('pitches', pitch)
      .set32('offsets', offset);
    const r = this.ioctl('DRM_IOCTL_MODE_ADDFB2', s);
    if (r !== 'OK') throw new Error(`ADDFB2: ${r}`);
    return s.u32('fb_id');
  }

  /** SETCRTC on the device's CRTC/connector with the connector's first mode (or off with fbId 0). */
  setCrtc(fbId: number, x = 0, y = 0): string {
    const { config } = this.dev;
    const s = this.struct('drm_mode_crtc')
      .set32('crtc_id', config.crtc.id)
      .set32('fb_id', fbId)
      .set32('x', x)
      .set32('y', y);
    if (fbId !== 0) {
      const conns = userArray(this.mem, 1);
      this.mem.view(conns.addr, 4).setUint32(0, config.connector.id, true);
      s.set64('set_connectors_ptr', conns.addr).set32('count_connectors', 1).set32('mode_valid', 1);
      writeMode(s, config.connector.modes[0]);
    }
    return this.ioctl('DRM_IOCTL_MODE_SETCRTC', s);
  }
}

/** Writes a mode into the `mode` member of a drm_mode_crtc user struct. */
export function writeMode(
  s: UserStruct,
  m: {
    clock: number;
    hdisplay: number;
    hsyncStart: number;
    hsyncEnd: number;
    htotal: number;
    vdisplay: number;
    vsyncStart: number;
    vsyncEnd: number;
    vtotal: number;
    flags: number;
    type: number;
  },
): void {
  const base = s.addr + STRUCTS.drm_mode_crtc.fields.mode;
  const M = STRUCTS.drm_mode_modeinfo.fields;
  const v = s.mem.view(base, STRUCTS.drm_mode_modeinfo.sizeof);
  v.setUint32(M.clock, m.clock, true);
  v.setUint16(M.hdisplay, m.hdisplay, true);
  v.setUint16(M.hsync_start, m.hsyncStart, true);
  v.setUint16(M.hsync_end, m.hsyncEnd, true);
  v.setUint16(M.htotal, m.htotal, true);
  v.setUint16(M.vdisplay, m.vdisplay, true);
  v.setUint16(M.vsync_start, m.vsyncStart, true);
  v.setUint16(M.vsync_end, m.vsyncEnd, true);
  v.setUint16(M.vtotal, m.vtotal, true);
  v.setUint32(M.flags, m.flags, true);
  v.setUint32(M.type, m.type, true);
}

/** A device on a virtual-time scheduler with a plain (unmappable) memory pool. */
export function makeDevice(
  options: DrmKmsOptions = {},
  scheduler: SchedulerLike = new VirtualTimeScheduler(),
): { dev: DrmKmsDevice; gem: GemDevice } {
  const pool = new SharedMemoryPool();
  const gem = new GemDevice({ allocateBacking: pool.allocate });
  const defio: FbDeferredIoFactory = (info, config) => new FbDeferredIo(info, config ?? {}, scheduler);
  return { dev: new DrmKmsDevice(gem, scheduler, defio, pool, { width: 640, height: 480, ...options }), gem };
}

/** A process mapping whose stores the test makes: written pages are reported like the front door does. */
export class FakeProcessMapping implements ProcessMapping {
  readonly process = { pid: 1, comm: 'fake' };
  private onWrite: (() => void) | undefined;
  private readonly written = new Set<number>();
  private readonly seen = new Set<number>();
  stopped = false;

  constructor(readonly vma: VmArea) {}

  start(onWrite: () => void): void {
    this.onWrite = onWrite;
  }
  /** the process stores into mapping page `page` */
  store(page: number): void {
    this.written.add(page);
    this.onWrite?.();
  }
  collect(enlist: (page: number) => void): void {
    for (const p of this.written) {
      if (this.seen.has(p)) continue;
      this.seen.add(p);
      enlist(p);
    }
  }
  take(enlist: (page: number) => void): void {
    for (const p of this.written) enlist(p);
    this.written.clear();
    this.seen.clear();
  }
  mkclean(): void {}
  shutdown(): void {
    this.stopped = true;
  }
}

/** A shared writable mapping of `length` bytes at fake offset `offset`. */
export const vma = (offset: number, length: number): VmArea => ({
  pgoff: offset / 4096,
  length,
  prot: 3,
  flags: 1,
});

/** Debian's modetest on /dev/dri/card0 under the front door; `exit` resolves with its output on exit 0. */
export function modetest(
  door: { env(): Record<string, string> },
  args: string[],
): { child: ChildProcessWithoutNullStreams; exit: Promise<string> } {
  const child = spawn('modetest', ['-M', 'fbemu', '-D', '/dev/dri/card0', ...args], {
    env: { ...process.env, ...door.env() },
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exit = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`modetest exited ${code}: ${out}`)),
    );
  });
  return { child, exit };
}
