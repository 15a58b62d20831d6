/**
 * include/uapi/linux/input.h and input-event-codes.h as evdev programs see them on x86-64: the
 * event record, struct input_id / input_absinfo, the EVIOC* numbers and the codes fbemu's
 * devices use. `uapi.test.ts` checks every number and layout against the C headers.
 */

export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_REL = 0x02;
export const EV_ABS = 0x03;
export const EV_MSC = 0x04;
export const EV_SW = 0x05;
export const EV_LED = 0x11;
export const EV_SND = 0x12;
export const EV_REP = 0x14;
export const EV_FF = 0x15;
export const EV_MAX = 0x1f;

export const SYN_REPORT = 0;
export const SYN_DROPPED = 3;

export const KEY_MAX = 0x2ff;
export const REL_MAX = 0x0f;
export const ABS_MAX = 0x3f;
export const MSC_MAX = 0x07;
export const SW_MAX = 0x10;
export const LED_MAX = 0x0f;
export const SND_MAX = 0x07;
export const FF_MAX = 0x7f;
export const INPUT_PROP_MAX = 0x1f;

export const REL_HWHEEL = 0x06;
export const REL_WHEEL = 0x08;
export const ABS_X = 0x00;
export const ABS_Y = 0x01;
export const REP_DELAY = 0;
export const REP_PERIOD = 1;

export const INPUT_PROP_POINTER = 0x00;
export const INPUT_PROP_DIRECT = 0x01;

export const BUS_VIRTUAL = 0x06;
/** EV_VERSION: the evdev protocol version EVIOCGVERSION reports */
export const EV_VERSION = 0x010001;

/** clockid_t values EVIOCSCLOCKID accepts */
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_BOOTTIME = 7;

/** Linux key codes by their input-event-codes.h names (US layout positions). */
export const KEY = {
  KEY_ESC: 1,
  KEY_1: 2,
  KEY_2: 3,
  KEY_3: 4,
  KEY_4: 5,
  KEY_5: 6,
  KEY_6: 7,
  KEY_7: 8,
  KEY_8: 9,
  KEY_9: 10,
  KEY_0: 11,
  KEY_MINUS: 12,
  KEY_EQUAL: 13,
  KEY_BACKSPACE: 14,
  KEY_TAB: 15,
  KEY_Q: 16,
  KEY_W: 17,
  KEY_E: 18,
  KEY_R: 19,
  KEY_T: 20,
  KEY_Y: 21,
  KEY_U: 22,
  KEY_I: 23,
  KEY_O: 24,
  KEY_P: 25,
  KEY_LEFTBRACE: 26,
  KEY_RIGHTBRACE: 27,
  KEY_ENTER: 28,
  KEY_LEFTCTRL: 29,
  KEY_A: 30,
  KEY_S: 31,
  KEY_D: 32,
  KEY_F: 33,
  KEY_G: 34,
  KEY_H: 35,
  KEY_J: 36,
  KEY_K: 37,
  KEY_L: 38,
  KEY_SEMICOLON: 39,
  KEY_APOSTROPHE: 40,
  KEY_GRAVE: 41,
  KEY_LEFTSHIFT: 42,
  KEY_BACKSLASH: 43,
  KEY_Z: 44,
  KEY_X: 45,
  KEY_C: 46,
  KEY_V: 47,
  KEY_B: 48,
  KEY_N: 49,
  KEY_M: 50,
  KEY_COMMA: 51,
  KEY_DOT: 52,
  KEY_SLASH: 53,
  KEY_RIGHTSHIFT: 54,
  KEY_KPASTERISK: 55,
  KEY_LEFTALT: 56,
  KEY_SPACE: 57,
  KEY_CAPSLOCK: 58,
  KEY_F1: 59,
  KEY_F2: 60,
  KEY_F3: 61,
  KEY_F4: 62,
  KEY_F5: 63,
  KEY_F6: 64,
  KEY_F7: 65,
  KEY_F8: 66,
  KEY_F9: 67,
  KEY_F10: 68,
  KEY_NUMLOCK: 69,
  KEY_SCROLLLOCK: 70,
  KEY_KP7: 71,
  KEY_KP8: 72,
  KEY_KP9: 73,
  KEY_KPMINUS: 74,
  KEY_KP4: 75,
  KEY_KP5: 76,
  KEY_KP6: 77,
  KEY_KPPLUS: 78,
  KEY_KP1: 79,
  KEY_KP2: 80,
  KEY_KP3: 81,
  KEY_KP0: 82,
  KEY_KPDOT: 83,
  KEY_F11: 87,
  KEY_F12: 88,
  KEY_KPENTER: 96,
  KEY_RIGHTCTRL: 97,
  KEY_KPSLASH: 98,
  KEY_SYSRQ: 99,
  KEY_RIGHTALT: 100,
  KEY_HOME: 102,
  KEY_UP: 103,
  KEY_PAGEUP: 104,
  KEY_LEFT: 105,
  KEY_RIGHT: 106,
  KEY_END: 107,
  KEY_DOWN: 108,
  KEY_PAGEDOWN: 109,
  KEY_INSERT: 110,
  KEY_DELETE: 111,
  KEY_PAUSE: 119,
  KEY_LEFTMETA: 125,
  KEY_RIGHTMETA: 126,
  KEY_COMPOSE: 127,
  BTN_LEFT: 0x110,
  BTN_RIGHT: 0x111,
  BTN_MIDDLE: 0x112,
} as const;

export type KeyName = keyof typeof KEY;

// --- ioctl numbers (asm-generic/ioctl.h) ---

export const IOC_NONE = 0;
export const IOC_WRITE = 1;
export const IOC_READ = 2;
const SIZE_MASK = 0x3fff;

export function ioc(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | ((size & SIZE_MASK) << 16) | (type << 8) | nr) >>> 0;
}
export const iocDir = (cmd: number): number => cmd >>> 30;
export const iocType = (cmd: number): number => (cmd >>> 8) & 0xff;
export const iocNr = (cmd: number): number => cmd & 0xff;
export const iocSize = (cmd: number): number => (cmd >>> 16) & SIZE_MASK;
/** The request with its size field cleared: how evdev matches the length-encoded requests. */
export const iocMaskSize = (cmd: number): number => (cmd & ~(SIZE_MASK << 16)) >>> 0;

const E = 0x45; // 'E'
export const INPUT_EVENT_SIZE = 24;
export const INPUT_ID_SIZE = 8;
export const INPUT_ABSINFO_SIZE = 24;

export const EVIOCGVERSION = ioc(IOC_READ, E, 0x01, 4);
export const EVIOCGID = ioc(IOC_READ, E, 0x02, INPUT_ID_SIZE);
export const EVIOCGREP = ioc(IOC_READ, E, 0x03, 8);
export const EVIOCSREP = ioc(IOC_WRITE, E, 0x03, 8);
export const EVIOCGNAME = (len: number): number => ioc(IOC_READ, E, 0x06, len);
export const EVIOCGPHYS = (len: number): number => ioc(IOC_READ, E, 0x07, len);
export const EVIOCGUNIQ = (len: number): number => ioc(IOC_READ, E, 0x08, len);
export const EVIOCGPROP = (len: number): number => ioc(IOC_READ, E, 0x09, len);
export const EVIOCGKEY = (len: number): number => ioc(IOC_READ, E, 0x18, len);
export const EVIOCGLED = (len: number): number => ioc(IOC_READ, E, 0x19, len);
export const EVIOCGSND = (len: number): number => ioc(IOC_READ, E, 0x1a, len);
export const EVIOCGSW = (len: number): number => ioc(IOC_READ, E, 0x1b, len);
export const EVIOCGBIT = (ev: number, len: number): number => ioc(IOC_READ, E, 0x20 + ev, len);
export const EVIOCGABS = (abs: number): number => ioc(IOC_READ, E, 0x40 + abs, INPUT_ABSINFO_SIZE);
export const EVIOCSABS = (abs: number): number => ioc(IOC_WRITE, E, 0xc0 + abs, INPUT_ABSINFO_SIZE);
export const EVIOCGRAB = ioc(IOC_WRITE, E, 0x90, 4);
export const EVIOCREVOKE = ioc(IOC_WRITE, E, 0x91, 4);
export const EVIOCSCLOCKID = ioc(IOC_WRITE, E, 0xa0, 4);

/** struct input_id */
export interface InputId {
  readonly bustype: number;
  readonly vendor: number;
  readonly product: number;
  readonly version: number;
}

/** struct input_absinfo */
export interface AbsInfo {
  value: number;
  minimum: number;
  maximum: number;
  fuzz: number;
  flat: number;
  resolution: number;
}

/** struct input_event: timeval (tv_sec, tv_usec as longs) + u16 type + u16 code + s32 value. */
export function encodeEvent(
  sec: number,
  usec: number,
  type: number,
  code: number,
  value: number,
): Uint8Array {
  const out = new Uint8Array(INPUT_EVENT_SIZE);
  const v = new DataView(out.buffer);
  v.setBigInt64(0, BigInt(sec), true);
  v.setBigInt64(8, BigInt(usec), true);
  v.setUint16(16, type, true);
  v.setUint16(18, code, true);
  v.setInt32(20, value, true);
  return out;
}

export interface DecodedEvent {
  readonly sec: number;
  readonly usec: number;
  readonly type: number;
  readonly code: number;
  readonly value: number;
}

export function decodeEvent(bytes: Uint8Array, offset = 0): DecodedEvent {
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, INPUT_EVENT_SIZE);
  return {
    sec: Number(v.getBigInt64(0, true)),
    usec: Number(v.getBigInt64(8, true)),
    type: v.getUint16(16, true),
    code: v.getUint16(18, true),
    value: v.getInt32(20, true),
  };
}

export function encodeInputId(id: InputId): Uint8Array {
  const out = new Uint8Array(INPUT_ID_SIZE);
  const v = new DataView(out.buffer);
  v.setUint16(0, id.bustype, true);
  v.setUint16(2, id.vendor, true);
  v.setUint16(4, id.product, true);
  v.setUint16(6, id.version, true);
  return out;
}

const ABS_FIELDS = ['value', 'minimum', 'maximum', 'fuzz', 'flat', 'resolution'] as const;

export function encodeAbsInfo(abs: AbsInfo): Uint8Array {
  const out = new Uint8Array(INPUT_ABSINFO_SIZE);
  const v = new DataView(out.buffer);
  for (const [i, f] of ABS_FIELDS.entries()) v.setInt32(i * 4, abs[f], true);
  return out;
}

/** Decodes the first `bytes.length` bytes (a short EVIOCSABS copies only that much); the rest stays 0. */
export function decodeAbsInfo(bytes: Uint8Array): AbsInfo {
  const full = new Uint8Array(INPUT_ABSINFO_SIZE);
  full.set(bytes.subarray(0, INPUT_ABSINFO_SIZE));
  const v = new DataView(full.buffer);
  const abs = { value: 0, minimum: 0, maximum: 0, fuzz: 0, flat: 0, resolution: 0 };
  for (const [i, f] of ABS_FIELDS.entries()) abs[f] = v.getInt32(i * 4, true);
  return abs;
}

export function encodeInt(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, n, true);
  return out;
}

export function decodeInt(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true);
}
