import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import {
  keyboardKeys,
  keysymCodePoint,
  keysymToConsoleBytes,
  keysymToKey,
  type Modifiers,
  XK,
} from './keysym.js';
import { KEY } from './uapi.js';

const NONE: Modifiers = { shift: false, ctrl: false, alt: false };
const CTRL: Modifiers = { ...NONE, ctrl: true };
const ALT: Modifiers = { ...NONE, alt: true };
const bytes = (keysym: number, mods = NONE) => {
  const b = keysymToConsoleBytes(keysym, mods);
  return b === undefined ? undefined : [...b];
};
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The `linux` terminfo entry's key capabilities, unescaped (infocmp -1: one capability a line). */
function linuxTerminfo(): Map<string, number[]> {
  const caps = new Map<string, number[]>();
  for (const line of execFileSync('infocmp', ['-1', 'linux'], { encoding: 'utf8' }).split('\n')) {
    const m = /^\s+(k\w+)=(.*),$/.exec(line);
    if (!m) continue;
    const value = m[2]
      .replace(/\\E/g, '\x1b')
      .replace(/\^\?/g, '\x7f')
      .replace(/\^(.)/g, (_, c: string) => String.fromCharCode(c.charCodeAt(0) & 0x1f));
    caps.set(m[1], ascii(value));
  }
  return caps;
}

describe('keysym → Linux key code', () => {
  it('letters of both cases, digits and shifted punctuation share their US key', () => {
    expect([keysymToKey(0x61), keysymToKey(0x41)]).to.deep.equal([KEY.KEY_A, KEY.KEY_A]);
    expect([keysymToKey(0x7a), keysymToKey(0x31), keysymToKey(0x30)]).to.deep.equal([
      KEY.KEY_Z,
      KEY.KEY_1,
      KEY.KEY_0,
    ]);
    expect([keysymToKey(0x21), keysymToKey(0x40), keysymToKey(0x3f), keysymToKey(0x7e)]).to.deep.equal([
      KEY.KEY_1,
      KEY.KEY_2,
      KEY.KEY_SLASH,
      KEY.KEY_GRAVE,
    ]);
    expect(keysymToKey(0x20)).to.equal(KEY.KEY_SPACE);
  });

  it('every printable ASCII keysym has a key', () => {
    for (let c = 0x20; c <= 0x7e; c++) expect(keysymToKey(c), String.fromCharCode(c)).to.be.a('number');
  });

  it('editing, cursor, function and modifier keys', () => {
    const table: [number, number][] = [
      [XK.Return, KEY.KEY_ENTER],
      [XK.BackSpace, KEY.KEY_BACKSPACE],
      [XK.Tab, KEY.KEY_TAB],
      [XK.Escape, KEY.KEY_ESC],
      [XK.Left, KEY.KEY_LEFT],
      [XK.Up, KEY.KEY_UP],
      [XK.Right, KEY.KEY_RIGHT],
      [XK.Down, KEY.KEY_DOWN],
      [XK.Home, KEY.KEY_HOME],
      [XK.End, KEY.KEY_END],
      [XK.Prior, KEY.KEY_PAGEUP],
      [XK.Next, KEY.KEY_PAGEDOWN],
      [XK.Insert, KEY.KEY_INSERT],
      [XK.Delete, KEY.KEY_DELETE],
      [XK.F1, KEY.KEY_F1],
      [XK.F1 + 9, KEY.KEY_F10],
      [XK.F1 + 10, KEY.KEY_F11],
      [XK.F1 + 11, KEY.KEY_F12],
      [XK.Shift_L, KEY.KEY_LEFTSHIFT],
      [XK.Shift_R, KEY.KEY_RIGHTSHIFT],
      [XK.Control_L, KEY.KEY_LEFTCTRL],
      [XK.Control_R, KEY.KEY_RIGHTCTRL],
      [XK.Alt_L, KEY.KEY_LEFTALT],
      [XK.Alt_R, KEY.KEY_RIGHTALT],
      [XK.Meta_L, KEY.KEY_LEFTMETA],
      [XK.Super_L, KEY.KEY_LEFTMETA],
      [XK.KP_0 + 7, KEY.KEY_KP7],
      [XK.KP_Enter, KEY.KEY_KPENTER],
    ];
    for (const [sym, key] of table) expect(keysymToKey(sym), sym.toString(16)).to.equal(key);
    expect(keysymToKey(XK.F1 + 12)).to.equal(undefined); // F13: no key on the keyboard device
    expect(keysymToKey(0xe9)).to.equal(undefined); // é: not on a US keyboard
  });

  it('keyboardKeys is exactly the set of codes the table produces, ascending', () => {
    const keys = keyboardKeys();
    expect(keys).to.deep.equal([...keys].sort((a, b) => a - b));
    expect(keys).to.include.members([KEY.KEY_A, KEY.KEY_F12, KEY.KEY_KPENTER, KEY.KEY_COMPOSE]);
    expect(keys).to.not.include(KEY.BTN_LEFT);
    expect(new Set(keys).size).to.equal(keys.length);
  });
});

describe('keysym → Linux console bytes', () => {
  it('the cursor, editing and function keys equal the `linux` terminfo key capabilities', () => {
    const ti = linuxTerminfo();
    const caps: [string, number, Modifiers?][] = [
      ['kcuu1', XK.Up],
      ['kcud1', XK.Down],
      ['kcuf1', XK.Right],
      ['kcub1', XK.Left],
      ['khome', XK.Home],
      ['kend', XK.End],
      ['kich1', XK.Insert],
      ['kdch1', XK.Delete],
      ['kpp', XK.Prior],
      ['knp', XK.Next],
      ['kbs', XK.BackSpace],
      ['kcbt', XK.ISO_Left_Tab],
      ['kcbt', XK.Tab, { ...NONE, shift: true }],
      ...Array.from({ length: 12 }, (_, i) => [`kf${i + 1}`, XK.F1 + i] as [string, number]),
    ];
    for (const [cap, sym, mods] of caps) {
      expect(ti.get(cap), `${cap} in infocmp linux`).to.not.equal(undefined);
      expect(bytes(sym, mods), cap).to.deep.equal(ti.get(cap));
    }
  });

  it('Enter is CR, Tab HT, Escape ESC; printable characters are themselves', () => {
    expect(bytes(XK.Return)).to.deep.equal([0x0d]);
    expect(bytes(XK.KP_Enter)).to.deep.equal([0x0d]);
    expect(bytes(XK.Tab)).to.deep.equal([0x09]);
    expect(bytes(XK.Escape)).to.deep.equal([0x1b]);
    for (let c = 0x20; c <= 0x7e; c++) expect(bytes(c), String.fromCharCode(c)).to.deep.equal([c]);
    expect(bytes(XK.KP_0 + 5)).to.deep.equal(ascii('5'));
  });

  it('Ctrl+letter is letter & 0x1f in both cases; the default keymap control column for the rest', () => {
    for (let i = 0; i < 26; i++) {
      expect(bytes(0x61 + i, CTRL)).to.deep.equal([i + 1]);
      expect(bytes(0x41 + i, CTRL)).to.deep.equal([i + 1]);
    }
    const table: [string, number][] = [
      [' ', 0],
      ['@', 0],
      ['[', 0x1b],
      ['\\', 0x1c],
      [']', 0x1d],
      ['^', 0x1e],
      ['_', 0x1f],
      ['?', 0x7f],
      ['2', 0],
      ['8', 0x7f],
    ];
    for (const [ch, b] of table) expect(bytes(ch.charCodeAt(0), CTRL), ch).to.deep.equal([b]);
    expect(bytes(0x2c /* , */, CTRL)).to.deep.equal([0x2c]); // no control code: the character
  });

  it('Alt prefixes ESC (the console meta mode), except before sequences that already start with CSI', () => {
    expect(bytes(0x78, ALT)).to.deep.equal([0x1b, 0x78]);
    expect(bytes(0x63, { ...CTRL, alt: true })).to.deep.equal([0x1b, 0x03]);
    expect(bytes(XK.BackSpace, ALT)).to.deep.equal([0x1b, 0x7f]);
    expect(bytes(XK.Up, ALT)).to.deep.equal(ascii('\x1b[A'));
  });

  it('non-ASCII Latin-1 and Unicode keysyms are UTF-8; modifiers and unknown keysyms send nothing', () => {
    expect(bytes(0xe9)).to.deep.equal([0xc3, 0xa9]);
    expect(bytes(0x010020ac)).to.deep.equal([0xe2, 0x82, 0xac]); // €
    expect(bytes(0x0101f600)).to.deep.equal([0xf0, 0x9f, 0x98, 0x80]);
    for (const sym of [XK.Shift_L, XK.Control_L, XK.Alt_L, XK.Caps_Lock, 0x0100d800, 0x7f, 0x1f, 0xffffff])
      expect(bytes(sym), sym.toString(16)).to.equal(undefined);
    expect(keysymCodePoint(0x0110ffff)).to.equal(0x10ffff);
    expect(keysymCodePoint(0x01110000)).to.equal(undefined);
  });
});
