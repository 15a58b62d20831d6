/**
 * RFB KeyEvent keysyms (X11 keysymdef.h values) → what a program on a Linux machine with a US
 * keyboard receives: the evdev key code (`keysymToKey`), or the bytes the Linux console writes
 * to its tty (`keysymToConsoleBytes`, drivers/tty/vt/keyboard.c with the default keymap and the
 * `linux` terminfo entry). Pure tables, no DOM.
 */
import { KEY, type KeyName } from './uapi.js';

/** Keysyms with names (X11 keysymdef.h). */
export const XK = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  Pause: 0xff13,
  Scroll_Lock: 0xff14,
  Sys_Req: 0xff15,
  Escape: 0xff1b,
  Home: 0xff50,
  Left: 0xff51,
  Up: 0xff52,
  Right: 0xff53,
  Down: 0xff54,
  Prior: 0xff55,
  Next: 0xff56,
  End: 0xff57,
  Print: 0xff61,
  Insert: 0xff63,
  Menu: 0xff67,
  Num_Lock: 0xff7f,
  KP_Enter: 0xff8d,
  KP_Multiply: 0xffaa,
  KP_Add: 0xffab,
  KP_Subtract: 0xffad,
  KP_Decimal: 0xffae,
  KP_Divide: 0xffaf,
  KP_0: 0xffb0,
  F1: 0xffbe,
  Shift_L: 0xffe1,
  Shift_R: 0xffe2,
  Control_L: 0xffe3,
  Control_R: 0xffe4,
  Caps_Lock: 0xffe5,
  Meta_L: 0xffe7,
  Meta_R: 0xffe8,
  Alt_L: 0xffe9,
  Alt_R: 0xffea,
  Super_L: 0xffeb,
  Super_R: 0xffec,
  ISO_Level3_Shift: 0xfe03,
  ISO_Left_Tab: 0xfe20,
  Delete: 0xffff,
} as const;

/** US layout: each printable ASCII character → [key, needs shift]. */
const US_ROWS: [string, string, KeyName][] = [
  ['`', '~', 'KEY_GRAVE'],
  ['1', '!', 'KEY_1'],
  ['2', '@', 'KEY_2'],
  ['3', '#', 'KEY_3'],
  ['4', '$', 'KEY_4'],
  ['5', '%', 'KEY_5'],
  ['6', '^', 'KEY_6'],
  ['7', '&', 'KEY_7'],
  ['8', '*', 'KEY_8'],
  ['9', '(', 'KEY_9'],
  ['0', ')', 'KEY_0'],
  ['-', '_', 'KEY_MINUS'],
  ['=', '+', 'KEY_EQUAL'],
  ['[', '{', 'KEY_LEFTBRACE'],
  [']', '}', 'KEY_RIGHTBRACE'],
  ['\\', '|', 'KEY_BACKSLASH'],
  [';', ':', 'KEY_SEMICOLON'],
  ["'", '"', 'KEY_APOSTROPHE'],
  [',', '<', 'KEY_COMMA'],
  ['.', '>', 'KEY_DOT'],
  ['/', '?', 'KEY_SLASH'],
  [' ', ' ', 'KEY_SPACE'],
];

const FUNCTION_KEYS: [number, KeyName][] = [
  [XK.BackSpace, 'KEY_BACKSPACE'],
  [XK.Tab, 'KEY_TAB'],
  [XK.ISO_Left_Tab, 'KEY_TAB'],
  [XK.Return, 'KEY_ENTER'],
  [XK.Pause, 'KEY_PAUSE'],
  [XK.Scroll_Lock, 'KEY_SCROLLLOCK'],
  [XK.Sys_Req, 'KEY_SYSRQ'],
  [XK.Print, 'KEY_SYSRQ'],
  [XK.Escape, 'KEY_ESC'],
  [XK.Home, 'KEY_HOME'],
  [XK.Left, 'KEY_LEFT'],
  [XK.Up, 'KEY_UP'],
  [XK.Right, 'KEY_RIGHT'],
  [XK.Down, 'KEY_DOWN'],
  [XK.Prior, 'KEY_PAGEUP'],
  [XK.Next, 'KEY_PAGEDOWN'],
  [XK.End, 'KEY_END'],
  [XK.Insert, 'KEY_INSERT'],
  [XK.Menu, 'KEY_COMPOSE'],
  [XK.Num_Lock, 'KEY_NUMLOCK'],
  [XK.KP_Enter, 'KEY_KPENTER'],
  [XK.KP_Multiply, 'KEY_KPASTERISK'],
  [XK.KP_Add, 'KEY_KPPLUS'],
  [XK.KP_Subtract, 'KEY_KPMINUS'],
  [XK.KP_Decimal, 'KEY_KPDOT'],
  [XK.KP_Divide, 'KEY_KPSLASH'],
  [XK.Shift_L, 'KEY_LEFTSHIFT'],
  [XK.Shift_R, 'KEY_RIGHTSHIFT'],
  [XK.Control_L, 'KEY_LEFTCTRL'],
  [XK.Control_R, 'KEY_RIGHTCTRL'],
  [XK.Caps_Lock, 'KEY_CAPSLOCK'],
  [XK.Meta_L, 'KEY_LEFTMETA'],
  [XK.Meta_R, 'KEY_RIGHTMETA'],
  [XK.Super_L, 'KEY_LEFTMETA'],
  [XK.Super_R, 'KEY_RIGHTMETA'],
  [XK.Alt_L, 'KEY_LEFTALT'],
  [XK.Alt_R, 'KEY_RIGHTALT'],
  [XK.ISO_Level3_Shift, 'KEY_RIGHTALT'],
  [XK.Delete, 'KEY_DELETE'],
];

const KP_DIGITS: KeyName[] = [
  'KEY_KP0',
  'KEY_KP1',
  'KEY_KP2',
  'KEY_KP3',
  'KEY_KP4',
  'KEY_KP5',
  'KEY_KP6',
  'KEY_KP7',
  'KEY_KP8',
  'KEY_KP9',
];
const F_KEYS: KeyName[] = [
  'KEY_F1',
  'KEY_F2',
  'KEY_F3',
  'KEY_F4',
  'KEY_F5',
  'KEY_F6',
  'KEY_F7',
  'KEY_F8',
  'KEY_F9',
  'KEY_F10',
  'KEY_F11',
  'KEY_F12',
];

function buildKeyTable(): Map<number, number> {
  const t = new Map<number, number>();
  for (const [plain, shifted, key] of US_ROWS) {
    t.set(plain.charCodeAt(0), KEY[key]);
    t.set(shifted.charCodeAt(0), KEY[key]);
  }
  for (let c = 0; c < 26; c++) {
    const key = KEY[`KEY_${String.fromCharCode(65 + c)}` as KeyName];
    t.set(0x41 + c, key);
    t.set(0x61 + c, key);
  }
  for (const [sym, key] of FUNCTION_KEYS) t.set(sym, KEY[key]);
  for (const [i, k] of KP_DIGITS.entries()) t.set(XK.KP_0 + i, KEY[k]);
  for (const [i, k] of F_KEYS.entries()) t.set(XK.F1 + i, KEY[k]);
  return t;
}

const KEY_TABLE = buildKeyTable();

/** The Linux key code a keysym is typed with on a US keyboard, or undefined (no such key). */
export function keysymToKey(keysym: number): number | undefined {
  return KEY_TABLE.get(keysym);
}

/**
 * Which key a keysym is, for matching a release with its press: its KEY_* code when it has one,
 * else the keysym itself (above every code). A viewer may press `A` with Shift held and release
 * `a` after letting Shift go (X11 viewers look the release up with the modifiers of that moment):
 * both are KEY_A.
 */
export function keyIdentity(keysym: number): number {
  return keysymToKey(keysym) ?? 2 ** 32 + keysym;
}

/** Every key code the table can produce: a keyboard device's EV_KEY capabilities. */
export function keyboardKeys(): number[] {
  return [...new Set(KEY_TABLE.values())].sort((a, b) => a - b);
}

/** Modifier state of a viewer (from its Shift/Control/Alt/Meta key events). */
export interface Modifiers {
  readonly shift: boolean;
  readonly ctrl: boolean;
  readonly alt: boolean;
}

const ESC = '\x1b';
/** Keys that send a fixed sequence on the Linux console (its `linux` terminfo k* capabilities). */
const CONSOLE_SEQUENCES = new Map<number, string>([
  [XK.BackSpace, '\x7f'], // kbs
  [XK.Tab, '\t'],
  [XK.ISO_Left_Tab, `${ESC}\t`], // kcbt
  [XK.Return, '\r'],
  [XK.KP_Enter, '\r'],
  [XK.Escape, ESC],
  [XK.Up, `${ESC}[A`], // kcuu1
  [XK.Down, `${ESC}[B`], // kcud1
  [XK.Right, `${ESC}[C`], // kcuf1
  [XK.Left, `${ESC}[D`], // kcub1
  [XK.Home, `${ESC}[1~`], // khome
  [XK.Insert, `${ESC}[2~`], // kich1
  [XK.Delete, `${ESC}[3~`], // kdch1
  [XK.End, `${ESC}[4~`], // kend
  [XK.Prior, `${ESC}[5~`], // kpp
  [XK.Next, `${ESC}[6~`], // knp
  [XK.Pause, `${ESC}[P`],
  [XK.KP_Multiply, '*'],
  [XK.KP_Add, '+'],
  [XK.KP_Subtract, '-'],
  [XK.KP_Decimal, '.'],
  [XK.KP_Divide, '/'],
  // kf1…kf12
  ...['[[A', '[[B', '[[C', '[[D', '[[E', '[17~', '[18~', '[19~', '[20~', '[21~', '[23~', '[24~'].map(
    (s, i) => [XK.F1 + i, `${ESC}${s}`] as [number, string],
  ),
  ...Array.from({ length: 10 }, (_, i) => [XK.KP_0 + i, String(i)] as [number, string]),
]);

/** Control column of the default keymap for the non-letters that have one (defkeymap.map). */
const CONTROL_CHARS = new Map<string, number>([
  [' ', 0x00],
  ['@', 0x00],
  ['2', 0x00],
  ['3', 0x1b],
  ['[', 0x1b],
  ['4', 0x1c],
  ['\\', 0x1c],
  ['5', 0x1d],
  [']', 0x1d],
  ['6', 0x1e],
  ['^', 0x1e],
  ['7', 0x1f],
  ['-', 0x1f],
  ['_', 0x1f],
  ['/', 0x1f],
  ['8', 0x7f],
  ['?', 0x7f],
]);

const encoder = new TextEncoder();

/**
 * The bytes the Linux console writes to its tty when the key for `keysym` is pressed with
 * `mods` held (nothing for modifiers and key releases): printable characters as themselves in
 * UTF-8 (the viewer already sends the shifted keysym, 'A' for Shift+a), Ctrl+letter = letter &
 * 0x1f and the control column of the default keymap, Alt = an ESC prefix (the console's default
 * meta mode), the function and cursor keys as the `linux` terminfo entry says (cursor keys in
 * normal mode: ESC [ A, not the application mode's ESC O A). Undefined for keys with no bytes.
 */
export function keysymToConsoleBytes(keysym: number, mods: Modifiers): Uint8Array | undefined {
  const text = consoleText(keysym, mods);
  if (text === undefined) return undefined;
  const bytes = encoder.encode(text);
  if (!mods.alt || bytes.length === 0 || text.startsWith(`${ESC}[`)) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out[0] = 0x1b;
  out.set(bytes, 1);
  return out;
}

function consoleText(keysym: number, mods: Modifiers): string | undefined {
  if (keysym === XK.Tab && mods.shift) return `${ESC}\t`;
  const fixed = CONSOLE_SEQUENCES.get(keysym);
  if (fixed !== undefined) return fixed;
  const cp = keysymCodePoint(keysym);
  if (cp === undefined) return undefined;
  if (!mods.ctrl) return String.fromCodePoint(cp);
  const ch = String.fromCodePoint(cp);
  if (/[a-zA-Z]/.test(ch)) return String.fromCharCode(cp & 0x1f);
  const control = CONTROL_CHARS.get(ch);
  return control === undefined ? ch : String.fromCharCode(control);
}

/** The Unicode code point of a character keysym: Latin-1 (0x20–0x7e, 0xa0–0xff) and 0x01000000 + U. */
export function keysymCodePoint(keysym: number): number | undefined {
  if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) return keysym;
  if (keysym >= 0x01000100 && keysym <= 0x0110ffff) {
    const cp = keysym - 0x01000000;
    return cp >= 0xd800 && cp <= 0xdfff ? undefined : cp;
  }
  return undefined;
}
