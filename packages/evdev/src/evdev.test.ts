import { FakeUserMemory } from '@fbemu/chrdev/test-support';
import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { KeyboardInput, keyboardOptions, PointerInput, tabletOptions } from './devices.js';
import { EvdevRegistry } from './registry.js';
import { FakeFile, testClock } from './test-support.js';
import type { EvdevHandle } from './tokens.js';
import * as U from './uapi.js';

function expectErrno(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(isKernelError(e), String(e)).to.equal(true);
    expect((e as { code: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

const events = (file: FakeFile) => file.take().map((r) => U.decodeEvent(r));
const tv = (e: U.DecodedEvent) => [e.type, e.code, e.value];

describe('evdev /dev/input/eventN', () => {
  let now = 0;
  let registry: EvdevRegistry;
  let kbd: EvdevHandle;
  let tab: EvdevHandle;
  let mem: FakeUserMemory;

  function open(h: EvdevHandle, capacity?: number): FakeFile {
    const f = new FakeFile(h.chrdev.minor, capacity);
    h.chrdev.fops.open?.(f);
    return f;
  }
  const ioctl = (h: EvdevHandle, f: FakeFile, cmd: number, arg: number) =>
    h.chrdev.fops.ioctl?.(f, cmd, arg, mem);

  beforeEach(() => {
    now = 1000;
    registry = new EvdevRegistry(testClock(() => now));
    kbd = registry.register(keyboardOptions());
    tab = registry.register(tabletOptions(640, 480));
    mem = new FakeUserMemory(0xaa);
  });

  it('numbers nodes event0, event1 as 13:64, 13:65 and reuses a freed number', () => {
    expect([kbd.chrdev.path, kbd.chrdev.major, kbd.chrdev.minor]).to.deep.equal([
      '/dev/input/event0',
      13,
      64,
    ]);
    expect([tab.chrdev.path, tab.chrdev.minor]).to.deep.equal(['/dev/input/event1', 65]);
    registry.unregister(kbd);
    expect(registry.register(keyboardOptions('again')).chrdev.path).to.equal('/dev/input/event0');
    expectErrno(
      () =>
        registry.register({
          ...keyboardOptions(),
          id: { bustype: 0x10000, vendor: 0, product: 0, version: 0 },
        }),
      'EINVAL',
    );
    expectErrno(() => registry.register({ ...keyboardOptions(), name: 'a\0b' }), 'EINVAL');
    expect(registry.devices).to.have.length(2);
    for (let i = 2; i < 32; i++) registry.register(keyboardOptions());
    expectErrno(() => registry.register(keyboardOptions()), 'ENOSPC');
  });

  describe('ioctls', () => {
    it('EVIOCGVERSION and EVIOCGID write the version and struct input_id', () => {
      const f = open(kbd);
      const a = mem.alloc(8);
      expect(ioctl(kbd, f, U.EVIOCGVERSION, a)).to.equal(0);
      expect(U.decodeInt(mem.read(a, 4))).to.equal(0x10001);
      expect(ioctl(kbd, f, U.EVIOCGID, a)).to.equal(0);
      expect([...mem.read(a, 8)]).to.deep.equal([6, 0, 0, 0, 1, 0, 1, 0]);
    });

    it('EVIOCGNAME(len) copies min(len, strlen + 1) and returns the count', () => {
      const f = open(kbd);
      const a = mem.alloc(64);
      expect(ioctl(kbd, f, U.EVIOCGNAME(64), a)).to.equal('fbemu keyboard'.length + 1);
      expect(new TextDecoder().decode(mem.read(a, 15))).to.equal('fbemu keyboard\0');
      const b = mem.alloc(64);
      expect(ioctl(kbd, f, U.EVIOCGNAME(5), b)).to.equal(5);
      expect([...mem.read(b, 6)]).to.deep.equal([...new TextEncoder().encode('fbemu'), 0xaa]);
      expect(ioctl(kbd, f, U.EVIOCGNAME(0), b)).to.equal(0);
    });

    it('EVIOCGPHYS gives phys, EVIOCGUNIQ of a device without one is ENOENT', () => {
      const f = open(kbd);
      const a = mem.alloc(64);
      expect(ioctl(kbd, f, U.EVIOCGPHYS(64), a)).to.equal('fbemu/input0'.length + 1);
      expectErrno(() => ioctl(kbd, f, U.EVIOCGUNIQ(64), a), 'ENOENT');
    });

    it('EVIOCGBIT(0) lists the event types; EV_KEY/EV_REL/EV_ABS the codes; min(len, bitmap) bytes', () => {
      const f = open(tab);
      const a = mem.alloc(128);
      expect(ioctl(tab, f, U.EVIOCGBIT(0, 128), a)).to.equal(8);
      expect(mem.read(a, 1)[0]).to.equal(
        (1 << U.EV_SYN) | (1 << U.EV_KEY) | (1 << U.EV_REL) | (1 << U.EV_ABS),
      );
      expect(ioctl(tab, f, U.EVIOCGBIT(U.EV_KEY, 128), a)).to.equal(96);
      const keys = mem.read(a, 96);
      expect(keys[0x110 >> 3]).to.equal(0b111); // BTN_LEFT, RIGHT, MIDDLE = 0x110..0x112
      expect(keys.reduce((n, b) => n + (b.toString(2).match(/1/g)?.length ?? 0), 0)).to.equal(3);
      expect(ioctl(tab, f, U.EVIOCGBIT(U.EV_REL, 128), a)).to.equal(8);
      expect(mem.read(a, 2)).to.deep.equal(new Uint8Array([1 << U.REL_HWHEEL, 1 << (U.REL_WHEEL - 8)]));
      expect(ioctl(tab, f, U.EVIOCGBIT(U.EV_ABS, 1), a)).to.equal(1);
      expect(mem.read(a, 2)).to.deep.equal(new Uint8Array([0b11, 1])); // byte 1 untouched: still REL's
      expect(ioctl(tab, f, U.EVIOCGBIT(U.EV_MSC, 8), a)).to.equal(8);
      expect(mem.read(a, 8).every((b) => b === 0)).to.equal(true);
    });

    it('EVIOCGBIT of EV_REP or an unknown type is EINVAL', () => {
      const f = open(kbd);
      const a = mem.alloc(8);
      expectErrno(() => ioctl(kbd, f, U.EVIOCGBIT(U.EV_REP, 8), a), 'EINVAL');
      expectErrno(() => ioctl(kbd, f, U.EVIOCGBIT(0x1e, 8), a), 'EINVAL');
    });

    it('the keyboard reports EV_REP, every keysym key, and key state in EVIOCGKEY', () => {
      const f = open(kbd);
      const a = mem.alloc(96);
      ioctl(kbd, f, U.EVIOCGBIT(0, 8), a);
      expect(mem.read(a, 4)).to.deep.equal(new Uint8Array([0x03, 0, 0x10, 0])); // SYN, KEY; REP = bit 20
      ioctl(kbd, f, U.EVIOCGBIT(U.EV_KEY, 96), a);
      const bits = mem.read(a, 96);
      for (const k of [U.KEY.KEY_A, U.KEY.KEY_F12, U.KEY.KEY_LEFTMETA, U.KEY.KEY_KPENTER])
        expect(bits[k >> 3] & (1 << (k & 7)), `key ${k}`).to.not.equal(0);
      new KeyboardInput(kbd.input).key(0x61, true);
      expect(ioctl(kbd, f, U.EVIOCGKEY(96), a)).to.equal(96);
      const state = mem.read(a, 96);
      expect(state[U.KEY.KEY_A >> 3]).to.equal(1 << (U.KEY.KEY_A & 7));
      expect(state.reduce((n, b) => n + b, 0)).to.equal(1 << (U.KEY.KEY_A & 7));
    });

    it('EVIOCGLED/GSW/GSND/GPROP copy their bitmaps; the tablet is INPUT_PROP_POINTER', () => {
      const f = open(tab);
      const a = mem.alloc(8);
      expect(ioctl(tab, f, U.EVIOCGPROP(8), a)).to.equal(8);
      expect(mem.read(a, 8)).to.deep.equal(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
      for (const cmd of [U.EVIOCGLED(8), U.EVIOCGSW(8), U.EVIOCGSND(8)]) {
        expect(ioctl(tab, f, cmd, a)).to.equal(8);
        expect(mem.read(a, 8).every((b) => b === 0)).to.equal(true);
      }
    });

    it('EVIOCGABS gives the axis range 0…width-1 and the current value; short sizes copy less', () => {
      const f = open(tab);
      new PointerInput(tab.input).pointer(17, 33, 0);
      const a = mem.alloc(24);
      expect(ioctl(tab, f, U.EVIOCGABS(U.ABS_X), a)).to.equal(0);
      expect(U.decodeAbsInfo(mem.read(a, 24))).to.deep.equal({
        value: 17,
        minimum: 0,
        maximum: 639,
        fuzz: 0,
        flat: 0,
        resolution: 0,
      });
      const b = mem.alloc(24);
      expect(ioctl(tab, f, U.ioc(U.IOC_READ, 0x45, 0x40 + U.ABS_Y, 8), b)).to.equal(0);
      expect([...mem.read(b, 12)]).to.deep.equal([33, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xaa, 0xaa, 0xaa]);
      expectErrno(() => ioctl(kbd, open(kbd), U.EVIOCGABS(U.ABS_X), a), 'EINVAL');
    });

    it('EVIOCSABS sets an axis; ABS_MT_SLOT and devices without axes are EINVAL', () => {
      const f = open(tab);
      const abs = { value: 5, minimum: 1, maximum: 99, fuzz: 2, flat: 3, resolution: 4 };
      expect(ioctl(tab, f, U.EVIOCSABS(U.ABS_Y), mem.put(U.encodeAbsInfo(abs)))).to.equal(0);
      expect(tab.input.absinfo?.[U.ABS_Y]).to.deep.equal(abs);
      const short = U.ioc(U.IOC_WRITE, 0x45, 0xc0 + U.ABS_X, 20);
      expect(ioctl(tab, f, short, mem.put(U.encodeAbsInfo(abs)))).to.equal(0);
      expect(tab.input.absinfo?.[U.ABS_X].resolution).to.equal(0);
      expectErrno(() => ioctl(tab, f, U.EVIOCSABS(0x2f), mem.put(U.encodeAbsInfo(abs))), 'EINVAL');
      expectErrno(() => ioctl(kbd, open(kbd), U.EVIOCSABS(0), mem.put(U.encodeAbsInfo(abs))), 'EINVAL');
    });

    it('EVIOCGREP/EVIOCSREP on the keyboard; ENOSYS on the tablet', () => {
      const f = open(kbd);
      const a = mem.alloc(8);
      expect(ioctl(kbd, f, U.EVIOCGREP, a)).to.equal(0);
      expect([U.decodeInt(mem.read(a, 4)), U.decodeInt(mem.read(a + 4, 4))]).to.deep.equal([250, 33]);
      const b = mem.put(new Uint8Array([...U.encodeInt(500), ...U.encodeInt(20)]));
      expect(ioctl(kbd, f, U.EVIOCSREP, b)).to.equal(0);
      expect(kbd.input.rep).to.deep.equal([500, 20]);
      expectErrno(() => ioctl(tab, open(tab), U.EVIOCGREP, a), 'ENOSYS');
      expectErrno(() => ioctl(tab, open(tab), U.EVIOCSREP, b), 'ENOSYS');
    });

    it('every pointer is EFAULT-checked: unmapped or read-only, nothing written', () => {
      const f = open(tab);
      const ro = mem.alloc(256, false);
      const cmds = [
        U.EVIOCGVERSION,
        U.EVIOCGID,
        U.EVIOCGNAME(256),
        U.EVIOCGPHYS(256),
        U.EVIOCGPROP(8),
        U.EVIOCGKEY(96),
        U.EVIOCGLED(8),
        U.EVIOCGSW(8),
        U.EVIOCGBIT(0, 8),
        U.EVIOCGBIT(U.EV_KEY, 96),
        U.EVIOCGABS(0),
      ];
      for (const cmd of cmds) {
        expectErrno(() => ioctl(tab, f, cmd, 0x8), 'EFAULT');
        expectErrno(() => ioctl(tab, f, cmd, ro), 'EFAULT');
      }
      expect(mem.read(ro, 256).every((b) => b === 0xaa)).to.equal(true);
      const before = { ...tab.input.absinfo?.[0] };
      for (const cmd of [U.EVIOCSABS(0), U.EVIOCSCLOCKID])
        expectErrno(() => ioctl(tab, f, cmd, 0x8), 'EFAULT');
      expectErrno(() => ioctl(kbd, open(kbd), U.EVIOCSREP, 0x8), 'EFAULT');
      expectErrno(() => ioctl(kbd, open(kbd), U.EVIOCGREP, 0x8), 'EFAULT');
      expect(tab.input.absinfo?.[0]).to.deep.equal(before);
    });

    it('unknown requests are EINVAL: other types, wrong sizes of fixed requests, other directions', () => {
      const f = open(kbd);
      const a = mem.alloc(64);
      for (const cmd of [
        0x5401 /* TCGETS */,
        U.ioc(U.IOC_READ, 0x45, 0x01, 8),
        U.ioc(U.IOC_WRITE, 0x45, 0x20, 8),
        U.ioc(U.IOC_READ, 0x46, 0x06, 8),
        U.ioc(U.IOC_NONE, 0x45, 0x99, 0),
      ])
        expectErrno(() => ioctl(kbd, f, cmd, a), 'EINVAL');
    });

    it('EVIOCSCLOCKID takes REALTIME, MONOTONIC, BOOTTIME; others EINVAL', () => {
      const f = open(kbd);
      for (const id of [0, 1, 7])
        expect(ioctl(kbd, f, U.EVIOCSCLOCKID, mem.put(U.encodeInt(id)))).to.equal(0);
      for (const id of [2, 4, -1])
        expectErrno(() => ioctl(kbd, f, U.EVIOCSCLOCKID, mem.put(U.encodeInt(id))), 'EINVAL');
    });
  });

  describe('events', () => {
    it('a key press is EV_KEY + SYN_REPORT, stamped with the realtime clock by default', () => {
      const f = open(kbd);
      now = 2500.25;
      new KeyboardInput(kbd.input).key(0x41, true);
      const evs = events(f);
      expect(evs.map(tv)).to.deep.equal([
        [U.EV_KEY, U.KEY.KEY_A, 1],
        [U.EV_SYN, U.SYN_REPORT, 0],
      ]);
      expect(evs.map((e) => [e.sec, e.usec])).to.deep.equal([
        [1_700_000_002, 500_250],
        [1_700_000_002, 500_250],
      ]);
    });

    it('EVIOCSCLOCKID(MONOTONIC) stamps that file with the monotonic clock only', () => {
      const [a, b] = [open(kbd), open(kbd)];
      ioctl(kbd, a, U.EVIOCSCLOCKID, mem.put(U.encodeInt(U.CLOCK_MONOTONIC)));
      new KeyboardInput(kbd.input).key(0x20, true);
      expect(events(a)[0].sec).to.equal(1_700_000_001 - 1000);
      expect(events(b)[0].sec).to.equal(1_700_000_001);
    });

    it('a repeated press is value 2, a release 0, an unknown keysym nothing', () => {
      const f = open(kbd);
      const k = new KeyboardInput(kbd.input);
      k.key(0xff0d, true);
      k.key(0xff0d, true);
      k.key(0xff0d, false);
      k.key(0xff0d, false);
      k.key(0x12345, true);
      expect(events(f).map(tv)).to.deep.equal([
        [U.EV_KEY, U.KEY.KEY_ENTER, 1],
        [U.EV_SYN, 0, 0],
        [U.EV_KEY, U.KEY.KEY_ENTER, 2],
        [U.EV_SYN, 0, 0],
        [U.EV_KEY, U.KEY.KEY_ENTER, 0],
        [U.EV_SYN, 0, 0],
      ]);
    });

    it('pointer: position, button changes and wheel detents in one frame; unchanged axes are filtered', () => {
      const f = open(tab);
      const p = new PointerInput(tab.input);
      p.pointer(10, 20, 0);
      p.pointer(10, 21, 1 | 4);
      p.pointer(10, 21, 4 | 8);
      p.pointer(10, 21, 16);
      p.pointer(10, 21, 16);
      expect(events(f).map(tv)).to.deep.equal([
        [U.EV_ABS, U.ABS_X, 10],
        [U.EV_ABS, U.ABS_Y, 20],
        [U.EV_SYN, 0, 0],
        [U.EV_ABS, U.ABS_Y, 21],
        [U.EV_KEY, U.KEY.BTN_LEFT, 1],
        [U.EV_KEY, U.KEY.BTN_RIGHT, 1],
        [U.EV_SYN, 0, 0],
        [U.EV_KEY, U.KEY.BTN_LEFT, 0],
        [U.EV_REL, U.REL_WHEEL, 1],
        [U.EV_SYN, 0, 0],
        [U.EV_KEY, U.KEY.BTN_RIGHT, 0],
        [U.EV_REL, U.REL_WHEEL, -1],
        [U.EV_SYN, 0, 0],
      ]);
    });

    it('a full queue cuts the frame; the next frame that fits starts with SYN_DROPPED', () => {
      const f = open(kbd, 3);
      const other = open(kbd);
      const k = new KeyboardInput(kbd.input);
      k.key(0x61, true);
      k.key(0x62, true); // only KEY_B fits: no SYN_REPORT
      expect(kbd.overflows).to.equal(1);
      k.key(0x63, true); // nothing fits: still owed
      expect(events(f).map(tv)).to.deep.equal([
        [U.EV_KEY, U.KEY.KEY_A, 1],
        [U.EV_SYN, 0, 0],
        [U.EV_KEY, U.KEY.KEY_B, 1],
      ]);
      k.key(0x64, true);
      expect(events(f).map(tv)).to.deep.equal([
        [U.EV_SYN, U.SYN_DROPPED, 0],
        [U.EV_KEY, U.KEY.KEY_D, 1],
        [U.EV_SYN, 0, 0],
      ]);
      expect(events(other)).to.have.length(8); // the other file lost nothing
    });

    it('EVIOCGRAB: only the grabbing file gets events; a second grab EBUSY, ungrab by another EINVAL; release ungrabs', () => {
      const [a, b] = [open(kbd), open(kbd)];
      expect(ioctl(kbd, a, U.EVIOCGRAB, 1)).to.equal(0);
      expectErrno(() => ioctl(kbd, b, U.EVIOCGRAB, 1), 'EBUSY');
      expectErrno(() => ioctl(kbd, b, U.EVIOCGRAB, 0), 'EINVAL');
      const k = new KeyboardInput(kbd.input);
      k.key(0x61, true);
      expect([events(a).length, events(b).length]).to.deep.equal([2, 0]);
      kbd.chrdev.fops.release?.(a);
      k.key(0x61, false);
      expect(events(b).length).to.equal(2);
    });

    it('EVIOCREVOKE: the file gets nothing more and its ioctls are ENODEV; EVIOCREVOKE(1) is EINVAL', () => {
      const f = open(kbd);
      expectErrno(() => ioctl(kbd, f, U.EVIOCREVOKE, 1), 'EINVAL');
      expect(ioctl(kbd, f, U.EVIOCREVOKE, 0)).to.equal(0);
      new KeyboardInput(kbd.input).key(0x61, true);
      expect(f.records).to.have.length(0);
      expectErrno(() => ioctl(kbd, f, U.EVIOCGVERSION, mem.alloc(4)), 'ENODEV');
    });

    it('write(2) injects whole events (LED state, keys); short writes EINVAL; a fault stops it', () => {
      const f = open(kbd);
      const write = (buf: number, n: number) => kbd.chrdev.fops.write?.(f, buf, n, f.fpos, mem);
      const two = new Uint8Array([
        ...U.encodeEvent(0, 0, U.EV_KEY, U.KEY.KEY_Q, 1),
        ...U.encodeEvent(0, 0, U.EV_SYN, 0, 0),
      ]);
      expect(write(mem.put(two), 48 + 10)).to.equal(48);
      expect(events(f).map(tv)).to.deep.equal([
        [U.EV_KEY, U.KEY.KEY_Q, 1],
        [U.EV_SYN, 0, 0],
      ]);
      expectErrno(() => write(mem.put(two), 23), 'EINVAL');
      expect(write(mem.put(two), 0)).to.equal(0);
      expectErrno(() => write(0x8, 24), 'EFAULT');
    });

    it('an unregistered device: open is ENODEV, open files answer ENODEV', () => {
      const f = open(kbd);
      registry.unregister(kbd);
      expectErrno(() => ioctl(kbd, f, U.EVIOCGVERSION, mem.alloc(4)), 'ENODEV');
      expectErrno(() => kbd.chrdev.fops.open?.(new FakeFile()), 'ENODEV');
    });
  });
});
