import { check } from '@fbemu/gem-shmem';
import { inject, injectable, optional } from 'inversify';
import { EVDEV_MINORS, EvdevNode } from './evdev.js';
import { InputDevice } from './input-device.js';
import {
  type EvdevHandle,
  type EvdevRegistryApi,
  INPUT_CLOCK,
  type InputClock,
  type InputDeviceOptions,
} from './tokens.js';
import { CLOCK_REALTIME } from './uapi.js';

/**
 * The system clocks: CLOCK_REALTIME from Date.now (ms resolution), CLOCK_MONOTONIC from
 * process.hrtime (the same clock a program's clock_gettime(CLOCK_MONOTONIC) reads on Linux), and
 * CLOCK_BOOTTIME as CLOCK_MONOTONIC (they differ only by time spent suspended).
 */
export const systemClock: InputClock = {
  now: (clockId) => (clockId === CLOCK_REALTIME ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint()),
};

/** Numbers input devices as /dev/input/event0…31 (input_register_device → evdev_connect). */
@injectable()
export class EvdevRegistry implements EvdevRegistryApi {
  private readonly nodes: (EvdevNode | undefined)[] = [];
  private readonly clock: InputClock;

  constructor(@inject(INPUT_CLOCK) @optional() clock?: InputClock) {
    this.clock = clock ?? systemClock;
  }

  get devices(): readonly EvdevHandle[] {
    return this.nodes.filter((n): n is EvdevNode => n !== undefined);
  }

  register(options: InputDeviceOptions): EvdevHandle {
    let index = 0;
    while (index < EVDEV_MINORS && this.nodes[index] !== undefined) index++;
    check(index < EVDEV_MINORS, 'ENOSPC', 'all 32 evdev minors are taken');
    const node = new EvdevNode(new InputDevice(options, this.clock), index);
    this.nodes[index] = node;
    return node;
  }

  unregister(handle: EvdevHandle): void {
    const index = this.nodes.indexOf(handle as EvdevNode);
    check(index >= 0, 'ENOENT', 'not a registered input device');
    this.nodes[index] = undefined;
    handle.input.unregister();
  }
}
