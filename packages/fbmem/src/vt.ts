import type { CharDevice, ChrdevFile, FileOperations, UserMemory } from '@fbemu/chrdev';
import { check, isKernelError, KernelError } from '@fbemu/gem-shmem';
import { injectable } from 'inversify';
import { MAX_NR_CONSOLES } from './uapi.js';

/** `include/uapi/linux/vt.h`, `kd.h`, `asm-generic/ioctls.h` (x86-64 values). */
export const VT_OPENQRY = 0x5600;
export const VT_GETMODE = 0x5601;
export const VT_SETMODE = 0x5602;
export const VT_GETSTATE = 0x5603;
export const VT_RELDISP = 0x5605;
export const VT_ACTIVATE = 0x5606;
export const VT_WAITACTIVE = 0x5607;
export const VT_DISALLOCATE = 0x5608;
export const VT_LOCKSWITCH = 0x560b;
export const VT_UNLOCKSWITCH = 0x560c;
export const KDGKBTYPE = 0x4b33;
export const KDSETMODE = 0x4b3a;
export const KDGETMODE = 0x4b3b;
export const KDGKBMODE = 0x4b44;
export const KDSKBMODE = 0x4b45;
export const KDGKBENT = 0x4b46;
export const KDSKBENT = 0x4b47;
export const TCGETS = 0x5401;
export const TCSETS = 0x5402;
export const TCSETSW = 0x5403;
export const TCSETSF = 0x5404;

export const VT_AUTO = 0;
export const VT_PROCESS = 1;
export const VT_ACKACQ = 2;
export const KD_TEXT = 0;
export const KD_GRAPHICS = 1;
export const K_OFF = 4;
export const K_UNICODE = 3;
const KB_101 = 2;
/** K_HOLE / K_NOSUCHMAP (keyboard.h): what KDGKBENT reads from an empty keymap */
const K_HOLE = 0x0200;
const K_NOSUCHMAP = 0x027f;
/** TTY_MAJOR */
export const TTY_MAJOR = 4;
/** struct termios of the kernel (TCGETS): four flags, c_line, c_cc[19] */
export const TERMIOS_SIZE = 36;

/** One console's state (struct vc_data + vt_mode + kbd mode). */
interface Console {
  mode: Uint8Array;
  kdMode: number;
  kbMode: number;
  termios: Uint8Array;
  opens: number;
  /** open files, for queueInput */
  files: Set<ChrdevFile>;
}

/** A sane cooked termios: ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD|HUPCL, ISIG|ICANON|ECHO…, default c_cc. */
function defaultTermios(): Uint8Array {
  const t = new Uint8Array(TERMIOS_SIZE);
  const dv = new DataView(t.buffer);
  dv.setUint32(0, 0x0500, true);
  dv.setUint32(4, 0x0005, true);
  dv.setUint32(8, 0x04bf, true);
  dv.setUint32(12, 0x8a3b, true);
  t.set([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22], 17);
  return t;
}

/**
 * A faked set of virtual terminals for programs that insist on one (fbi, fim, SDL 1.2): the
 * foreground console, per-console VT mode (VT_AUTO/VT_PROCESS), KD text/graphics mode, keyboard
 * mode and termios, answered as `vt_ioctl.c` / `keyboard.c` / the tty layer would. Switching is
 * immediate (no VT_PROCESS release handshake) and nothing is drawn in text mode.
 */
@injectable()
export class FakeVt {
  private readonly consoles: Console[] = [];
  private foreground = 1;
  private switchLocked = false;

  constructor() {
    for (let i = 0; i < MAX_NR_CONSOLES; i++) {
      this.consoles.push({
        mode: new Uint8Array(8),
        kdMode: KD_TEXT,
        kbMode: K_UNICODE,
        termios: defaultTermios(),
        opens: 0,
        files: new Set(),
      });
    }
  }

  /** the foreground console (1-based) */
  get active(): number {
    return this.foreground;
  }

  get locked(): boolean {
    return this.switchLocked;
  }

  /** KD mode of a console (1-based): KD_GRAPHICS while a program owns the screen */
  kdMode(console: number): number {
    return this.consoles[console - 1].kdMode;
  }

  /**
   * Keyboard input of a console (keyboard.c's put_queue): `bytes` become readable, as one record,
   * on every open file of console `console` (default: the foreground one), so a program reading
   * its VT (fbi, fim) gets them with read(2)/poll(2). A reader whose queue is full loses them.
   */
  queueInput(bytes: Uint8Array, console = this.foreground): void {
    check(
      Number.isInteger(console) && console >= 1 && console <= MAX_NR_CONSOLES,
      'EINVAL',
      `no console ${console}`,
    );
    for (const file of this.consoles[console - 1].files) {
      try {
        file.queueRead(bytes);
      } catch (e) {
        if (!isKernelError(e, 'ENOSPC')) throw e;
      }
    }
  }

  /** /dev/tty0 (the foreground console) and /dev/tty1…/dev/tty63 */
  devices(): CharDevice[] {
    const out: CharDevice[] = [];
    for (let minor = 0; minor <= MAX_NR_CONSOLES; minor++) {
      out.push({ path: `/dev/tty${minor}`, major: TTY_MAJOR, minor, fops: this.fops(minor) });
    }
    return out;
  }

  private fops(minor: number): FileOperations {
    return {
      open: (file) => {
        const console = minor === 0 ? this.foreground : minor;
        this.consoles[console - 1].opens++;
        this.consoles[console - 1].files.add(file);
        file.privateData = console;
      },
      release: (file) => {
        const vc = this.consoles[this.consoleOf(file) - 1];
        vc.opens--;
        vc.files.delete(file);
      },
      ioctl: (file, cmd, arg, mem) => this.ioctl(this.consoleOf(file), cmd >>> 0, arg, mem),
    };
  }

  private consoleOf(file: ChrdevFile): number {
    const console = file.privateData;
    check(typeof console === 'number', 'EBADF', 'not an open virtual terminal');
    return console;
  }

  private ioctl(console: number, cmd: number, arg: number, mem: UserMemory): number {
    const vc = this.consoles[console - 1];
    switch (cmd) {
      case VT_OPENQRY:
        return putInt(mem, arg, this.firstFree());
      case VT_GETMODE:
        mem.write(arg, vc.mode);
        return 0;
      case VT_SETMODE:
        return this.setMode(vc, mem.read(arg, 8));
      case VT_GETSTATE:
        return this.getState(mem, arg);
      case VT_ACTIVATE:
        return this.activate(arg);
      case VT_WAITACTIVE:
        checkConsoleNr(arg);
        check(arg === this.foreground, 'EAGAIN', `console ${arg} is not active (the wait would block)`);
        return 0;
      case VT_RELDISP:
        check(vc.mode[0] === VT_PROCESS && arg === VT_ACKACQ, 'EINVAL', 'no switch pending');
        return 0;
      case VT_DISALLOCATE:
        return this.disallocate(arg);
      case VT_LOCKSWITCH:
      case VT_UNLOCKSWITCH:
        this.switchLocked = cmd === VT_LOCKSWITCH;
        return 0;
      default:
        return this.kdIoctl(vc, cmd, arg, mem);
    }
  }

  /** keyboard, display-mode and termios requests (`vt_k_ioctl`, the tty layer) */
  private kdIoctl(vc: Console, cmd: number, arg: number, mem: UserMemory): number {
    switch (cmd) {
      case KDGETMODE:
        return putInt(mem, arg, vc.kdMode);
      case KDSETMODE:
        check(arg <= 3, 'EINVAL', `KD mode ${arg}`);
        vc.kdMode = arg === KD_GRAPHICS ? KD_GRAPHICS : KD_TEXT; // KD_TEXT0/1 are text
        return 0;
      case KDGKBMODE:
        return putInt(mem, arg, vc.kbMode);
      case KDSKBMODE:
        check(arg <= K_OFF, 'EINVAL', `keyboard mode ${arg}`);
        vc.kbMode = arg;
        return 0;
      case KDGKBTYPE:
        mem.write(arg, new Uint8Array([KB_101]));
        return 0;
      case KDGKBENT: {
        const entry = mem.read(arg, 4);
        const value = entry[1] !== 0 ? K_HOLE : K_NOSUCHMAP; // an empty keymap
        mem.write(arg + 2, new Uint8Array([value & 0xff, value >> 8]));
        return 0;
      }
      case KDSKBENT:
        mem.read(arg, 4); // accepted and dropped: there is no keyboard
        return 0;
      case TCGETS:
        mem.write(arg, vc.termios);
        return 0;
      case TCSETS:
      case TCSETSW:
      case TCSETSF:
        vc.termios = mem.read(arg, TERMIOS_SIZE);
        return 0;
      default:
        throw new KernelError('ENOTTY', `unknown tty ioctl 0x${cmd.toString(16)}`);
    }
  }

  private setMode(vc: Console, mode: Uint8Array): number {
    check(mode[0] === VT_AUTO || mode[0] === VT_PROCESS, 'EINVAL', `vt mode ${mode[0]}`);
    vc.mode = mode.slice();
    vc.mode.fill(0, 6, 8); // frsig is unused and cleared
    return 0;
  }

  /**
   * struct vt_stat: v_active and v_state are written, v_signal is left as it was; bit 0 of
   * v_state is /dev/tty0 (always open), bit n console n when it is open.
   */
  private getState(mem: UserMemory, arg: number): number {
    let state = 1;
    for (let i = 0; i < 15; i++) if (this.consoles[i].opens > 0) state |= 2 << i;
    mem.write(arg, new Uint8Array([this.foreground & 0xff, this.foreground >> 8]));
    mem.write(arg + 4, new Uint8Array([state & 0xff, state >> 8]));
    return 0;
  }

  private activate(nr: number): number {
    checkConsoleNr(nr);
    if (!this.switchLocked) this.foreground = nr;
    return 0;
  }

  private disallocate(nr: number): number {
    if (nr === 0) return 0;
    checkConsoleNr(nr);
    check(nr !== this.foreground && this.consoles[nr - 1].opens === 0, 'EBUSY', `console ${nr} is in use`);
    return 0;
  }

  private firstFree(): number {
    const free = this.consoles.findIndex((c) => c.opens === 0);
    return free < 0 ? -1 : free + 1;
  }
}

function checkConsoleNr(nr: number): void {
  check(nr >= 1 && nr <= MAX_NR_CONSOLES, 'ENXIO', `console ${nr}`);
}

function putInt(mem: UserMemory, addr: number, value: number): number {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  mem.write(addr, bytes);
  return 0;
}
