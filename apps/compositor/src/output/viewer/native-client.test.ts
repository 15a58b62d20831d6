import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import pixelmatch from 'pixelmatch';
import type { Browser } from 'playwright-core';
import { frameToRgba } from '../frame.js';
import type { RfbServer } from '../rfb/server.js';
import { fillRect, startServer, type TestFrame } from '../rfb/test-support.js';
import { decodeInBrowser, launchChromium } from './chromium.js';

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, _stdout, stderr) =>
      err ? reject(new Error(`${cmd}: ${err.message}\n${stderr}`)) : resolve(),
    );
  });
}

/** Flat colour blocks on the 8×8 JPEG grid plus a horizontal ramp: little JPEG loss, yet every region distinct. */
function blocks(width: number, height: number): TestFrame {
  const frame: TestFrame = { width, height, stride: width, pixels: new Uint32Array(width * height) };
  const colours = [0xd02020, 0x20b040, 0x2040e0, 0xf0e020, 0x20e0e0, 0xe020e0];
  for (let by = 0; by < height / 2; by += 16) {
    for (let bx = 0; bx < width; bx += 16)
      fillRect(frame, bx, by, bx + 16, by + 16, colours[(bx / 16 + by / 16) % colours.length]);
  }
  for (let y = height / 2; y < height; y++)
    for (let x = 0; x < width; x++) frame.pixels[y * width + x] = ((x * 2) & 0xff) * 0x010101;
  return frame;
}

describe('native VNC client: vncsnapshot (Debian) against the TCP server', function () {
  this.timeout(60_000);
  let browser: Browser;
  let rfb: RfbServer;
  let dir: string;

  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fbemu-vncsnapshot-'));
  });
  afterEach(async () => {
    await rfb?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('captures the framebuffer (its JPEG matches within JPEG tolerance, an inverted frame does not)', async () => {
    const frame = blocks(128, 96);
    rfb = await startServer(frame);
    const file = join(dir, 'shot.jpg');
    // `host::port` is a raw TCP port for TightVNC-derived clients; vncsnapshot speaks RFB 3.3.
    await run('vncsnapshot', ['-quiet', '-allowblank', '-quality', '100', `127.0.0.1::${rfb.port}`, file]);

    const page = await browser.newPage();
    const shot = await decodeInBrowser(page, await readFile(file), 'image/jpeg');
    await page.close();
    expect([shot.width, shot.height]).to.deep.equal([128, 96]);

    const expected = frameToRgba(frame);
    const total = 128 * 96;
    const off = pixelmatch(expected, shot.data, undefined, 128, 96, { threshold: 0.1 });
    expect(off / total).to.be.below(0.01);

    const inverted = expected.map((v, i) => (i % 4 === 3 ? v : 255 - v));
    const offInverted = pixelmatch(inverted, shot.data, undefined, 128, 96, { threshold: 0.1 });
    expect(offInverted / total).to.be.above(0.5, 'the comparison can tell a wrong image apart');
    expect(rfb.stats().rawPixels).to.be.at.least(total);
  });
});
