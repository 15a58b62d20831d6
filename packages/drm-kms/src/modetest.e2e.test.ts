import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHRDEV_REGISTRY,
  type ChrdevRegistryApi,
  chrdevModule,
  FRONT_DOOR,
  type FrontDoorApi,
} from '@fbemu/chrdev';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { GEM_DEVICE_OPTIONS, gemShmemModule } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { Container } from 'inversify';
import { asyncScheduler } from 'rxjs';
import type { DrmKmsDevice } from './drm-device.js';
import { drmKmsModule } from './module.js';
import type { ScanoutFrame } from './scanout.js';
import type { SharedMemoryPool } from './shared-memory-pool.js';
import { modetest } from './test-support.js';
import { DRM_KMS_DEVICE, DRM_KMS_OPTIONS, DRM_SHARED_MEMORY_POOL } from './tokens.js';

/**
 * End to end: Debian's modetest (libdrm-tests) drives /dev/dri/card0 through the chrdev front
 * door. Real time; every wait is on an event (a frame, the program's exit), never a sleep.
 * Needs: libdrm-tests, gcc/g++ (the native front door). libdrm stats /dev/dri before opening a
 * node in it; the preload answers for it when it is missing.
 */
function serve() {
  const container = new Container();
  container.bind(SCHEDULER).toConstantValue(asyncScheduler);
  container.bind(DRM_KMS_OPTIONS).toConstantValue({ width: 640, height: 480, privileged: true });
  container.bind(GEM_DEVICE_OPTIONS).toDynamicValue((ctx) => ({
    allocateBacking: ctx.get<SharedMemoryPool>(DRM_SHARED_MEMORY_POOL).allocate,
  }));
  container.load(gemShmemModule, fbdevDefioModule, chrdevModule, drmKmsModule);
  const card = container.get<DrmKmsDevice>(DRM_KMS_DEVICE);
  container.get<ChrdevRegistryApi>(CHRDEV_REGISTRY).register(card);
  const door = container.get<FrontDoorApi>(FRONT_DOOR);
  door.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'fbemu-drm-')), 'door.sock') });
  const frames: ScanoutFrame[] = [];
  const waiters: { pred: (f: ScanoutFrame) => boolean; done: () => void }[] = [];
  card.scanout$.subscribe((frame) => {
    frames.push(frame);
    // the stand-in compositor has "shown" the frame: complete a pending flip
    setImmediate(() => card.flipDone());
    for (const w of waiters.splice(0))
      if (w.pred(frame)) w.done();
      else waiters.push(w);
  });
  const frameWhere = (pred: (f: ScanoutFrame) => boolean) =>
    new Promise<void>((done) => (frames.some(pred) ? done() : waiters.push({ pred, done })));
  return { card, door, frames, frameWhere };
}

describe('modetest on /dev/dri/card0 (end to end)', function () {
  this.timeout(30000);
  let served: ReturnType<typeof serve>;

  before(() => {
    served = serve();
  });
  after(() => served.door.close());

  it('lists the virtual connector, CRTC, encoder and primary plane with its "type" property', async () => {
    const { card, door } = served;
    const out = await modetest(door, []).exit;
    // connector id, encoder 0 (the CRTC is off, so the connector is routed through none), status
    expect(out).to.match(new RegExp(`${card.config.connector.id}\\s+0\\s+connected\\s+Virtual-1`));
    expect(out).to.match(/#0 640x480 60\.00 640/);
    expect(out).to.match(/formats: XR24 AR24 RG16 RG24/);
    expect(out).to.match(/type:\s+flags: immutable enum\s+enums: Overlay=0 Primary=1 Cursor=2\s+value: 1/);
  });

  it('-s sets the mode: the SMPTE pattern is scanned out, DIRTYFB damages it, exit turns the CRTC off', async () => {
    const { card, door, frames, frameWhere } = served;
    const from = frames.length;
    const { child, exit } = modetest(door, [
      '-s',
      `${card.config.connector.id}@${card.config.crtc.id}:640x480`,
    ]);
    await frameWhere((f) => f.reason === 'dirtyfb');
    const shown = frames.slice(from).find((f) => f.reason === 'modeset');
    expect(shown?.buffer?.surface.width).to.equal(640);
    // top-left of modetest's SMPTE pattern is its 75% grey bar
    expect(shown?.buffer?.surface.u32?.[0]).to.equal(0x00c0c0c0);
    child.stdin.write('\n');
    await exit;
    await frameWhere((f) => f.reason === 'off' && frames.indexOf(f) > from);
  });

  it('-v flips pages: each flip is shown whole and its event lets modetest flip again', async () => {
    const { card, door, frames, frameWhere } = served;
    const from = frames.length;
    const { child, exit } = modetest(door, [
      '-s',
      `${card.config.connector.id}@${card.config.crtc.id}:640x480`,
      '-v',
    ]);
    await frameWhere(
      (f) => frames.indexOf(f) >= from && frames.slice(from).filter((g) => g.reason === 'flip').length >= 30,
    );
    child.stdin.write('\n');
    await exit;
    const flips = frames.slice(from).filter((f) => f.reason === 'flip');
    expect(new Set(flips.map((f) => f.buffer?.fbId)).size).to.equal(2);
    expect(flips.every((f) => f.damage.length === 1 && f.damage[0].width === 640)).to.equal(true);
    expect(card.scanout.vblankCount).to.be.greaterThan(30);
  });
});

/** Builds tools/draw-client.c (plain stores, no DIRTYFB) into dist/, once per run. */
function buildDrawClient(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const binary = join(here, 'draw-client');
  execFileSync('cc', [
    '-Wall',
    '-Wextra',
    '-Werror',
    '-O2',
    '-o',
    binary,
    join(here, '../tools/draw-client.c'),
  ]);
  return binary;
}

describe('a program storing into its scanned-out dumb buffer (end to end)', function () {
  this.timeout(30000);
  let served: ReturnType<typeof serve>;

  before(() => {
    served = serve();
  });
  after(() => served.door.close());

  it('each row it fills is damaged and shown without DIRTYFB, again after every writeback', async () => {
    const { card, door, frames, frameWhere } = served;
    const client = spawn(
      buildDrawClient(),
      ['/dev/dri/card0', `${card.config.connector.id}`, `${card.config.crtc.id}`],
      {
        env: { ...process.env, ...door.env() },
      },
    );
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    client.stdout.on('data', (d: Buffer) => {
      lines.push(...d.toString().trim().split('\n'));
      for (const w of waiters.splice(0)) w();
    });
    const line = (text: string) =>
      new Promise<void>((done) => {
        const check = () => (lines.includes(text) ? done() : waiters.push(check));
        check();
      });
    const exited = new Promise<number | null>((done) => client.on('close', done));
    await line('ready');
    const from = frames.length;
    const rowShown = (y: number) => (f: ScanoutFrame) =>
      frames.indexOf(f) >= from &&
      f.reason === 'write' &&
      f.damage.some((r) => r.y1 <= y && y < r.y2 && r.x1 === 0 && r.x2 === 640);
    for (const y of [200, 300, 200]) {
      client.stdin.write(`${y}\n`);
      await frameWhere(rowShown(y));
      const shown = card.scanout.current();
      expect(shown?.surface.u32?.[y * 640 + 639]).to.equal(0x00ff0000);
      frames.splice(from); // the next store of the same row must be seen again
    }
    client.stdin.end();
    expect(await exited).to.equal(0);
  });
});
