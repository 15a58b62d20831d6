import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { filter, firstValueFrom } from 'rxjs';
import type { CompositorApp } from './app/app.js';
import { canvasPixels, launchChromium } from './output/viewer/chromium.js';
import { frameWhere, program, RecordingLog, startApp, viewerSocketUrl } from './programs-test-support.js';
import type { LogLine } from './test-support/recording-log.js';

/**
 * End-to-end from the real viewer page: headless chromium opens the compositor's page (noVNC), the
 * way a user would, against the compositor started as the CLI does with a `--run` program; a real
 * click and real typing (playwright's page.mouse / page.keyboard, so noVNC's own key and mouse
 * handling) reach the program's pty, its evdev keyboard and tablet, and fbi's fake VT.
 * Real time; every wait is on a program's output line, a frame, a canvas pixel or an exit.
 */

const CANVAS = '#screen canvas';
const W = 320;
const H = 240;

/** The pattern the drive program writes to its /dev/fb0 (XRGB8888), as the test computes it. */
const patternPixel = (x: number, y: number) =>
  (((x * 7) & 0xff) << 16) | (((y * 5) & 0xff) << 8) | ((x ^ y) & 0xff);

/**
 * Draws the pattern with write(2) on /dev/fb0, then reads its terminal in raw mode and its evdev
 * keyboard and tablet, printing each read: `bytes <hex>` or `event<0|1> <type> <code> <value>`.
 */
const DRIVE_PROGRAM = `
import os, select, struct, sys, tty
W, H = ${W}, ${H}
fb = os.open('/dev/fb0', os.O_WRONLY)
row = bytearray(W * 4)
for y in range(H):
    for x in range(W):
        struct.pack_into('<I', row, 4 * x, (((x * 7) & 0xff) << 16) | (((y * 5) & 0xff) << 8) | ((x ^ y) & 0xff))
    os.write(fb, row)
os.close(fb)
tty.setraw(0)
fds = [os.open(os.environ[k], os.O_RDONLY) for k in ('FBEMU_KEYBOARD', 'FBEMU_POINTER')]
print('ready', flush=True)
while True:
    for fd in select.select([0] + fds, [], [])[0]:
        if fd == 0:
            b = os.read(0, 64)
            if not b:
                sys.exit(0)
            print('bytes ' + b.hex(), flush=True)
        else:
            _, _, t, c, v = struct.unpack('llHHi', os.read(fd, 24))
            print('event%d %d %d %d' % (fds.index(fd), t, c, v), flush=True)
`;

const output = (lines: LogLine[]) => lines.filter((l) => l.fields.stream === 'stdout').map((l) => l.msg);
const ptyBytes = (lines: LogLine[]) =>
  output(lines)
    .filter((l) => l.startsWith('bytes '))
    .map((l) => l.slice(6))
    .join('');
/** evdev events of one device ('event0' keyboard, 'event1' tablet) as [type, code, value] */
const events = (lines: LogLine[], device: string) =>
  output(lines)
    .filter((l) => l.startsWith(`${device} `))
    .map((l) => l.split(' ').slice(1).map(Number));

const EV_SYN = 0;
const EV_KEY = 1;
const EV_ABS = 3;
const BTN_LEFT = 0x110;

/** The tablet's position at each button press, replaying its events as the input core would. */
function pressesAt(tablet: number[][]): { button: number; x: number; y: number }[] {
  let [x, y] = [-1, -1];
  const presses: { button: number; x: number; y: number }[] = [];
  const pending: number[] = [];
  for (const [type, code, value] of tablet) {
    if (type === EV_ABS && code === 0) x = value;
    else if (type === EV_ABS && code === 1) y = value;
    else if (type === EV_KEY && value === 1) pending.push(code);
    else if (type === EV_SYN) for (const button of pending.splice(0)) presses.push({ button, x, y });
  }
  return presses;
}

/** Page coordinates of framebuffer pixel (x, y): the canvas' box, scaled by its shown size. */
async function pageAt(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await page.evaluate(`(() => {
    const c = document.querySelector(${JSON.stringify(CANVAS)});
    const r = c.getBoundingClientRect();
    return { left: r.left, top: r.top, sx: r.width / c.width, sy: r.height / c.height };
  })()`)) as { left: number; top: number; sx: number; sy: number };
  return { x: box.left + (x + 0.5) * box.sx, y: box.top + (y + 0.5) * box.sy };
}

/** Resolves when the canvas has the output's size and its pixel (x, y) has this RGB. */
async function canvasShows(page: Page, app: CompositorApp, x: number, y: number, rgb: number): Promise<void> {
  const { width, height } = app.compositor;
  await page.waitForFunction(`(() => {
    const c = document.querySelector(${JSON.stringify(CANVAS)});
    if (!c || c.width !== ${width} || c.height !== ${height}) return false;
    const d = c.getContext('2d').getImageData(${x}, ${y}, 1, 1).data;
    return ((d[0] << 16) | (d[1] << 8) | d[2]) === ${rgb};
  })()`);
}

/**
 * Resolves when the whole canvas shows the compositor's current output (RGB, every pixel): the page
 * may still be drawing updates of a change (a window move comes as several).
 */
async function canvasShowsOutput(page: Page, app: CompositorApp): Promise<void> {
  const { width, height, pixels, stride } = app.compositor;
  const rgb = Buffer.alloc(3 * width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      rgb.writeUIntBE(pixels[y * stride + x] & 0xffffff, 3 * (y * width + x), 3);
  await page.evaluate(
    `window.wantedRgb = Uint8Array.from(atob('${rgb.toString('base64')}'), (c) => c.charCodeAt(0))`,
  );
  await page.waitForFunction(`(() => {
    const c = document.querySelector(${JSON.stringify(CANVAS)});
    if (!c || c.width !== ${width} || c.height !== ${height}) return false;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const w = window.wantedRgb;
    for (let i = 0, j = 0; j < w.length; i += 4, j += 3)
      if (d[i] !== w[j] || d[i + 1] !== w[j + 1] || d[i + 2] !== w[j + 2]) return false;
    return true;
  })()`);
}

/** Canvas pixels whose RGB differs from the compositor's output. */
async function differing(page: Page, app: CompositorApp): Promise<number> {
  const shown = await canvasPixels(page, CANVAS);
  const { width, height, pixels, stride } = app.compositor;
  expect([shown.width, shown.height]).to.deep.equal([width, height]);
  let n = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      const rgb = (shown.data[i] << 16) | (shown.data[i + 1] << 8) | shown.data[i + 2];
      if (rgb !== (pixels[y * stride + x] & 0xffffff)) n++;
    }
  return n;
}

describe('driving a --run program from the viewer page in headless chromium (end to end)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let dir: string;
  let app: CompositorApp | undefined;

  before(async () => {
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'fbemu-drive-'));
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  /** The viewer page; by default in a window the output fits, so the page shows it 1:1. */
  async function openPage(viewport = { width: W + 80, height: H + 60 }): Promise<Page> {
    expect(viewerSocketUrl, 'the viewer page is served').to.match(/^ws:.*websockify$/);
    const url = viewerSocketUrl.replace(/^ws/, 'http').replace(/websockify$/, '');
    const page = await browser.newPage({ viewport });
    await page.goto(url);
    await page.waitForFunction('window.rfbConnected === true');
    return page;
  }

  /** The drive program under the compositor as the CLI starts it, once it has drawn and reads its input. */
  async function startDriveProgram(log: RecordingLog): Promise<CompositorApp> {
    const script = join(dir, 'drive.py');
    writeFileSync(script, DRIVE_PROGRAM);
    const running = await startApp(['--run', `python3 ${script}`, '--fb-mode', `${W}x${H}x32`], log, true);
    app = running;
    await log.until('python3', (l) => output(l).includes('ready'));
    const drawn = () =>
      (running.compositor.pixels[(H - 1) * running.compositor.stride + W - 1] & 0xffffff) ===
      patternPixel(W - 1, H - 1);
    // the program may have drawn before the first frame we watch: look first, then wait
    if (!drawn()) await frameWhere(running, drawn);
    return running;
  }

  it("the page shows the program's frame exactly; a click focuses it and reaches its tablet at the framebuffer pixel; typed keys reach its pty as console bytes and its keyboard as KEY_* events", async () => {
    const log = new RecordingLog();
    const running = await startDriveProgram(log);
    const page = await openPage();

    // 1. the canvas shows the program's frame, pixel for pixel
    await canvasShows(page, running, W - 1, H - 1, patternPixel(W - 1, H - 1));
    expect(await differing(page, running)).to.equal(0);
    expect(running.compositor.pixels[17 * running.compositor.stride + 200] & 0xffffff).to.equal(
      patternPixel(200, 17),
    );

    // the page tells the user how: click, type, Ctrl+drag (and covers none of the desktop)
    expect(await page.isVisible('#hint')).to.equal(true);
    expect(await page.textContent('#hint')).to.match(
      /click a program to type into it.*Ctrl\+drag moves a window/,
    );
    const bar = await page.locator('#bar').boundingBox();
    const canvas = await page.locator(CANVAS).boundingBox();
    expect(bar && canvas && bar.y + bar.height <= canvas.y, 'the bar is above the canvas').to.equal(true);

    // 2. a click at framebuffer pixel (123, 45) in the canvas
    const at = await pageAt(page, 123, 45);
    await page.mouse.click(at.x, at.y);
    await log.until('python3', (l) => events(l, 'event1').some(([t, , v]) => t === EV_KEY && v === 0));
    // one press, with the tablet at the clicked pixel (the motion before it may come as more events)
    expect(pressesAt(events(log.of('python3'), 'event1'))).to.deep.equal([
      { button: BTN_LEFT, x: 123, y: 45 },
    ]);

    // 3. typing: noVNC turns the browser's key events into keysyms, the router into console bytes
    await page.keyboard.type('a');
    await page.keyboard.press('Shift+A');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('F1');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+z');
    const expected = ['61', '41', '0d', '7f', '09', '1b5b41', '1b5b367e', '1b5b5b41', '03', '1a'].join('');
    await log.until('python3', (l) => ptyBytes(l).length >= expected.length);
    expect(ptyBytes(log.of('python3'))).to.equal(expected);

    // the same keys on its evdev keyboard: presses and releases of the KEY_* codes, in order
    // KEY_A 30, LEFTSHIFT 42, ENTER 28, BACKSPACE 14, TAB 15, UP 103, PAGEDOWN 109, F1 59, LEFTCTRL 29, C 46, Z 44
    const keysWanted = [
      '30:1 30:0',
      '42:1 30:1 30:0 42:0',
      '28:1 28:0',
      '14:1 14:0',
      '15:1 15:0',
      '103:1 103:0',
      '109:1 109:0',
      '59:1 59:0',
      '29:1 46:1 46:0 29:0',
      '29:1 44:1 44:0 29:0',
    ]
      .join(' ')
      .split(' ');
    const keys = (l: LogLine[]) =>
      events(l, 'event0')
        .filter(([t]) => t === EV_KEY)
        .map(([, c, v]) => `${c}:${v}`);
    await log.until('python3', (l) => keys(l).length >= keysWanted.length);
    expect(keys(log.of('python3'))).to.deep.equal(keysWanted);
    await page.close();
  });

  it('in a window smaller than the output (the page scales it down to fit) a click lands on the framebuffer pixel under it', async () => {
    const log = new RecordingLog();
    await startDriveProgram(log);
    // 320x240 in 200x150: shown at 5/8; (120, 48) is a whole page pixel (75, 30), so the click is exact
    const page = await openPage({ width: 200, height: 150 });
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(CANVAS)}).getBoundingClientRect().width === 200`,
    );
    const at = await pageAt(page, 120, 48);
    await page.mouse.click(at.x, at.y);
    await log.until('python3', (l) => events(l, 'event1').some(([t, , v]) => t === EV_KEY && v === 0));
    expect(pressesAt(events(log.of('python3'), 'event1'))).to.deep.equal([
      { button: BTN_LEFT, x: 120, y: 48 },
    ]);
    await page.close();
  });

  it("Ctrl+drag in the page, as the first thing the user does, moves the program's window (none of it reaches the program)", async () => {
    const script = join(dir, 'drive.py');
    writeFileSync(script, DRIVE_PROGRAM);
    const config = join(dir, 'scene.json');
    const drive = {
      name: 'drive',
      kind: 'program',
      argv: ['python3', script],
      x: 20,
      y: 10,
      width: W,
      height: H,
    };
    writeFileSync(config, JSON.stringify({ output: { width: 400, height: 300 }, clients: [drive] }));
    const log = new RecordingLog();
    // lossless: the update after the move mixes the pattern and flat background, which noVNC's
    // quality 6 would get as JPEG (docs/rfb.md), and this test compares the canvas exactly
    const running = await startApp(['--config', config, '--rfb-lossless'], log, true);
    app = running;
    await log.until('drive', (l) => output(l).includes('ready'));
    const page = await openPage({ width: 480, height: 360 });
    await canvasShows(page, running, 20 + W - 1, 10 + H - 1, patternPixel(W - 1, H - 1));

    // grab the window at output (100, 100), drop it at (160, 140): it moves by (60, 40)
    const from = await pageAt(page, 100, 100);
    const to = await pageAt(page, 160, 140);
    await page.keyboard.down('Control');
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Control');
    await canvasShows(page, running, 80 + W - 1, 50 + H - 1, patternPixel(W - 1, H - 1));
    const plane = running.compositor.plane('drive');
    expect([plane.x, plane.y]).to.deep.equal([80, 50]);
    await canvasShowsOutput(page, running);
    expect(await differing(page, running)).to.equal(0);
    expect(pressesAt(events(log.of('drive'), 'event1')), 'no press reached the program').to.deep.equal([]);
    await page.close();
  });

  it('fbi with two images, driven from the page: a click, PgDn shows the second image in the canvas, q quits', async () => {
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
    const fbi = `fbi -T 1 --noverbose -a ${join(dir, 'red.png')} ${join(dir, 'blue.png')}`;
    const running = await startApp(['--run', fbi, '--fb-mode', `${W}x${H}x32`], new RecordingLog(), true);
    app = running;
    const centre = () => running.compositor.pixels[(H / 2) * running.compositor.stride + W / 2] & 0xffffff;
    const isRed = (p: number) => p >> 16 > 0xe0 && ((p >> 8) & 0xff) < 0x20 && (p & 0xff) < 0x20;
    const isBlue = (p: number) => (p & 0xff) > 0xe0 && p >> 16 < 0x20 && ((p >> 8) & 0xff) < 0x20;
    if (!isRed(centre())) await frameWhere(running, () => isRed(centre()));
    const page = await openPage();
    await canvasShows(page, running, W / 2, H / 2, centre());
    expect(await differing(page, running)).to.equal(0);

    const at = await pageAt(page, W / 2, H / 2);
    await page.mouse.click(at.x, at.y);
    const blue = frameWhere(running, () => isBlue(centre()));
    await page.keyboard.press('PageDown');
    await blue;
    await canvasShows(page, running, W / 2, H / 2, centre());
    expect(isBlue(centre())).to.equal(true);

    const client = program(running, 'fbi');
    const { vt } = client.devices;
    expect(vt.kdMode(1)).to.equal(1, 'fbi owns the console (KD_GRAPHICS)');
    const gone = firstValueFrom(client.devices.door.exits$.pipe(filter(() => vt.kdMode(1) === 0)));
    await page.keyboard.press('q');
    await gone;
    expect(vt.kdMode(1)).to.equal(0, 'q gave the console back (KD_TEXT)');
    await page.close();
  });
});
