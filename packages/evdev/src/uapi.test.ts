import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as U from './uapi.js';

/** TS value → the C expression that must equal it. */
const NUMBERS: [string, number][] = [
  ['sizeof(struct input_event)', U.INPUT_EVENT_SIZE],
  ['sizeof(struct input_absinfo)', U.INPUT_ABSINFO_SIZE],
  ['sizeof(struct input_id)', U.INPUT_ID_SIZE],
  ['EV_VERSION', U.EV_VERSION],
  ['EVIOCGVERSION', U.EVIOCGVERSION],
  ['EVIOCGID', U.EVIOCGID],
  ['EVIOCGREP', U.EVIOCGREP],
  ['EVIOCSREP', U.EVIOCSREP],
  ['EVIOCGNAME(256)', U.EVIOCGNAME(256)],
  ['EVIOCGPHYS(64)', U.EVIOCGPHYS(64)],
  ['EVIOCGUNIQ(1)', U.EVIOCGUNIQ(1)],
  ['EVIOCGPROP(8)', U.EVIOCGPROP(8)],
  ['EVIOCGKEY(96)', U.EVIOCGKEY(96)],
  ['EVIOCGLED(8)', U.EVIOCGLED(8)],
  ['EVIOCGSND(8)', U.EVIOCGSND(8)],
  ['EVIOCGSW(8)', U.EVIOCGSW(8)],
  ['EVIOCGBIT(0, 4)', U.EVIOCGBIT(0, 4)],
  ['EVIOCGBIT(EV_KEY, 96)', U.EVIOCGBIT(U.EV_KEY, 96)],
  ['EVIOCGBIT(EV_ABS, 8)', U.EVIOCGBIT(U.EV_ABS, 8)],
  ['EVIOCGABS(ABS_Y)', U.EVIOCGABS(U.ABS_Y)],
  ['EVIOCSABS(ABS_X)', U.EVIOCSABS(U.ABS_X)],
  ['EVIOCGRAB', U.EVIOCGRAB],
  ['EVIOCREVOKE', U.EVIOCREVOKE],
  ['EVIOCSCLOCKID', U.EVIOCSCLOCKID],
  ['EV_SYN', U.EV_SYN],
  ['EV_KEY', U.EV_KEY],
  ['EV_REL', U.EV_REL],
  ['EV_ABS', U.EV_ABS],
  ['EV_MSC', U.EV_MSC],
  ['EV_SW', U.EV_SW],
  ['EV_LED', U.EV_LED],
  ['EV_SND', U.EV_SND],
  ['EV_REP', U.EV_REP],
  ['EV_FF', U.EV_FF],
  ['EV_MAX', U.EV_MAX],
  ['SYN_REPORT', U.SYN_REPORT],
  ['SYN_DROPPED', U.SYN_DROPPED],
  ['KEY_MAX', U.KEY_MAX],
  ['REL_MAX', U.REL_MAX],
  ['ABS_MAX', U.ABS_MAX],
  ['MSC_MAX', U.MSC_MAX],
  ['SW_MAX', U.SW_MAX],
  ['LED_MAX', U.LED_MAX],
  ['SND_MAX', U.SND_MAX],
  ['FF_MAX', U.FF_MAX],
  ['INPUT_PROP_MAX', U.INPUT_PROP_MAX],
  ['REL_HWHEEL', U.REL_HWHEEL],
  ['REL_WHEEL', U.REL_WHEEL],
  ['ABS_X', U.ABS_X],
  ['ABS_Y', U.ABS_Y],
  ['REP_DELAY', U.REP_DELAY],
  ['REP_PERIOD', U.REP_PERIOD],
  ['INPUT_PROP_POINTER', U.INPUT_PROP_POINTER],
  ['INPUT_PROP_DIRECT', U.INPUT_PROP_DIRECT],
  ['BUS_VIRTUAL', U.BUS_VIRTUAL],
  ...Object.entries(U.KEY),
];

const OFFSETS = ['time', 'type', 'code', 'value'];

function runC(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'evdev-uapi-'));
  try {
    const lines = [
      '#include <linux/input.h>',
      '#include <stddef.h>',
      '#include <stdio.h>',
      'int main(void) {',
      ...NUMBERS.map(([c]) => `  printf("%lu\\n", (unsigned long)(${c}));`),
      ...OFFSETS.map((f) => `  printf("%zu\\n", offsetof(struct input_event, ${f}));`),
      '  return 0;',
      '}',
    ];
    writeFileSync(join(dir, 'uapi.c'), lines.join('\n'));
    execFileSync('cc', ['-o', join(dir, 'uapi'), join(dir, 'uapi.c')]);
    return execFileSync(join(dir, 'uapi'), { encoding: 'utf8' }).trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('evdev uapi against <linux/input.h>', () => {
  const out = runC();

  it('every size, ioctl number and code equals the C header', () => {
    for (const [i, [c, v]] of NUMBERS.entries()) expect(v, c).to.equal(Number(out[i]));
  });

  it('struct input_event: timeval at 0, type 16, code 18, value 20', () => {
    expect(out.slice(NUMBERS.length).map(Number)).to.deep.equal([0, 16, 18, 20]);
    const ev = U.encodeEvent(12, 345678, U.EV_KEY, U.KEY.KEY_A, -2);
    const v = new DataView(ev.buffer);
    expect([v.getBigInt64(0, true), v.getBigInt64(8, true)]).to.deep.equal([12n, 345678n]);
    expect([v.getUint16(16, true), v.getUint16(18, true), v.getInt32(20, true)]).to.deep.equal([1, 30, -2]);
    expect(U.decodeEvent(ev)).to.deep.equal({ sec: 12, usec: 345678, type: 1, code: 30, value: -2 });
  });

  it('the ioctl field decoders split what ioc() builds', () => {
    const cmd = U.EVIOCGBIT(U.EV_ABS, 300);
    expect([U.iocDir(cmd), U.iocType(cmd), U.iocNr(cmd), U.iocSize(cmd)]).to.deep.equal([
      U.IOC_READ,
      0x45,
      0x23,
      300,
    ]);
    expect(U.iocMaskSize(U.EVIOCGNAME(77))).to.equal(U.EVIOCGNAME(0));
  });

  it('input_absinfo round-trips and a short copy leaves the tail 0', () => {
    const abs = { value: -1, minimum: 2, maximum: 639, fuzz: 4, flat: 5, resolution: 6 };
    expect(U.decodeAbsInfo(U.encodeAbsInfo(abs))).to.deep.equal(abs);
    expect(U.decodeAbsInfo(U.encodeAbsInfo(abs).subarray(0, 20)).resolution).to.equal(0);
  });
});
