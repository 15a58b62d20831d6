/**
 * The evdev package's contract: input devices (struct input_dev) fed by the compositor, served to
 * programs as /dev/input/eventN character devices (drivers/input/evdev.c).
 */
import type { CharDevice } from '@fbemu/chrdev';
import type { AbsInfo, InputId } from './uapi.js';

/** One value of a frame: struct input_event without its time. */
export interface InputValue {
  readonly type: number;
  readonly code: number;
  readonly value: number;
}

/** Event times of one frame in nanoseconds, on the three clocks EVIOCSCLOCKID selects. */
export interface FrameTime {
  readonly real: bigint;
  readonly mono: bigint;
  readonly boot: bigint;
}

/** The values between two SYN_REPORTs (the SYN_REPORT included, last), all stamped with one time. */
export interface InputFrame {
  readonly time: FrameTime;
  readonly values: readonly InputValue[];
}

/** ktime for event timestamps: nanoseconds on clock CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME. */
export interface InputClock {
  now(clockId: number): bigint;
}

/** What an input device reports (input_set_capability, input_set_abs_params, props, id). */
export interface InputDeviceOptions {
  readonly name: string;
  readonly phys?: string;
  readonly uniq?: string;
  readonly id: InputId;
  /** codes by event type (EV_KEY, EV_REL, EV_MSC, EV_LED, EV_SW …) */
  readonly codes?: Readonly<Record<number, readonly number[]>>;
  /** axes with their ranges (EV_ABS) */
  readonly abs?: ReadonlyMap<number, AbsInfo>;
  /** INPUT_PROP_* bits */
  readonly props?: readonly number[];
  /** EV_REP with [delay, period] in ms */
  readonly rep?: readonly [number, number];
}

/** A registered /dev/input/eventN: the device and its character device for the front door. */
export interface EvdevHandle {
  /** the device the compositor feeds (input_event + SYN_REPORT) */
  readonly input: import('./input-device.js').InputDevice;
  /** /dev/input/eventN, major 13, minor 64 + N */
  readonly chrdev: CharDevice;
  /** open files of the node (clients) */
  readonly clients: number;
  /** frames dropped for clients whose queue was full (each one made a SYN_DROPPED) */
  readonly overflows: number;
}

/** Creates and numbers /dev/input/eventN nodes (input_register_device + evdev_connect). */
export interface EvdevRegistryApi {
  /** Registers a device as the next free eventN (EVDEV_MINORS = 32: ENOSPC past event31). */
  register(options: InputDeviceOptions): EvdevHandle;
  /** Unregisters it: its frames end, clients keep their files (ioctls answer ENODEV). */
  unregister(handle: EvdevHandle): void;
  readonly devices: readonly EvdevHandle[];
}

/** Token of the EvdevRegistryApi. */
export const EVDEV_REGISTRY: unique symbol = Symbol.for('fbemu.EvdevRegistry');
/** Token of the InputClock (optional: the system clocks when unbound). */
export const INPUT_CLOCK: unique symbol = Symbol.for('fbemu.InputClock');
