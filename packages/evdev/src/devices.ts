import { check } from '@fbemu/gem-shmem';
import type { InputDevice } from './input-device.js';
import { keyboardKeys, keysymToKey } from './keysym.js';
import type { InputDeviceOptions } from './tokens.js';
import {
  ABS_X,
  ABS_Y,
  BUS_VIRTUAL,
  EV_ABS,
  EV_KEY,
  EV_REL,
  EV_SYN,
  INPUT_PROP_POINTER,
  KEY,
  REL_HWHEEL,
  REL_WHEEL,
  SYN_REPORT,
} from './uapi.js';

/** A keyboard with every key an RFB keysym can be typed with, and autorepeat settings (EV_REP). */
export function keyboardOptions(name = 'fbemu keyboard'): InputDeviceOptions {
  return {
    name,
    phys: 'fbemu/input0',
    id: { bustype: BUS_VIRTUAL, vendor: 0, product: 1, version: 1 },
    codes: { [EV_KEY]: keyboardKeys() },
    rep: [250, 33],
  };
}

/**
 * An absolute pointer over a `width` x `height` framebuffer (a tablet, as QEMU's usb-tablet):
 * ABS_X 0…width-1, ABS_Y 0…height-1, the three buttons, vertical and horizontal wheel, and
 * INPUT_PROP_POINTER (an indirect device: programs draw their own cursor; SDL and Qt's
 * evdevmouse treat it as a mouse with absolute axes, libinput as a tablet-like pointer).
 */
export function tabletOptions(width: number, height: number, name = 'fbemu tablet'): InputDeviceOptions {
  check(
    Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0,
    'EINVAL',
    'tablet size',
  );
  const axis = (max: number) => ({ value: 0, minimum: 0, maximum: max, fuzz: 0, flat: 0, resolution: 0 });
  return {
    name,
    phys: 'fbemu/input1',
    id: { bustype: BUS_VIRTUAL, vendor: 0, product: 2, version: 1 },
    codes: { [EV_KEY]: [KEY.BTN_LEFT, KEY.BTN_RIGHT, KEY.BTN_MIDDLE], [EV_REL]: [REL_HWHEEL, REL_WHEEL] },
    abs: new Map([
      [ABS_X, axis(width - 1)],
      [ABS_Y, axis(height - 1)],
    ]),
    props: [INPUT_PROP_POINTER],
  };
}

/**
 * Types RFB keysyms on a keyboard device: a press of a key already down is an autorepeat
 * (value 2: viewers repeat by sending presses without releases), a keysym with no key is
 * ignored. Each call is one frame.
 */
export class KeyboardInput {
  constructor(readonly device: InputDevice) {}

  key(keysym: number, down: boolean): void {
    const code = keysymToKey(keysym);
    if (code === undefined) return;
    const value = !down ? 0 : this.device.key.has(code) ? 2 : 1;
    this.device.event(EV_KEY, code, value);
    this.device.event(EV_SYN, SYN_REPORT, 0);
  }

  /** Releases every key still down (the viewer left or lost focus). */
  releaseAll(): void {
    for (const code of this.device.key.bits()) this.device.event(EV_KEY, code, 0);
    this.device.event(EV_SYN, SYN_REPORT, 0);
  }
}

/** RFB button mask bits (button n = bit n-1) → BTN_* codes. */
const BUTTONS: [number, number][] = [
  [1, KEY.BTN_LEFT],
  [2, KEY.BTN_MIDDLE],
  [4, KEY.BTN_RIGHT],
];
/** wheel "buttons" 4/5 (vertical) and 6/7 (horizontal): one detent per press */
const WHEELS: [number, number, number][] = [
  [8, REL_WHEEL, 1],
  [16, REL_WHEEL, -1],
  [32, REL_HWHEEL, -1],
  [64, REL_HWHEEL, 1],
];

/**
 * Drives a tablet from RFB pointer events already mapped to framebuffer coordinates: the
 * position, button changes against the previous mask, and one wheel detent per wheel-button
 * press, as one frame.
 */
export class PointerInput {
  private mask = 0;

  constructor(readonly device: InputDevice) {}

  pointer(x: number, y: number, buttonMask: number): void {
    const d = this.device;
    d.event(EV_ABS, ABS_X, x);
    d.event(EV_ABS, ABS_Y, y);
    const pressed = buttonMask & ~this.mask;
    for (const [bit, code] of BUTTONS)
      if ((buttonMask ^ this.mask) & bit) d.event(EV_KEY, code, buttonMask & bit ? 1 : 0);
    for (const [bit, rel, value] of WHEELS) if (pressed & bit) d.event(EV_REL, rel, value);
    this.mask = buttonMask;
    d.event(EV_SYN, SYN_REPORT, 0);
  }

  /**
   * The program's framebuffer changed size: the axes now span 0…width-1 and 0…height-1 (as a
   * driver's input_set_abs_params; programs that cached the range re-read it with EVIOCGABS).
   */
  resize(width: number, height: number): void {
    const abs = this.device.absinfo;
    check(
      abs !== undefined && Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0,
      'EINVAL',
      'tablet size',
    );
    abs[ABS_X].maximum = width - 1;
    abs[ABS_Y].maximum = height - 1;
  }

  /** Releases held buttons, staying where it is. */
  releaseAll(): void {
    const abs = this.device.absinfo;
    this.pointer(abs?.[ABS_X].value ?? 0, abs?.[ABS_Y].value ?? 0, 0);
  }
}
