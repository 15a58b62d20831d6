import 'reflect-metadata';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChrdevRegistry,
  FrontDoor,
  loadNative,
  SHARED_MEMORY_ALLOCATOR,
  sharedMemoryAllocator,
} from '@fbemu/chrdev';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { FAKE_VT, type FakeVt, FBMEM_FACTORY, type FbmemFactoryApi, fbmemModule } from '@fbemu/fbmem';
import { expect } from 'chai';
import { Container } from 'inversify';
import { asyncScheduler, filter, firstValueFrom } from 'rxjs';
import { keysymToConsoleBytes, XK } from './keysym.js';

/**
 * End-to-end: Debian's fbi shows two images on /dev/fb0 and is driven by the Linux console bytes
 * of keys (PgDn = ESC [6~, then q) queued on its virtual terminal, the way a viewer's keys reach
 * a program that reads its VT. Real time, waiting on damage and process exit. Needs fbi and ffmpeg.
 */
const W = 320;
const H = 240;
const NONE = { shift: false, ctrl: false, alt: false };

describe('fbi on /dev/fb0 driven by console key bytes on its VT', function () {
  this.timeout(60_000);
  let dir: string;
  let fbi: ChildProcess | undefined;
  // closed in after(), so that a failing run (a timeout) still lets the program and mocha go
  let door: FrontDoor | undefined;
  let destroy: (() => void) | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fbemu-fbi-'));
    for (const c of ['red', 'blue'])
      execFileSync('ffmpeg', [
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        `color=${c}:s=64x48`,
        '-frames:v',
        '1',
        join(dir, `${c}.png`),
      ]);
  });
  after(() => {
    fbi?.kill('SIGKILL');
    door?.close();
    destroy?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the first image, PgDn shows the second, q quits and gives the console back', async () => {
    const c = new Container();
    c.bind(SCHEDULER).toConstantValue(asyncScheduler);
    c.bind(SHARED_MEMORY_ALLOCATOR).toConstantValue(sharedMemoryAllocator(loadNative()));
    c.load(fbdevDefioModule, fbmemModule);
    const { device, chrdev } = c.get<FbmemFactoryApi>(FBMEM_FACTORY).create({ width: W, height: H });
    const vt = c.get<FakeVt>(FAKE_VT);
    const nodes = new ChrdevRegistry();
    nodes.register(chrdev);
    for (const tty of vt.devices().slice(0, 2)) nodes.register(tty);
    const frontDoor = new FrontDoor(nodes, asyncScheduler);
    door = frontDoor;
    destroy = () => device.destroy();
    frontDoor.start({ socketPath: join(dir, 'door.sock') });
    const pixels = new Uint32Array(device.scanout.memory.buffer);
    // the centre pixel's dominant channel (the PNGs go through ffmpeg's YUV: red is 0xfd0000)
    const centre = () => {
      const p = pixels[(H / 2) * W + W / 2];
      const [r, g, b] = [(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff];
      return r > 0xe0 && g < 0x20 && b < 0x20 ? 'red' : b > 0xe0 && r < 0x20 && g < 0x20 ? 'blue' : 'other';
    };
    const shows = (colour: string) => firstValueFrom(device.damage$.pipe(filter(() => centre() === colour)));
    const red = shows('red');
    fbi = spawn(
      'fbi',
      ['-d', chrdev.path, '-T', '1', '--noverbose', '-a', join(dir, 'red.png'), join(dir, 'blue.png')],
      {
        env: { ...process.env, ...frontDoor.env(), TERM: 'linux' },
        stdio: 'ignore',
      },
    );
    await red;
    expect(vt.kdMode(1)).to.equal(1, 'fbi owns the console (KD_GRAPHICS)');
    const blue = shows('blue');
    vt.queueInput(keysymToConsoleBytes(XK.Next, NONE) as Uint8Array, 1);
    await blue;
    const gone = firstValueFrom(frontDoor.exits$.pipe(filter(() => vt.kdMode(1) === 0)));
    vt.queueInput(keysymToConsoleBytes(0x71, NONE) as Uint8Array, 1);
    await gone;
    expect(vt.kdMode(1)).to.equal(0, 'back to KD_TEXT');
  });
});
