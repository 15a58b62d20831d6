import type { CharDevice, ChrdevFile, FileOperations, UserMemory } from '@fbemu/chrdev';
import { check, isKernelError, KernelError } from '@fbemu/gem-shmem';
import type { Bitmap } from './bitmap.js';
import { CODE_MAX, type InputDevice } from './input-device.js';
import type { EvdevHandle, InputFrame } from './tokens.js';
import {
  ABS_MAX,
  CLOCK_BOOTTIME,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  decodeAbsInfo,
  decodeEvent,
  decodeInt,
  EV_MAX,
  EV_REP,
  EV_SYN,
  EV_VERSION,
  EVIOCGID,
  EVIOCGKEY,
  EVIOCGLED,
  EVIOCGNAME,
  EVIOCGPHYS,
  EVIOCGPROP,
  EVIOCGRAB,
  EVIOCGREP,
  EVIOCGSND,
  EVIOCGSW,
  EVIOCGUNIQ,
  EVIOCGVERSION,
  EVIOCREVOKE,
  EVIOCSCLOCKID,
  EVIOCSREP,
  encodeAbsInfo,
  encodeEvent,
  encodeInputId,
  encodeInt,
  INPUT_ABSINFO_SIZE,
  INPUT_EVENT_SIZE,
  IOC_READ,
  IOC_WRITE,
  iocDir,
  iocMaskSize,
  iocNr,
  iocSize,
  iocType,
  REP_DELAY,
  REP_PERIOD,
  SYN_DROPPED,
} from './uapi.js';

/** INPUT_MAJOR and evdev's minors: /dev/input/eventN is 13:(64 + N), N < 32. */
export const INPUT_MAJOR = 13;
export const EVDEV_MINOR_BASE = 64;
export const EVDEV_MINORS = 32;

const ABS_MT_SLOT = 0x2f;
const NR_GBIT = 0x20;
const NR_GABS = 0x40;
const NR_SABS = 0xc0;

/** struct evdev_client: one open file of the node. */
class EvdevClient {
  clock = CLOCK_REALTIME;
  revoked = false;
  /** its queue overflowed: a SYN_DROPPED is owed before the next frame */
  dropped = false;

  constructor(readonly file: ChrdevFile) {}
}

/**
 * One /dev/input/eventN (drivers/input/evdev.c) over an `InputDevice`. Events reach a program
 * natively: each `struct input_event` is one record queued on its descriptor
 * (`ChrdevFile.queueRead`), so read(2), poll(2), select and epoll work on it as on a kernel
 * device, blocking or O_NONBLOCK (EAGAIN). The records of one frame are queued together, ending
 * with SYN_REPORT; a frame that does not fit in the file's queue (the descriptor's socket buffer)
 * is cut off and the file owes a SYN_DROPPED, queued ahead of the next frame that fits, as evdev
 * does when a client's buffer overflows. The ioctls are evdev's (`ioctl` below).
 */
export class EvdevNode implements EvdevHandle {
  readonly chrdev: CharDevice;
  private readonly files = new Set<EvdevClient>();
  private grab: EvdevClient | undefined;
  private exists = true;
  overflows = 0;

  constructor(
    readonly input: InputDevice,
    readonly index: number,
  ) {
    check(Number.isInteger(index) && index >= 0 && index < EVDEV_MINORS, 'EINVAL', `event${index}`);
    this.chrdev = {
      path: `/dev/input/event${index}`,
      major: INPUT_MAJOR,
      minor: EVDEV_MINOR_BASE + index,
      fops: this.fops,
    };
    input.frames$.subscribe({ next: (f) => this.pass(f), complete: () => this.gone() });
  }

  get clients(): number {
    return this.files.size;
  }

  private readonly fops: FileOperations = {
    open: (file) => {
      check(this.exists, 'ENODEV', `${this.chrdev.path} is gone`);
      const client = new EvdevClient(file);
      file.privateData = client;
      this.files.add(client);
    },
    release: (file) => {
      const client = this.client(file);
      if (this.grab === client) this.grab = undefined;
      this.files.delete(client);
    },
    write: (file, buf, count, _ppos, mem) => this.write(this.client(file), buf, count, mem),
    ioctl: (file, cmd, arg, mem) => this.ioctl(this.client(file), cmd, arg, mem),
  };

  private client(file: ChrdevFile): EvdevClient {
    const c = file.privateData;
    check(c instanceof EvdevClient && this.files.has(c), 'EBADF', 'not an open evdev file');
    return c;
  }

  /** evdev_pass_values: the frame to the grabbing file only, else to every file. */
  private pass(frame: InputFrame): void {
    if (this.grab) this.deliver(this.grab, frame);
    else for (const c of this.files) this.deliver(c, frame);
  }

  private deliver(client: EvdevClient, frame: InputFrame): void {
    if (client.revoked) return;
    const ns =
      client.clock === CLOCK_REALTIME
        ? frame.time.real
        : client.clock === CLOCK_MONOTONIC
          ? frame.time.mono
          : frame.time.boot;
    const sec = Number(ns / 1_000_000_000n);
    const usec = Number((ns % 1_000_000_000n) / 1000n);
    if (client.dropped && !this.queue(client, encodeEvent(sec, usec, EV_SYN, SYN_DROPPED, 0))) return;
    client.dropped = false;
    for (const v of frame.values) {
      if (!this.queue(client, encodeEvent(sec, usec, v.type, v.code, v.value))) {
        client.dropped = true;
        this.overflows++;
        return;
      }
    }
  }

  /** One record to the file; false when its queue is full. */
  private queue(client: EvdevClient, record: Uint8Array): boolean {
    try {
      client.file.queueRead(record);
      return true;
    } catch (e) {
      if (isKernelError(e, 'ENOSPC')) return false;
      throw e;
    }
  }

  private gone(): void {
    this.exists = false;
    this.grab = undefined;
  }

  /** evdev_write: whole events injected into the device (as input_inject_event) until one faults. */
  private write(client: EvdevClient, buf: number, count: number, mem: UserMemory): number {
    check(
      count === 0 || count >= INPUT_EVENT_SIZE,
      'EINVAL',
      `write of ${count} bytes is less than one event`,
    );
    check(this.exists && !client.revoked, 'ENODEV', 'device gone or revoked');
    let done = 0;
    while (done + INPUT_EVENT_SIZE <= count) {
      const e = decodeEvent(mem.read(buf + done, INPUT_EVENT_SIZE));
      done += INPUT_EVENT_SIZE;
      this.input.event(e.type, e.code, e.value);
    }
    return done;
  }

  /** evdev_do_ioctl: the fixed requests, then the length-encoded ones (min(len, size) copied). */
  private ioctl(client: EvdevClient, cmd: number, arg: number, mem: UserMemory): number {
    check(this.exists && !client.revoked, 'ENODEV', 'device gone or revoked');
    const dev = this.input;
    switch (cmd) {
      case EVIOCGVERSION:
        mem.write(arg, encodeInt(EV_VERSION));
        return 0;
      case EVIOCGID:
        mem.write(arg, encodeInputId(dev.id));
        return 0;
      case EVIOCGREP:
        check(dev.supports(EV_REP, 0), 'ENOSYS', 'no autorepeat');
        mem.write(arg, new Uint8Array([...encodeInt(dev.rep[0]), ...encodeInt(dev.rep[1])]));
        return 0;
      case EVIOCSREP: {
        check(dev.supports(EV_REP, 0), 'ENOSYS', 'no autorepeat');
        const b = mem.read(arg, 8);
        dev.event(EV_REP, REP_DELAY, decodeInt(b));
        dev.event(EV_REP, REP_PERIOD, decodeInt(b.subarray(4)));
        return 0;
      }
      case EVIOCGRAB:
        return arg !== 0 ? this.grabBy(client) : this.ungrab(client);
      case EVIOCREVOKE:
        check(arg === 0, 'EINVAL', 'EVIOCREVOKE takes 0');
        client.revoked = true;
        if (this.grab === client) this.grab = undefined;
        return 0;
      case EVIOCSCLOCKID: {
        const id = decodeInt(mem.read(arg, 4));
        check(
          id === CLOCK_REALTIME || id === CLOCK_MONOTONIC || id === CLOCK_BOOTTIME,
          'EINVAL',
          `clock ${id}`,
        );
        client.clock = id;
        return 0;
      }
    }
    return this.sizedIoctl(cmd, arg, mem);
  }

  private sizedIoctl(cmd: number, arg: number, mem: UserMemory): number {
    const dev = this.input;
    const size = iocSize(cmd);
    switch (iocMaskSize(cmd)) {
      case EVIOCGPROP(0):
        return bitsToUser(dev.propbit, size, arg, mem);
      case EVIOCGKEY(0):
        return bitsToUser(dev.key, size, arg, mem);
      case EVIOCGLED(0):
        return bitsToUser(dev.led, size, arg, mem);
      case EVIOCGSND(0):
        return bitsToUser(dev.snd, size, arg, mem);
      case EVIOCGSW(0):
        return bitsToUser(dev.sw, size, arg, mem);
      case EVIOCGNAME(0):
        return strToUser(dev.name, size, arg, mem);
      case EVIOCGPHYS(0):
        return strToUser(dev.phys, size, arg, mem);
      case EVIOCGUNIQ(0):
        return strToUser(dev.uniq, size, arg, mem);
    }
    check(iocType(cmd) === 0x45, 'EINVAL', `ioctl 0x${cmd.toString(16)} is not evdev's`);
    const nr = iocNr(cmd);
    if (iocDir(cmd) === IOC_READ && (nr & ~EV_MAX) === NR_GBIT) {
      const type = nr & EV_MAX;
      check(CODE_MAX.has(type), 'EINVAL', `EVIOCGBIT of event type ${type}`);
      return bitsToUser(dev.bits(type), size, arg, mem);
    }
    if (iocDir(cmd) === IOC_READ && (nr & ~ABS_MAX) === NR_GABS) {
      check(dev.absinfo !== undefined, 'EINVAL', 'no absolute axes');
      mem.write(
        arg,
        encodeAbsInfo(dev.absinfo[nr & ABS_MAX]).subarray(0, Math.min(size, INPUT_ABSINFO_SIZE)),
      );
      return 0;
    }
    if (iocDir(cmd) === IOC_WRITE && (nr & ~ABS_MAX) === NR_SABS)
      return this.setAbs(nr & ABS_MAX, size, arg, mem);
    throw new KernelError('EINVAL', `unknown evdev ioctl 0x${cmd.toString(16)}`);
  }

  /** EVIOCSABS: a short struct leaves resolution 0; the MT slot axis is refused. */
  private setAbs(axis: number, size: number, arg: number, mem: UserMemory): number {
    const absinfo = this.input.absinfo;
    check(absinfo !== undefined, 'EINVAL', 'no absolute axes');
    const abs = decodeAbsInfo(mem.read(arg, Math.min(size, INPUT_ABSINFO_SIZE)));
    check(axis !== ABS_MT_SLOT, 'EINVAL', 'ABS_MT_SLOT cannot be set');
    absinfo[axis] = abs;
    return 0;
  }

  private grabBy(client: EvdevClient): number {
    check(this.grab === undefined, 'EBUSY', 'already grabbed');
    this.grab = client;
    return 0;
  }

  private ungrab(client: EvdevClient): number {
    check(this.grab === client, 'EINVAL', 'not grabbed by this file');
    this.grab = undefined;
    return 0;
  }
}

/** bits_to_user: min(bitmap bytes, maxlen) bytes; returns the count. */
function bitsToUser(bits: Bitmap, maxlen: number, arg: number, mem: UserMemory): number {
  const bytes = bits.head(maxlen);
  mem.write(arg, bytes);
  return bytes.length;
}

/** str_to_user: the string with its NUL, cut at maxlen; ENOENT when the device has none. */
function strToUser(s: string | undefined, maxlen: number, arg: number, mem: UserMemory): number {
  check(s !== undefined, 'ENOENT', 'no such string');
  const full = new TextEncoder().encode(`${s}\0`);
  const bytes = full.subarray(0, Math.min(full.length, maxlen));
  mem.write(arg, bytes);
  return bytes.length;
}
