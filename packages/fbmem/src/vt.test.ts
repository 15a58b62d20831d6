import type { CharDevice } from '@fbemu/chrdev';
import { FakeUserMemory } from '@fbemu/chrdev/test-support';
import { expect } from 'chai';
import { errnoOf, openFile } from './test-support.js';
import {
  FakeVt,
  KD_GRAPHICS,
  KD_TEXT,
  KDGETMODE,
  KDGKBENT,
  KDGKBMODE,
  KDGKBTYPE,
  KDSETMODE,
  KDSKBMODE,
  TCGETS,
  TCSETS,
  TERMIOS_SIZE,
  VT_ACKACQ,
  VT_ACTIVATE,
  VT_AUTO,
  VT_DISALLOCATE,
  VT_GETMODE,
  VT_GETSTATE,
  VT_LOCKSWITCH,
  VT_OPENQRY,
  VT_PROCESS,
  VT_RELDISP,
  VT_SETMODE,
  VT_UNLOCKSWITCH,
  VT_WAITACTIVE,
} from './vt.js';

function setup() {
  const vt = new FakeVt();
  const devices = vt.devices();
  const mem = new FakeUserMemory();
  const open = (minor: number) => {
    const dev = devices[minor] as CharDevice;
    const file = openFile(dev);
    return (cmd: number, arg: number) => dev.fops.ioctl!(file, cmd, arg, mem);
  };
  const int = (addr: number) => new DataView(mem.read(addr, 4).buffer).getInt32(0, true);
  return { vt, devices, mem, open, int };
}

describe('fake virtual terminals (vt_ioctl for fbi, fim, SDL 1.2)', () => {
  it('offers /dev/tty0…/dev/tty63 as major 4', () => {
    const { devices } = setup();
    expect(devices).to.have.length(64);
    expect([devices[0].path, devices[63].path, devices[1].major]).to.deep.equal([
      '/dev/tty0',
      '/dev/tty63',
      4,
    ]);
  });

  it("answers fbi's sequence: GETSTATE, ACTIVATE, WAITACTIVE, SETMODE VT_PROCESS, KDSETMODE graphics, termios", () => {
    const { vt, mem, open, int } = setup();
    const tty = open(2);
    const stat = mem.alloc(6);
    mem.write(stat, new Uint8Array([0, 0, 0xee, 0xee, 0, 0]));
    tty(VT_GETSTATE, stat);
    expect([...mem.read(stat, 6)]).to.deep.equal([1, 0, 0xee, 0xee, 0b101, 0]); // v_signal untouched
    expect(tty(VT_ACTIVATE, 2)).to.equal(0);
    expect(tty(VT_WAITACTIVE, 2)).to.equal(0);
    expect(vt.active).to.equal(2);
    const mode = mem.put(new Uint8Array([VT_PROCESS, 0, 10, 0, 12, 0, 9, 0]));
    tty(VT_SETMODE, mode);
    const back = mem.alloc(8);
    tty(VT_GETMODE, back);
    expect([...mem.read(back, 8)]).to.deep.equal([VT_PROCESS, 0, 10, 0, 12, 0, 0, 0]); // frsig cleared
    expect(tty(VT_RELDISP, VT_ACKACQ)).to.equal(0);
    const kd = mem.alloc(4);
    tty(KDGETMODE, kd);
    expect(int(kd)).to.equal(KD_TEXT);
    tty(KDSETMODE, KD_GRAPHICS);
    expect(vt.kdMode(2)).to.equal(KD_GRAPHICS);
    const termios = mem.alloc(TERMIOS_SIZE);
    tty(TCGETS, termios);
    const raw = mem.read(termios, TERMIOS_SIZE);
    raw[12] = 0; // c_lflag: no ICANON/ECHO
    tty(TCSETS, mem.put(raw));
    tty(TCGETS, termios);
    expect(mem.read(termios, TERMIOS_SIZE)[12]).to.equal(0);
    tty(KDSETMODE, 3); // KD_TEXT1 is text
    expect(vt.kdMode(2)).to.equal(KD_TEXT);
  });

  it("answers SDL 1.2's keyboard probing: KDGKBMODE/KDSKBMODE, KDGKBTYPE, KDGKBENT, LOCK/UNLOCKSWITCH", () => {
    const { vt, mem, open, int } = setup();
    const tty = open(0);
    const arg = mem.alloc(4);
    tty(KDGKBMODE, arg);
    expect(int(arg)).to.equal(3); // K_UNICODE
    tty(KDSKBMODE, 2);
    tty(KDGKBMODE, arg);
    expect(int(arg)).to.equal(2);
    tty(KDGKBTYPE, arg);
    expect(mem.read(arg, 1)[0]).to.equal(2); // KB_101
    const entry = mem.put(new Uint8Array([0, 30, 0xff, 0xff]));
    tty(KDGKBENT, entry);
    expect([...mem.read(entry, 4)]).to.deep.equal([0, 30, 0x00, 0x02]); // K_HOLE
    tty(VT_LOCKSWITCH, 0);
    tty(VT_ACTIVATE, 5);
    expect(vt.active).to.equal(1);
    tty(VT_UNLOCKSWITCH, 0);
    tty(VT_ACTIVATE, 5);
    expect(vt.active).to.equal(5);
  });

  it('VT_OPENQRY names the first console nobody has open', () => {
    const { mem, open, int } = setup();
    open(1);
    open(2);
    const tty = open(0); // tty0 opens the foreground console (1)
    const arg = mem.alloc(4);
    tty(VT_OPENQRY, arg);
    expect(int(arg)).to.equal(3);
  });

  it('refuses bad requests like the kernel', () => {
    const { mem, open } = setup();
    const tty = open(1);
    expect(errnoOf(() => tty(VT_ACTIVATE, 0))).to.equal('ENXIO');
    expect(errnoOf(() => tty(VT_ACTIVATE, 64))).to.equal('ENXIO');
    expect(errnoOf(() => tty(VT_WAITACTIVE, 64))).to.equal('ENXIO');
    expect(errnoOf(() => tty(VT_WAITACTIVE, 3))).to.equal('EAGAIN');
    expect(errnoOf(() => tty(VT_SETMODE, mem.put(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0]))))).to.equal(
      'EINVAL',
    );
    expect(errnoOf(() => tty(VT_RELDISP, VT_ACKACQ))).to.equal('EINVAL'); // not VT_PROCESS
    expect(errnoOf(() => tty(KDSETMODE, 4))).to.equal('EINVAL');
    expect(errnoOf(() => tty(KDSKBMODE, 5))).to.equal('EINVAL');
    expect(errnoOf(() => tty(VT_DISALLOCATE, 1))).to.equal('EBUSY');
    expect(tty(VT_DISALLOCATE, 9)).to.equal(0);
    expect(errnoOf(() => tty(VT_GETMODE, 0x7000_0000))).to.equal('EFAULT');
    expect(errnoOf(() => tty(0x4b99, 0))).to.equal('ENOTTY');
    expect(tty(VT_SETMODE, mem.put(new Uint8Array([VT_AUTO, 0, 0, 0, 0, 0, 0, 0])))).to.equal(0);
  });
  it('queueInput: the bytes reach every open file of that console (tty0 files follow the foreground), as one record', () => {
    const { vt, devices } = setup();
    const got = new Map<string, number[][]>();
    const openRecording = (minor: number, name: string) => {
      const dev = devices[minor] as CharDevice;
      const file = openFile(dev);
      file.queueRead = (b) => got.set(name, [...(got.get(name) ?? []), [...b]]);
      return { dev, file };
    };
    const a = openRecording(1, 'tty1');
    openRecording(0, 'tty0'); // the foreground console, 1
    openRecording(2, 'tty2');
    vt.queueInput(new Uint8Array([0x1b, 0x5b, 0x36, 0x7e]));
    vt.queueInput(new Uint8Array([0x71]), 2);
    expect(Object.fromEntries(got)).to.deep.equal({
      tty1: [[0x1b, 0x5b, 0x36, 0x7e]],
      tty0: [[0x1b, 0x5b, 0x36, 0x7e]],
      tty2: [[0x71]],
    });
    a.dev.fops.release?.(a.file);
    vt.queueInput(new Uint8Array([0x20]), 1);
    expect(got.get('tty1')).to.have.length(1);
    expect(got.get('tty0')).to.have.length(2);
    expect(() => vt.queueInput(new Uint8Array([1]), 64)).to.throw(/no console/);
  });
});
