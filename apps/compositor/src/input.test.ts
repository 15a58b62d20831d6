import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { XK } from '@fbemu/evdev';
import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { CompositorApp } from './app/app.js';
import { RfbTestClient } from './output/rfb/test-client.js';
import { program, startScene } from './programs-test-support.js';
import { type LogLine, RecordingLog } from './test-support/recording-log.js';

/**
 * End-to-end: an RFB test client's keys and pointer reach `--run` programs through the
 * compositor's InputRouter: as Linux console bytes on the program's pseudo-terminal, as evdev
 * events on its /dev/input/event0 (keyboard) and event1 (tablet), and as keys on its fake VT (fbi).
 * Real time; every wait is on a program's output, a frame or an exit, never a sleep.
 */

/** Reads its terminal in raw mode (as fbi and mplayer do) and prints each read as hex. */
const PTY_READER = `
import os, tty
tty.setraw(0)
print('ready', flush=True)
while True:
    b = os.read(0, 64)
    if not b:
        break
    print('bytes ' + b.hex(), flush=True)
`;

/** Opens the keyboard and the tablet the compositor names in its environment, prints each event. */
const EVDEV_READER = `
import os, select, struct
fds = [os.open(os.environ[k], os.O_RDONLY) for k in ('FBEMU_KEYBOARD', 'FBEMU_POINTER')]
print('ready', flush=True)
while True:
    for fd in select.select(fds, [], [])[0]:
        _, _, t, c, v = struct.unpack('llHHi', os.read(fd, 24))
        print('event%d %d %d %d' % (fds.index(fd), t, c, v), flush=True)
`;

let dir: string;

const output = (lines: LogLine[]) => lines.filter((l) => l.fields.stream === 'stdout').map((l) => l.msg);
/** what the pty reader has read so far, as one hex string */
const ptyBytes = (lines: LogLine[]) =>
  output(lines)
    .filter((l) => l.startsWith('bytes '))
    .map((l) => l.slice(6))
    .join('');
const events = (lines: LogLine[]) => output(lines).filter((l) => l.startsWith('event'));

describe('viewer input reaches --run programs (pty, evdev, VT)', function () {
  this.timeout(60_000);
  let app: CompositorApp | undefined;
  let vnc: RfbTestClient | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fbemu-input-'));
    // two one-colour images for fbi and fim
    for (const c of ['red', 'blue']) {
      const made = spawnSync('ffmpeg', [
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `color=${c}:s=64x48`,
        '-frames:v',
        '1',
        join(dir, `${c}.png`),
      ]);
      expect(made.status, String(made.stderr)).to.equal(0);
    }
  });
  afterEach(async () => {
    vnc?.close();
    vnc = undefined;
    await app?.stop();
    app = undefined;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function connect(port: number): Promise<RfbTestClient> {
    vnc = await RfbTestClient.tcp(port);
    await vnc.handshake();
    return vnc;
  }

  function type(client: RfbTestClient, ...keysyms: number[]): void {
    for (const k of keysyms) {
      client.keyEvent(true, k);
      client.keyEvent(false, k);
    }
  }

  function click(client: RfbTestClient, x: number, y: number): void {
    client.pointerEvent(1, x, y);
    client.pointerEvent(0, x, y);
  }

  it('keys reach the focused program only: console bytes on its pty, evdev events on its keyboard; a press maps exactly to a plane at an offset', async () => {
    const log = new RecordingLog();
    const started = await startScene(
      dir,
      [
        { name: 'pty', argv: ['python3', '-c', PTY_READER], x: 0, y: 0, width: 96, height: 64 },
        { name: 'evdev', argv: ['python3', '-c', EVDEV_READER], x: 100, y: 20, width: 64, height: 48 },
      ],
      log,
    );
    app = started.app;
    await log.until('pty', (l) => output(l).includes('ready'));
    await log.until('evdev', (l) => output(l).includes('ready'));
    const client = await connect(started.port);

    // focus the pty reader, type: a, Return, BackSpace, Up, F1, F12, PgDn, Ctrl+c, Shift+A
    click(client, 10, 10);
    type(client, 0x61, XK.Return, XK.BackSpace, XK.Up, XK.F1, XK.F1 + 11, XK.Next);
    client.keyEvent(true, XK.Control_L);
    type(client, 0x63);
    client.keyEvent(false, XK.Control_L);
    client.keyEvent(true, XK.Shift_L);
    type(client, 0x41);
    client.keyEvent(false, XK.Shift_L);
    const expected = ['61', '0d', '7f', '1b5b41', '1b5b5b41', '1b5b32347e', '1b5b367e', '03', '41'].join('');
    await log.until('pty', (l) => ptyBytes(l).length >= expected.length);
    expect(ptyBytes(log.of('pty'))).to.equal(expected);

    // a press on the evdev reader's plane at (100, 20): framebuffer (37, 29), then it has the keys
    click(client, 137, 49);
    type(client, 0x62);
    await log.until('evdev', (l) => events(l).length >= 10);
    // each device's own order (the reader polls both, so the two interleave as they come)
    const of = (device: string) => events(log.of('evdev')).filter((e) => e.startsWith(device));
    expect(of('event1')).to.deep.equal([
      'event1 3 0 37', // ABS_X
      'event1 3 1 29', // ABS_Y
      'event1 1 272 1', // BTN_LEFT down
      'event1 0 0 0', // SYN_REPORT
      'event1 1 272 0',
      'event1 0 0 0',
    ]);
    expect(of('event0')).to.deep.equal([
      'event0 1 48 1', // KEY_B down
      'event0 0 0 0',
      'event0 1 48 0',
      'event0 0 0 0',
    ]);

    // back on the pty reader: its next byte is z, so the b went to the evdev reader only
    click(client, 10, 10);
    type(client, 0x7a);
    await log.until('pty', (l) => ptyBytes(l).length > expected.length);
    expect(ptyBytes(log.of('pty'))).to.equal(`${expected}7a`);
    expect(events(log.of('evdev'))).to.have.length(10);
  });

  it('the program runs in a session of its own with a pseudo-terminal as stdin, TERM=linux', async () => {
    const log = new RecordingLog();
    const check =
      "import os; print(os.getsid(0) == os.getpid(), os.isatty(0), os.ttyname(0).startswith('/dev/pts/'), os.environ['TERM'], flush=True)";
    const started = await startScene(
      dir,
      [{ name: 'python3', argv: ['python3', '-c', check], x: 0, y: 0, width: 64, height: 48 }],
      log,
    );
    app = started.app;
    expect(await program(app, 'python3').exited).to.deep.equal({ code: 0, signal: null });
    expect(output(log.of('python3'))).to.deep.equal(['True True True linux']);
  });

  it('fbi on its fake VT: PgDn from the viewer shows the second image, q quits', async () => {
    const log = new RecordingLog();
    const argv = ['fbi', '-T', '1', '--noverbose', '-a', join(dir, 'red.png'), join(dir, 'blue.png')];
    // fbi wants room for its status line: a 320x240 console, the 64x48 image zoomed to it (-a)
    const started = await startScene(
      dir,
      [{ name: 'fbi', argv, x: 20, y: 10, width: 320, height: 240 }],
      log,
      {
        width: 400,
        height: 300,
      },
    );
    const running = started.app;
    app = running;
    // the dominant channel of the plane's centre pixel (ffmpeg's YUV makes red 0xfd0000)
    const centre = () => {
      const { pixels, stride } = running.compositor;
      const p = pixels[(10 + 120) * stride + 20 + 160];
      const [r, g, b] = [(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff];
      return r > 0xe0 && g < 0x20 && b < 0x20 ? 'red' : b > 0xe0 && r < 0x20 && g < 0x20 ? 'blue' : 'other';
    };
    const shows = (colour: string) =>
      firstValueFrom(running.compositor.frames$.pipe(filter(() => centre() === colour)));
    await shows('red');
    const client = await connect(started.port);
    click(client, 30, 20);
    const blue = shows('blue');
    type(client, XK.Next);
    await blue;
    const fbi = program(running, 'fbi');
    const { vt } = fbi.devices;
    expect(vt.kdMode(1)).to.equal(1, 'fbi owns the console (KD_GRAPHICS)');
    const gone = firstValueFrom(fbi.devices.door.exits$.pipe(filter(() => vt.kdMode(1) === 0)));
    type(client, 0x71);
    await gone;
    expect(vt.kdMode(1)).to.equal(0, 'q gave the console back (KD_TEXT)');
  });
  it('mplayer reads its keys from the pty: a looping clip plays until the viewer types q', async () => {
    const clip = join(dir, 'clip.avi');
    const made = spawnSync('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=160x120:rate=10',
      '-t',
      '2',
      '-c:v',
      'mpeg4',
      clip,
    ]);
    expect(made.status, String(made.stderr)).to.equal(0);
    const log = new RecordingLog();
    const argv = ['mplayer', '-really-quiet', '-vo', 'fbdev2', '-nosound', '-loop', '0', clip];
    const started = await startScene(
      dir,
      [{ name: 'mplayer', argv, x: 0, y: 0, width: 160, height: 120 }],
      log,
    );
    const running = started.app;
    app = running;
    const mplayer = program(running, 'mplayer');
    await firstValueFrom(running.compositor.frames$.pipe(filter(() => mplayer.stats.writebacks > 0)));
    const client = await connect(started.port);
    click(client, 80, 60);
    type(client, 0x71);
    expect(await mplayer.exited).to.deep.equal({ code: 0, signal: null });
  });
  it('fim (on its fake VT) shows the image and quits when the viewer types q', async () => {
    const log = new RecordingLog();
    const argv = ['fim', '-T', '1', '-a', join(dir, 'red.png')];
    const started = await startScene(dir, [{ name: 'fim', argv, x: 0, y: 0, width: 320, height: 240 }], log, {
      width: 320,
      height: 240,
    });
    const running = started.app;
    app = running;
    const fim = program(running, 'fim');
    await firstValueFrom(running.compositor.frames$.pipe(filter(() => fim.stats.writebacks > 0)));
    const client = await connect(started.port);
    click(client, 160, 120);
    type(client, 0x71);
    expect(await fim.exited).to.deep.equal({ code: 0, signal: null });
  });
  it("--drm: a press on the lit CRTC's plane reaches the program's tablet at framebuffer coordinates", async () => {
    const log = new RecordingLog();
    // the card's connector and CRTC ids are fixed per device: read them from a probe
    const at = { x: 40, y: 30, width: 640, height: 480, drm: true };
    const output = { width: 720, height: 540 };
    const probe = await startScene(dir, [{ name: 'sleep', argv: ['sleep', '600'], ...at }], log, output);
    const card = program(probe.app, 'sleep').devices.drm?.card;
    if (!card) throw new Error('no DRM card');
    const ids = `${card.config.connector.id}@${card.config.crtc.id}:640x480`;
    await probe.app.stop();
    const argv = ['modetest', '-M', 'fbemu', '-D', '/dev/dri/card0', '-s', ids];
    const started = await startScene(dir, [{ name: 'modetest', argv, ...at }], log, output);
    const running = started.app;
    app = running;
    const modetest = program(running, 'modetest');
    const lit = () => running.compositor.stack.some((p) => p.id === 'modetest:drm');
    await Promise.race([firstValueFrom(running.compositor.frames$.pipe(filter(lit))), modetest.exited]);
    expect(lit(), 'modetest lit its CRTC').to.equal(true);
    // a second process on the program's devices reads its tablet (modetest reads no input)
    const reader = spawn('python3', ['-c', EVDEV_READER], {
      env: { ...process.env, ...modetest.devices.env() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    const { stdout } = reader;
    if (!stdout) throw new Error('no stdout');
    createInterface({ input: stdout }).on('line', (l) => lines.push(l));
    const seen = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => lines.length >= n && resolve();
        check();
        stdout.on('data', () => setImmediate(check));
      });
    try {
      await seen(1); // ready
      const client = await connect(started.port);
      click(client, 40 + 100, 30 + 200);
      await seen(7);
      expect(lines.slice(1, 5)).to.deep.equal([
        'event1 3 0 100',
        'event1 3 1 200',
        'event1 1 272 1',
        'event1 0 0 0',
      ]);
    } finally {
      reader.kill('SIGKILL');
    }
  });
});
