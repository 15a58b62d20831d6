import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { filter, firstValueFrom } from 'rxjs';
import { CompositorApp } from './app/app.js';
import { createAppContainer } from './app/container.js';
import { realTimeScheduler } from './app/real-time-scheduler.js';
import { parseFlags } from './cli/flags.js';
import { loadScene } from './cli/scene.js';
import type { ProgramClient } from './clients/program-client.js';
import { RfbTestClient } from './output/rfb/test-client.js';
import { RecordingLog } from './test-support/recording-log.js';

/**
 * End-to-end: real Debian programs (ffmpeg, fbset, fbi, fbcat) run under the compositor exactly as
 * `--run` starts them, each on its own /dev/fb0 behind the chrdev front door. Every wait is on an
 * event (program exit, front door release, composited frame); no sleeps.
 */
const MAIN = new URL('./main.js', import.meta.url).pathname;
const W = 640;
const H = 480;
const SOURCE = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=30`];
const FFMPEG = `ffmpeg ${SOURCE.join(' ')} -frames:v 3 -pix_fmt bgra -f fbdev /dev/fb0`;

/** ffmpeg's own rendering of the same last frame, as rawvideo BGRA. */
function lastRawFrame(): Buffer {
  const raw = spawnSync('ffmpeg', [...SOURCE, '-frames:v', '3', '-pix_fmt', 'bgra', '-f', 'rawvideo', '-'], {
    maxBuffer: 1 << 24,
  });
  expect(raw.status, String(raw.stderr)).to.equal(0);
  return raw.stdout.subarray(2 * W * H * 4);
}

/** The RGB of each pixel (XRGB8888 words; the X byte is not shown and not compared). */
function rgbOfWords(words: Uint32Array): Uint32Array {
  return words.map((w) => w & 0xffffff);
}

function rgbOfBgra(bytes: Buffer): Uint32Array {
  return rgbOfWords(new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
}

/** the RFB port of the last app started with `vnc` */
let rfbPort = 0;

/** The compositor as the CLI builds it from these flags (headless unless `vnc`). */
async function startApp(argv: string[], log: RecordingLog, vnc = false): Promise<CompositorApp> {
  const scene = await loadScene(
    parseFlags([...argv, '--png-interval', '0', '--rfb-port', '0', '--http-port', '0']),
  );
  const app = new CompositorApp(
    createAppContainer({ scene, scheduler: realTimeScheduler, headless: !vnc, log }),
  );
  rfbPort = (await app.start()).rfbPort ?? 0;
  return app;
}

function program(app: CompositorApp, name: string): ProgramClient {
  const client = app.scene.clients.find((c) => c.config.name === name);
  expect(client, `client ${name}`).to.not.equal(undefined);
  return client as ProgramClient;
}

/** The program has exited and its files are released (the last close flushed); then compose what is pending. */
async function finished(app: CompositorApp, client: ProgramClient): Promise<void> {
  await client.exited;
  await client.finished;
  app.compositor.composite();
}

/** Resolves at the first composited frame after which `ok()` holds (checked on every frame). */
function frameWhere(app: CompositorApp, ok: () => boolean): Promise<unknown> {
  return firstValueFrom(app.compositor.frames$.pipe(filter(() => ok())));
}

function sameRgb(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe('real programs in the compositor (--run)', function () {
  this.timeout(60_000);
  let app: CompositorApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it("ffmpeg -f fbdev /dev/fb0: the output is exactly ffmpeg's own rendering of its last frame; per-program stats", async () => {
    const log = new RecordingLog();
    app = await startApp(['--run', FFMPEG], log);
    expect([app.compositor.width, app.compositor.height]).to.deep.equal([W, H]);
    const ffmpeg = program(app, 'ffmpeg');
    expect(await ffmpeg.exited).to.deep.equal({ code: 0, signal: null });
    await finished(app, ffmpeg);
    expect(sameRgb(rgbOfWords(app.compositor.pixels), rgbOfBgra(lastRawFrame()))).to.equal(true);
    const [stats] = app.stats().programs;
    expect(stats.name).to.equal('ffmpeg');
    expect(stats.writebacks).to.be.greaterThan(0);
    expect(stats.pagesFlushed).to.be.at.least(stats.writebacks);
    expect(Number.isFinite(stats.latencyP50)).to.equal(true);
    expect(log.of('ffmpeg').map((l) => l.msg)).to.include.members(['program started', 'program ended']);
  });

  it('fbcat, started later on the same device, reads back exactly what ffmpeg drew', async () => {
    app = await startApp(['--run', FFMPEG], new RecordingLog());
    const ffmpeg = program(app, 'ffmpeg');
    await finished(app, ffmpeg);
    // a second process on the program's /dev/fb0: the same front door environment
    const fbcat = spawn('fbcat', ['/dev/fb0'], { env: { ...process.env, ...ffmpeg.devices.env() } });
    const chunks: Buffer[] = [];
    fbcat.stdout.on('data', (c: Buffer) => chunks.push(c));
    const code = await new Promise((resolve) => fbcat.on('close', (c, s) => resolve(c ?? s)));
    expect(code).to.equal(0);
    const ppm = Buffer.concat(chunks);
    const header = `P6 ${W} ${H} 255\n`;
    expect(ppm.subarray(0, header.length).toString('latin1').replace(/\s+/g, ' ')).to.equal(
      header.replace('\n', ' '),
    );
    const rgb = ppm.subarray(ppm.length - W * H * 3);
    const read = new Uint32Array(W * H).map(
      (_, i) => (rgb[3 * i] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i + 2],
    );
    expect(sameRgb(read, rgbOfBgra(lastRawFrame()))).to.equal(true);
    expect(sameRgb(read, rgbOfWords(app.compositor.pixels))).to.equal(true);
  });

  it('fbset -i logs the mode --fb-mode configured, line by line, tagged with the program', async () => {
    const log = new RecordingLog();
    app = await startApp(['--run', 'fbset -i', '--fb-mode', '800x600x16'], log);
    expect([app.compositor.width, app.compositor.height]).to.deep.equal([800, 600]);
    const fbset = program(app, 'fbset');
    expect(await fbset.exited).to.deep.equal({ code: 0, signal: null });
    const out = log
      .of('fbset')
      .filter((l) => l.fields.stream === 'stdout')
      .map((l) => l.msg.trim());
    expect(out).to.include.members([
      'mode "800x600"',
      'geometry 800 600 800 600 16',
      'rgba 5/11,6/5,5/0,0/0',
    ]);
  });

  it('fbi -a -T 1 (on the fake VT) shows the image pixel for pixel; Ctrl-C ends it and the compositor stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbemu-fbi-'));
    const png = join(dir, 'image.png');
    const make = spawnSync('ffmpeg', [...SOURCE, '-frames:v', '1', '-y', png]);
    expect(make.status, String(make.stderr)).to.equal(0);
    const decoded = spawnSync(
      'ffmpeg',
      ['-loglevel', 'error', '-i', png, '-pix_fmt', 'bgra', '-f', 'rawvideo', '-'],
      {
        maxBuffer: 1 << 24,
      },
    );
    const image = rgbOfBgra(decoded.stdout);
    const log = new RecordingLog();
    app = await startApp(['--run', `fbi -a -T 1 --noverbose ${png}`], log);
    const running = app;
    // the image is the framebuffer's size, so -a does not scale it
    await frameWhere(running, () => sameRgb(rgbOfWords(running.compositor.pixels), image));
    const fbi = program(running, 'fbi');
    // fbi's parent has exited: what shows is its child, forked into a session of its own
    const [child] = fbi.devices.door.pids;
    expect(child).to.not.equal(fbi.pid);
    await running.stop();
    await fbi.finished;
    // SIGTERMed by the stop (it ended: the front door saw its connection close)
    const ended = log.of('fbi').find((l) => l.msg === 'ending the processes still on its devices');
    expect(ended?.fields.pids).to.equal(String(child));
    expect(fbi.devices.door.pids).to.deep.equal([]);
    expect(log.lines.filter((l) => l.level === 'warn' && l.msg.includes('SIGKILL'))).to.deep.equal([]);
  });

  it('an RFB client connected to the compositor receives the program pixels', async () => {
    app = await startApp(['--run', FFMPEG], new RecordingLog(), true);
    const ffmpeg = program(app, 'ffmpeg');
    await finished(app, ffmpeg);
    const client = await RfbTestClient.tcp(rfbPort);
    try {
      await client.handshake();
      client.requestUpdate(false);
      await client.readUpdate();
      expect(sameRgb(rgbOfWords(client.screen), rgbOfBgra(lastRawFrame()))).to.equal(true);
    } finally {
      client.close();
    }
  });

  it('programs that fail, exit at once, are killed or ignore SIGTERM: the compositor keeps running and stops cleanly', async () => {
    const log = new RecordingLog();
    const endless = `ffmpeg -re ${SOURCE.join(' ')} -pix_fmt bgra -f fbdev /dev/fb0`;
    app = await startApp(
      [
        '--run',
        'no-such-program-fbemu',
        '--run',
        'false',
        '--run',
        endless,
        '--run',
        `sh -c 'trap "" TERM; exec sleep 600'`,
      ],
      log,
    );
    const running = app;
    expect(await program(running, 'no-such-program-fbemu').exited).to.have.property('error');
    expect(await program(running, 'false').exited).to.deep.equal({ code: 1, signal: null });
    const ffmpeg = program(running, 'ffmpeg');
    // killed mid-stream, after its first frame reached the output
    await frameWhere(running, () => ffmpeg.stats.writebacks > 0);
    process.kill(ffmpeg.pid as number, 'SIGKILL');
    expect(await ffmpeg.exited).to.deep.equal({ code: null, signal: 'SIGKILL' });
    await ffmpeg.finished;
    // still compositing: damage anywhere makes a frame
    running.compositor.damagePlane('false', [ffmpeg.plane.surface.bounds]);
    expect(running.compositor.composite()).to.not.equal(undefined);
    await running.stop();
    const sh = log.of('sh');
    expect(sh.some((l) => l.level === 'warn' && l.msg.includes('SIGKILL'))).to.equal(true);
    expect(sh.find((l) => l.msg === 'program ended')?.fields.signal).to.equal('SIGKILL');
  });

  it('the CLI: SIGINT ends the programs (SIGKILL for one ignoring SIGTERM), writes the snapshot with the last frame, exits 0', async () => {
    const snapshot = join(mkdtempSync(join(tmpdir(), 'fbemu-run-')), 'last.png');
    const stubborn = `sh -c 'trap "" TERM; echo ready; exec sleep 600'`;
    const args = [
      '--run',
      FFMPEG,
      '--run',
      stubborn,
      '--headless',
      '--png-interval',
      '0',
      '--snapshot',
      snapshot,
    ];
    const cli = spawn(process.execPath, [MAIN, ...args, '--log-format', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    const reader = createInterface({ input: cli.stderr });
    reader.on('line', (l) => lines.push(JSON.parse(l)));
    /** resolves at the first log line (JSON on stderr) that satisfies `ok` */
    const seen = (ok: (l: Record<string, unknown>) => boolean) =>
      new Promise<void>((resolve) => {
        if (lines.some(ok)) resolve();
        else reader.on('line', () => lines.some(ok) && resolve());
      });
    const exit = new Promise((resolve) => cli.on('exit', (code) => resolve(code)));
    await seen((l) => l.program === 'sh' && l.msg === 'ready');
    await seen((l) => l.program === 'ffmpeg' && l.msg === 'program ended');
    cli.kill('SIGINT');
    expect(await exit).to.equal(0);
    expect(lines.some((l) => l.program === 'sh' && String(l.msg).includes('SIGKILL'))).to.equal(true);
    expect(lines.find((l) => l.program === 'sh' && l.msg === 'program ended')?.signal).to.equal('SIGKILL');
    const png = PNG.sync.read(readFileSync(snapshot));
    expect([png.width, png.height]).to.deep.equal([2 * W, H]);
    const left = new Uint32Array(W * H).map((_, i) => {
      const o = (Math.floor(i / W) * 2 * W + (i % W)) * 4;
      return (png.data[o] << 16) | (png.data[o + 1] << 8) | png.data[o + 2];
    });
    expect(sameRgb(left, rgbOfBgra(lastRawFrame()))).to.equal(true);
  });

  it('FBIOPAN_DISPLAY shows the panned-in rows; a blanked device shows black', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbemu-pan-'));
    const config = join(dir, 'scene.json');
    const scene = {
      output: { width: 64, height: 48 },
      clients: [
        { name: 'pan', kind: 'program', argv: ['sleep', '600'], width: 64, height: 48, virtualHeight: 96 },
      ],
    };
    writeFileSync(config, JSON.stringify(scene));
    app = await startApp(['--config', config], new RecordingLog());
    const running = app;
    const { device } = program(running, 'pan').devices;
    const words = new Uint32Array(device.scanout.memory.buffer);
    words.fill(0x0000ff, 0, 64 * 48);
    words.fill(0xff0000, 64 * 48, 64 * 96);
    const all = (v: number) => () => running.compositor.pixels.every((p) => (p & 0xffffff) === v);
    device.panDisplay({ ...device.var, yoffset: 48 });
    await frameWhere(running, all(0xff0000));
    device.setBlank(4);
    await frameWhere(running, all(0));
    device.setBlank(0);
    device.panDisplay({ ...device.var, yoffset: 0 });
    await frameWhere(running, all(0x0000ff));
  });

  it('--drm: modetest -s on /dev/dri/card0 covers the /dev/fb0 plane with its pattern while it holds the CRTC; its end uncovers the fb', async () => {
    const log = new RecordingLog();
    // the program's own card: connector and CRTC ids are fixed per device, read them from a probe node
    app = await startApp(['--drm', '--run', 'sleep 600'], log);
    const { config } = program(app, 'sleep').devices.drm?.card ?? { config: undefined };
    expect(config, 'the program got a /dev/dri/card0').to.not.equal(undefined);
    const ids = `${config?.connector.id}@${config?.crtc.id}:${W}x${H}`;
    await app.stop();
    app = await startApp(['--drm', '--run', `modetest -M fbemu -D /dev/dri/card0 -s ${ids}`], log);
    const running = app;
    const modetest = program(running, 'modetest');
    const drm = modetest.devices.drm;
    if (!drm) throw new Error('no DRM node');
    const fbWords = new Uint32Array(modetest.devices.device.scanout.memory.buffer);
    fbWords.fill(0x123456, 0, W * H); // what /dev/fb0 shows under the DRM plane
    // lit: the output is exactly the buffer modetest scans out (its SMPTE pattern, 75% grey top left)
    const showsScanout = () => {
      const screen = drm.card.scanout.current()?.screen;
      if (!screen?.u32) return false;
      const { pixels, stride } = running.compositor;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          if (((pixels[y * stride + x] ^ screen.u32[(y * screen.pitch) / 4 + x]) & 0xffffff) !== 0)
            return false;
      return true;
    };
    await Promise.race([frameWhere(running, showsScanout), modetest.exited]);
    expect(running.compositor.pixels[0] & 0xffffff).to.equal(0xc0c0c0);
    expect(running.compositor.stack.map((p) => p.id)).to.deep.equal(['modetest', 'modetest:drm']);
    // its end (the last close turns the CRTC off) uncovers /dev/fb0's picture
    modetest.devices.device.helper.defio.markDirty(0, W * H * 4);
    const uncovered = frameWhere(running, () =>
      running.compositor.pixels.every((p) => (p & 0xffffff) === 0x123456),
    );
    const { pid } = modetest;
    if (pid === undefined) throw new Error('modetest has no pid');
    process.kill(pid, 'SIGTERM');
    await finished(running, modetest);
    await uncovered;
    expect(running.compositor.stack.map((p) => p.id)).to.deep.equal(['modetest']);
  });
});
