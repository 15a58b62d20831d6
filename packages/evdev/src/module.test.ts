import { expect } from 'chai';
import { Container } from 'inversify';
import { keyboardOptions, PointerInput, tabletOptions } from './devices.js';
import { evdevModule } from './module.js';
import { EVDEV_REGISTRY, type EvdevRegistryApi, INPUT_CLOCK, type InputFrame } from './tokens.js';
import { ABS_X, ABS_Y } from './uapi.js';

describe('evdevModule', () => {
  it('binds one registry that stamps frames with the bound INPUT_CLOCK', () => {
    const c = new Container();
    c.bind(INPUT_CLOCK).toConstantValue({ now: (id: number) => BigInt(id) * 1_000_000_000n + 5n });
    c.load(evdevModule);
    const registry = c.get<EvdevRegistryApi>(EVDEV_REGISTRY);
    expect(c.get(EVDEV_REGISTRY)).to.equal(registry);
    const tab = registry.register(tabletOptions(8, 8));
    const frames: InputFrame[] = [];
    tab.input.frames$.subscribe((f) => frames.push(f));
    new PointerInput(tab.input).pointer(3, 4, 0);
    expect(frames[0].time).to.deep.equal({ real: 5n, mono: 1_000_000_005n, boot: 7_000_000_005n });
  });

  it('without INPUT_CLOCK: the system clocks (realtime near Date.now, monotonic from hrtime)', () => {
    const c = new Container();
    c.load(evdevModule);
    const kbd = c.get<EvdevRegistryApi>(EVDEV_REGISTRY).register(keyboardOptions());
    const frames: InputFrame[] = [];
    kbd.input.frames$.subscribe((f) => frames.push(f));
    const before = [BigInt(Date.now()) * 1_000_000n, process.hrtime.bigint()];
    kbd.input.event(1, 30, 1);
    kbd.input.event(0, 0, 0);
    const after = [BigInt(Date.now()) * 1_000_000n, process.hrtime.bigint()];
    const { real, mono } = frames[0].time;
    expect(real >= before[0] && real <= after[0]).to.equal(true);
    expect(mono >= before[1] && mono <= after[1]).to.equal(true);
  });

  it('PointerInput.resize moves the axis maxima; bad sizes EINVAL and change nothing', () => {
    const c = new Container();
    c.load(evdevModule);
    const tab = c.get<EvdevRegistryApi>(EVDEV_REGISTRY).register(tabletOptions(640, 480));
    const p = new PointerInput(tab.input);
    p.resize(1024, 768);
    expect([tab.input.absinfo?.[ABS_X].maximum, tab.input.absinfo?.[ABS_Y].maximum]).to.deep.equal([
      1023, 767,
    ]);
    expect(() => p.resize(0, 10)).to.throw(/tablet size/);
    expect(() => p.resize(10.5, 10)).to.throw(/tablet size/);
    expect(tab.input.absinfo?.[ABS_X].maximum).to.equal(1023);
  });
});
