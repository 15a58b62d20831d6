import { FakeUserMemory } from '@fbemu/chrdev/test-support';
import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { KeyboardInput, keyboardOptions, PointerInput, tabletOptions } from './devices.js';
import { EvdevRegistry } from './registry.js';
import { FakeFile } from './test-support.js';
import { ABS_X, ABS_Y, decodeEvent, EV_ABS, EV_KEY, EV_SYN, EVIOCGKEY, SYN_REPORT } from './uapi.js';

describe('evdev properties', () => {
  it('a reader replaying the delivered events ends with the device state; every frame ends in SYN_REPORT', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('key' as const),
              keysym: fc.constantFrom(0x61, 0x62, 0x41, 0xff0d, 0xffe1, 0x12345),
              down: fc.boolean(),
            }),
            fc.record({
              kind: fc.constant('ptr' as const),
              x: fc.integer({ min: 0, max: 63 }),
              y: fc.integer({ min: 0, max: 47 }),
              mask: fc.integer({ min: 0, max: 127 }),
            }),
          ),
          { maxLength: 60 },
        ),
        (steps) => {
          const reg = new EvdevRegistry({ now: () => 0n });
          const kbd = reg.register(keyboardOptions());
          const tab = reg.register(tabletOptions(64, 48));
          const [kf, tf] = [new FakeFile(), new FakeFile()];
          kbd.chrdev.fops.open?.(kf);
          tab.chrdev.fops.open?.(tf);
          const k = new KeyboardInput(kbd.input);
          const p = new PointerInput(tab.input);
          for (const s of steps) s.kind === 'key' ? k.key(s.keysym, s.down) : p.pointer(s.x, s.y, s.mask);
          const keys = new Set<number>();
          const axes = [0, 0];
          for (const f of [kf, tf]) {
            const evs = f.take().map((r) => decodeEvent(r));
            if (evs.length > 0) expect(evs.at(-1)).to.include({ type: EV_SYN, code: SYN_REPORT });
            for (const e of evs) {
              if (e.type === EV_KEY && e.value !== 2) e.value ? keys.add(e.code) : keys.delete(e.code);
              if (e.type === EV_ABS) axes[e.code] = e.value;
            }
          }
          expect([...keys].sort()).to.deep.equal([...kbd.input.key.bits(), ...tab.input.key.bits()].sort());
          expect(axes).to.deep.equal([tab.input.absinfo?.[ABS_X].value, tab.input.absinfo?.[ABS_Y].value]);
          const mem = new FakeUserMemory(0xaa);
          const a = mem.alloc(96);
          kbd.chrdev.fops.ioctl?.(kf, EVIOCGKEY(96), a, mem);
          expect(mem.read(a, 96)).to.deep.equal(kbd.input.key.bytes);
        },
      ),
    );
  });

  it('any ioctl number and argument: a KernelError or an answer, never a crash; a refused call changes nothing', () => {
    const reg = new EvdevRegistry({ now: () => 0n });
    const tab = reg.register(tabletOptions(64, 48));
    const f = new FakeFile();
    tab.chrdev.fops.open?.(f);
    const mem = new FakeUserMemory(0xaa);
    const buf = mem.alloc(4096);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 0xffffffff }),
          fc
            .integer({ min: 0, max: 0xffff })
            .map((n) => ((0x45 << 8) | (n & 0xff) | ((n >> 8) << 30) | (((n * 7) & 0x3fff) << 16)) >>> 0),
        ),
        fc.constantFrom(0, 8, buf, buf + 4090),
        (cmd, arg) => {
          const before = JSON.stringify(tab.input.absinfo);
          try {
            const r = tab.chrdev.fops.ioctl?.(f, cmd, arg, mem);
            expect(r).to.be.a('number');
          } catch (e) {
            expect(isKernelError(e), String(e)).to.equal(true);
            expect(JSON.stringify(tab.input.absinfo)).to.equal(before);
          }
          if (tab.input.absinfo?.[ABS_Y] === undefined) throw new Error('absinfo lost');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
