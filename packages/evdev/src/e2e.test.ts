import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChrdevRegistry, FrontDoor } from '@fbemu/chrdev';
import { expect } from 'chai';
import { asyncScheduler } from 'rxjs';
import { KeyboardInput, keyboardOptions, PointerInput, tabletOptions } from './devices.js';
import { EvdevRegistry, systemClock } from './registry.js';
import type { EvdevHandle } from './tokens.js';
import { ABS_X, ABS_Y, EV_ABS, EV_KEY, EV_SYN, KEY } from './uapi.js';

/**
 * End-to-end: a real C program (native/test/evread.c, compiled here) opens /dev/input/eventN
 * through the front door's preload, asks EVIOCGNAME/GID/GBIT/GABS/SCLOCKID and reads events
 * the test pushes once it says it waits. Real time, waiting on its output and exit only.
 */
const SOURCE = fileURLToPath(new URL('../native/test/evread.c', import.meta.url));

interface Run {
  readonly out: Record<string, string>;
  readonly events: string[][];
  readonly code: number | null;
}

describe('evdev under the front door: a real program reads /dev/input/eventN', function () {
  this.timeout(60_000);
  let dir: string;
  let door: FrontDoor;
  let kbd: EvdevHandle;
  let tab: EvdevHandle;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fbemu-evdev-'));
    execFileSync('cc', ['-Wall', '-Wextra', '-Werror', '-o', join(dir, 'evread'), SOURCE]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    const inputs = new EvdevRegistry(systemClock);
    kbd = inputs.register(keyboardOptions());
    tab = inputs.register(tabletOptions(640, 480));
    const nodes = new ChrdevRegistry();
    nodes.register(kbd.chrdev);
    nodes.register(tab.chrdev);
    door = new FrontDoor(nodes, asyncScheduler);
    door.start({ socketPath: join(dir, `door-${Date.now()}.sock`) });
  });
  afterEach(() => door.close());

  /** Runs evread; `onReady` runs when it has described the device and waits for events; `onLine` for every line. */
  function run(
    args: string[],
    onReady: () => void,
    onLine: (line: string, child: ChildProcess) => void = () => {},
  ): Promise<Run> {
    const child = spawn(join(dir, 'evread'), args, {
      env: { ...process.env, ...door.env() },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const out: Record<string, string> = {};
    const events: string[][] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ev ')) events.push(line.split(' ').slice(1));
        const eq = line.indexOf('=');
        if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
        if (line === 'ready=1') onReady();
        onLine(line, child);
      }
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ out, events, code })));
  }

  it('keyboard: the ioctls answer as evdev, a blocking read(2) gets each event stamped with CLOCK_MONOTONIC', async () => {
    let before = 0n;
    let after = 0n;
    const r = await run([kbd.chrdev.path, '4', 'blocking'], () => {
      before = process.hrtime.bigint();
      const k = new KeyboardInput(kbd.input);
      k.key(0x61, true);
      k.key(0x61, false);
      after = process.hrtime.bigint();
    });
    expect(r.code, JSON.stringify(r.out)).to.equal(0);
    expect(r.out).to.include({ name_ret: '15', name: 'fbemu keyboard', version: '0x10001', id: '6:0:1:1' });
    expect(r.out).to.include({
      evbits_ret: '8',
      ev_key: '1',
      ev_abs: '0',
      ev_rep: '1',
      keybits_ret: '96',
      key_a: '1',
      btn_left: '0',
    });
    expect(r.out.absx).to.equal('-1:22', 'EVIOCGABS on a keyboard: EINVAL');
    expect(r.out.bad_name).to.equal('-1:14');
    expect(r.out.clock).to.equal('0');
    expect(r.events.map((e) => e.slice(0, 3).map(Number))).to.deep.equal([
      [EV_KEY, KEY.KEY_A, 1],
      [EV_SYN, 0, 0],
      [EV_KEY, KEY.KEY_A, 0],
      [EV_SYN, 0, 0],
    ]);
    for (const e of r.events) {
      const us = BigInt(e[3].replace('.', ''));
      expect(us * 1000n >= before - 1000n && us * 1000n <= after, `time ${e[3]}`).to.equal(true);
    }
    expect(r.out.done).to.equal('1');
  });

  it('tablet: O_NONBLOCK read of nothing is EAGAIN, poll wakes on the pushed frame, axes 0…639', async () => {
    const r = await run([tab.chrdev.path, '5', 'poll'], () => {
      const p = new PointerInput(tab.input);
      p.pointer(10, 20, 1);
      p.pointer(10, 20, 0);
    });
    expect(r.code, JSON.stringify(r.out)).to.equal(0);
    expect(r.out).to.include({
      name: 'fbemu tablet',
      ev_abs: '1',
      key_a: '0',
      btn_left: '1',
      absx: '0:0:639:0',
      bad_name: '-1:14',
    });
    expect(r.out.empty_read).to.equal('-1:11');
    expect(r.events.map((e) => e.slice(0, 3).map(Number))).to.deep.equal([
      [EV_ABS, ABS_X, 10],
      [EV_ABS, ABS_Y, 20],
      [EV_KEY, KEY.BTN_LEFT, 1],
      [EV_SYN, 0, 0],
      [EV_KEY, KEY.BTN_LEFT, 0],
    ]);
  });

  it('a reader that stops reading: its socket fills, the cut frame is followed by SYN_DROPPED, nothing is reordered', async () => {
    const k = new KeyboardInput(kbd.input);
    let frames = 0;
    const r = await run(
      [kbd.chrdev.path, '3', 'drain'],
      () => {
        while (kbd.overflows === 0 && frames < 1_000_000) {
          k.key(0x61, frames % 2 === 0);
          frames++;
        }
      },
      (line, child) => {
        if (line === 'ready=1') child.stdin?.end('go\n');
        if (line.startsWith('drained=')) k.key(0x62, true);
      },
    );
    expect(r.code, JSON.stringify(r.out)).to.equal(0);
    expect(kbd.overflows).to.equal(1);
    const drained = Number(r.out.drained);
    // every whole frame before the cut, and maybe the cut frame's KEY record
    expect(drained).to.be.within(2 * (frames - 1), 2 * (frames - 1) + 1);
    expect(r.out.drain_errno).to.equal('11');
    expect(r.events.slice(1).map((e) => e.slice(0, 3).map(Number))).to.deep.equal([
      [EV_SYN, 3, 0],
      [EV_KEY, KEY.KEY_B, 1],
      [EV_SYN, 0, 0],
    ]);
  });

  /** Debian's evtest until its output holds `until` (then SIGINT); `onTesting` when it starts reading. */
  function evtest(
    args: string[],
    onTesting: () => void,
    until: string,
  ): Promise<{ out: string; code: number | null }> {
    const child = spawn('evtest', args, {
      env: { ...process.env, ...door.env() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let started = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!started && out.includes('Testing ...')) {
        started = true;
        onTesting();
      }
      if (started && out.includes(until)) child.kill('SIGINT');
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ out, code })));
  }

  it('Debian evtest describes the tablet and prints the pushed frame', async () => {
    const { out } = await evtest(
      [tab.chrdev.path],
      () => new PointerInput(tab.input).pointer(10, 20, 1),
      'SYN_REPORT',
    );
    const lines = out.split('\n');
    expect(lines.slice(0, 4)).to.deep.equal([
      'Input driver version is 1.0.1',
      'Input device ID: bus 0x6 vendor 0x0 product 0x2 version 0x1',
      'Input device name: "fbemu tablet"',
      'Supported events:',
    ]);
    for (const want of [
      '    Event code 272 (BTN_LEFT)',
      '    Event code 8 (REL_WHEEL)',
      '      Max      639',
      '      Max      479',
      '  Property type 0 (INPUT_PROP_POINTER)',
    ])
      expect(lines).to.include(want);
    const events = lines
      .filter((l) => l.startsWith('Event: time'))
      .map((l) => l.replace(/time [0-9.]+, /, ''));
    expect(events).to.deep.equal([
      'Event: type 3 (EV_ABS), code 0 (ABS_X), value 10',
      'Event: type 3 (EV_ABS), code 1 (ABS_Y), value 20',
      'Event: type 1 (EV_KEY), code 272 (BTN_LEFT), value 1',
      'Event: -------------- SYN_REPORT ------------',
    ]);
  });

  it('evtest --query reads key state with EVIOCGKEY: exit 10 while KEY_A is down, 0 after release', async () => {
    const query = () => run0('evtest', ['--query', kbd.chrdev.path, 'EV_KEY', 'KEY_A']);
    const k = new KeyboardInput(kbd.input);
    k.key(0x61, true);
    expect(await query()).to.equal(10);
    k.key(0x61, false);
    expect(await query()).to.equal(0);
  });

  function run0(cmd: string, args: string[]): Promise<number | null> {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...door.env() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }
});
