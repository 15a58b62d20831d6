// Run after `npx tsc -b` at the repository root: node packages/evdev/example.mjs
import {
  decodeEvent,
  EVIOCGABS,
  EVIOCGBIT,
  EVIOCGNAME,
  EvdevRegistry,
  KeyboardInput,
  keyboardOptions,
  keysymToConsoleBytes,
  mapToPlane,
  PointerInput,
  tabletOptions,
  XK,
} from '@fbemu/evdev';

const inputs = new EvdevRegistry(); // system clocks
const kbd = inputs.register(keyboardOptions()); // /dev/input/event0
const tab = inputs.register(tabletOptions(640, 480)); // /dev/input/event1: ABS_X 0…639, ABS_Y 0…479

// a fake process: 4 KiB of user memory at 0x10000 (anything else is EFAULT)
const user = new Uint8Array(4096);
const mem = {
  read: (addr, len) => user.slice(addr - 0x10000, addr - 0x10000 + len),
  write: (addr, bytes) => user.set(bytes, addr - 0x10000),
};
// an open file: what the front door would queue on the program's descriptor
const file = (node) => ({
  id: 1,
  minor: node.chrdev.minor,
  flags: 0,
  process: { pid: 1, comm: 'demo' },
  fpos: { pos: 0 },
  privateData: undefined,
  queueRead: (rec) => {
    const e = decodeEvent(rec);
    console.log(`  ${node.chrdev.path}: type ${e.type} code ${e.code} value ${e.value}`);
  },
});

const kf = file(kbd);
kbd.chrdev.fops.open(kf);
const n = kbd.chrdev.fops.ioctl(kf, EVIOCGNAME(64), 0x10000, mem);
console.log(
  `${kbd.chrdev.path} (${kbd.chrdev.major}:${kbd.chrdev.minor}) EVIOCGNAME -> ${n}: ${new TextDecoder().decode(user.subarray(0, n - 1))}`,
);
const tf = file(tab);
tab.chrdev.fops.open(tf);
tab.chrdev.fops.ioctl(tf, EVIOCGBIT(0, 8), 0x10000, mem);
console.log(`${tab.chrdev.path} event types 0b${user[0].toString(2)}`);
tab.chrdev.fops.ioctl(tf, EVIOCGABS(0), 0x10000, mem);
console.log(`ABS_X max ${new DataView(user.buffer).getInt32(8, true)}`);

console.log('viewer types "a":');
new KeyboardInput(kbd.input).key(0x61, true);
console.log('viewer clicks at desktop (300, 200) on a plane at (100, 50):');
const p = mapToPlane(300, 200, { x: 100, y: 50, width: 640, height: 480 });
new PointerInput(tab.input).pointer(p.x, p.y, 1);
console.log(
  `console bytes of Ctrl+C: ${[...keysymToConsoleBytes(0x63, { ctrl: true, shift: false, alt: false })]}, of F1: ${JSON.stringify(new TextDecoder().decode(keysymToConsoleBytes(XK.F1, { ctrl: false, shift: false, alt: false })))}`,
);
