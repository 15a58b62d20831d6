import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import pixelmatch from 'pixelmatch';
import type { Browser, Page } from 'playwright-core';
import { frameToRgba } from '../frame.js';
import type { RfbServer } from '../rfb/server.js';
import { RfbTestClient } from '../rfb/test-client.js';
import { psnr } from '../rfb/test-jpeg.js';
import { photoPixel } from '../rfb/test-scenarios.js';
import { fillRect, makeFrame, moveBlock, startServer, type TestFrame } from '../rfb/test-support.js';
import { canvasPixels, launchChromium } from './chromium.js';
import type { ViewerServer } from './http.js';
import { startViewer } from './test-support.js';

const CANVAS = '#screen canvas';

/** Resolves when noVNC's canvas has the frame's size and shows `frame`'s pixel at (x, y). */
async function canvasShows(page: Page, frame: TestFrame, x: number, y: number): Promise<void> {
  const p = frame.pixels[y * frame.stride + x];
  const [r, g, b] = [(p >>> 16) & 0xff, (p >>> 8) & 0xff, p & 0xff];
  await page.waitForFunction(`(() => {
    const c = document.querySelector(${JSON.stringify(CANVAS)});
    if (!c || c.width !== ${frame.width} || c.height !== ${frame.height}) return false;
    const d = c.getContext('2d').getImageData(${x}, ${y}, 1, 1).data;
    return d[0] === ${r} && d[1] === ${g} && d[2] === ${b};
  })()`);
}

/** Resolves when noVNC's canvas shows `frame` exactly, every pixel (the frame goes to the page once). */
async function canvasEquals(page: Page, frame: TestFrame): Promise<void> {
  const want = Buffer.from(frameToRgba(frame)).toString('base64');
  await page.waitForFunction(`(() => {
    const c = document.querySelector(${JSON.stringify(CANVAS)});
    if (!c || c.width !== ${frame.width} || c.height !== ${frame.height}) return false;
    const want = window.__want ??= Uint8Array.from(atob('${want}'), (ch) => ch.charCodeAt(0));
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4)
      if (d[i] !== want[i] || d[i + 1] !== want[i + 1] || d[i + 2] !== want[i + 2]) return false;
    return true;
  })()`);
  await page.evaluate('delete window.__want');
}

/** Pixels differing between noVNC's canvas and the framebuffer (pixelmatch, exact threshold). */
async function mismatches(page: Page, frame: TestFrame): Promise<number> {
  const shown = await canvasPixels(page, CANVAS);
  expect([shown.width, shown.height]).to.deep.equal([frame.width, frame.height]);
  return pixelmatch(frameToRgba(frame), shown.data, undefined, frame.width, frame.height, { threshold: 0 });
}

describe('noVNC in headless chromium (end to end)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let frame: TestFrame;
  let rfb: RfbServer;
  let viewer: ViewerServer;

  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  beforeEach(async () => {
    frame = makeFrame(200, 120, 11, 0);
    // a refresh later than the default's 400 ms, so the JPEG test reads the lossy canvas before it
    rfb = await startServer(frame, { listenTcp: false, losslessRefreshMs: 2_000 });
    viewer = await startViewer(rfb);
  });
  afterEach(async () => {
    await viewer.close();
    await rfb.close();
  });

  it('shows the framebuffer exactly, then follows damage, CopyRect and a resize', async () => {
    const page = await browser.newPage({ viewport: { width: 400, height: 240 } });
    await page.goto(viewer.url);
    await page.waitForFunction('window.rfbConnected === true');
    expect(await page.getAttribute('body', 'data-rfb')).to.equal('connected');

    await canvasShows(page, frame, 199, 119);
    expect(await mismatches(page, frame)).to.equal(0);
    // noVNC lists Tight before ZRLE and Raw: the server answers in Tight (lossless), which it decoded exactly
    expect(rfb.stats().tightRects).to.be.greaterThan(0);
    expect(rfb.stats().zrleRects).to.equal(0);

    fillRect(frame, 30, 40, 90, 70, 0x00ff3366);
    rfb.damage([new Rect(30, 40, 90, 70)]);
    await canvasShows(page, frame, 89, 69);
    expect(await mismatches(page, frame)).to.equal(0);

    const src = new Rect(30, 40, 90, 70);
    moveBlock(frame, src, 120, 10);
    rfb.copyRect(src, 120, 10);
    await canvasShows(page, frame, 120, 10);
    expect(await mismatches(page, frame)).to.equal(0);
    expect(rfb.stats().copyRects).to.equal(1, 'noVNC advertises CopyRect, so the move went as one');

    Object.assign(frame, makeFrame(160, 100, 5, 0));
    rfb.resize(160, 100);
    await canvasShows(page, frame, 159, 99);
    expect(await mismatches(page, frame)).to.equal(0);
    await page.close();
  });

  it('a photographic rect comes as JPEG (noVNC asks for quality 6) within 30 dB, the rest stays exact; the lossless refresh then makes it exact', async () => {
    fillRect(frame, 0, 0, 200, 120, 0x203040);
    rfb.damage([new Rect(0, 0, 200, 120)]);
    const page = await browser.newPage({ viewport: { width: 400, height: 240 } });
    await page.goto(viewer.url);
    await page.waitForFunction('window.rfbConnected === true');
    await canvasShows(page, frame, 199, 119);
    expect(await mismatches(page, frame)).to.equal(0);

    const photo = new Rect(0, 0, 128, 96);
    for (let y = photo.y1; y < photo.y2; y++)
      for (let x = photo.x1; x < photo.x2; x++) frame.pixels[y * frame.stride + x] = photoPixel(x, y, 4);
    rfb.damage([photo]);
    // the browser decodes the JPEG asynchronously: wait until the photo's last pixel is near the frame's
    const p = frame.pixels[95 * frame.stride + 127];
    await page.waitForFunction(`(() => {
      const d = document.querySelector(${JSON.stringify(CANVAS)}).getContext('2d').getImageData(127, 95, 1, 1).data;
      return Math.abs(d[0] - ${p >>> 16}) + Math.abs(d[1] - ${(p >>> 8) & 0xff}) + Math.abs(d[2] - ${p & 0xff}) < 48;
    })()`);
    const shown = await canvasPixels(page, CANVAS);
    const want = frameToRgba(frame);
    const inPhoto: number[] = [];
    let outsideDiffers = 0;
    for (let i = 0; i < 200 * 120; i++) {
      if (i % 200 < 128 && i < 96 * 200) inPhoto.push(i);
      else if (shown.data.subarray(4 * i, 4 * i + 3).some((v, k) => v !== want[4 * i + k])) outsideDiffers++;
    }
    expect(outsideDiffers, 'pixels outside the photo that differ').to.equal(0);
    const word = (d: Uint8Array, i: number) => (d[4 * i] << 16) | (d[4 * i + 1] << 8) | d[4 * i + 2];
    const [got, exp] = [inPhoto.map((i) => word(shown.data, i)), inPhoto.map((i) => word(want, i))];
    expect(
      got.some((v, k) => v !== exp[k]),
      'lossy: the photo came as JPEG, not lossless',
    ).to.equal(true);
    expect(psnr(got, exp)).to.be.above(30);
    const updates = rfb.stats().updates;
    await canvasEquals(page, frame); // the lossless refresh, once the photo has been still for losslessRefreshMs
    expect(rfb.stats().updates).to.be.greaterThan(updates, 'a refresh update made it exact');

    fillRect(frame, 0, 0, 128, 96, 0x00ffcc00); // flat again: a fill, exact
    rfb.damage([photo]);
    await canvasShows(page, frame, 127, 95);
    expect(await mismatches(page, frame)).to.equal(0);
    await page.close();
  });
});

describe('the viewer page in headless chromium: loading, scaling, reconnecting, refusals', function () {
  this.timeout(60_000);
  let browser: Browser;
  const servers: { close(): Promise<void> }[] = [];

  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());
  afterEach(async () => {
    for (const s of servers.splice(0).reverse()) await s.close();
  });

  async function serve(frame: TestFrame, options: { maxClients?: number; port?: number } = {}) {
    const rfb = await startServer(frame, { listenTcp: false, maxClients: options.maxClients ?? 16 });
    const viewer = await startViewer(rfb, { port: options.port ?? 0 });
    servers.push(rfb, viewer);
    return { rfb, viewer };
  }

  /** The canvas' size on the page, in CSS pixels. */
  const shownSize = (page: Page) =>
    page.evaluate(`(() => {
      const r = document.querySelector(${JSON.stringify(CANVAS)}).getBoundingClientRect();
      return [r.width, r.height];
    })()`);

  it('loads with one script request, shows 1280×800 at 1:1 in a 1400×900 window, fits a smaller one, toggles to 1:1', async () => {
    const { viewer } = await serve(makeFrame(1280, 800, 3, 0));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const scripts: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script' && r.url().startsWith('http'))
        scripts.push(new URL(r.url()).pathname);
    });
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    await page.goto(viewer.url);
    await page.waitForFunction('window.rfbConnected === true');
    expect(scripts).to.deep.equal(['/viewer.js']);
    expect(failed).to.deep.equal([]);
    expect(await shownSize(page)).to.deep.equal([1280, 800]);

    await page.setViewportSize({ width: 640, height: 480 });
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(CANVAS)}).getBoundingClientRect().width <= 640`,
    );
    const [w, h] = (await shownSize(page)) as number[];
    expect(w / h).to.be.closeTo(1280 / 800, 0.01, 'scaled down, aspect kept');
    expect(h).to.be.at.most(480);

    await page.click('#scale');
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(CANVAS)}).getBoundingClientRect().width === 1280`,
    );
    expect(await page.getAttribute('body', 'data-scale')).to.equal('1:1');
    expect(await shownSize(page)).to.deep.equal([1280, 800]);
    await page.close();
  });

  it('reconnects by itself after the server restarts', async () => {
    const frame = makeFrame(64, 48, 1, 0);
    const first = await serve(frame);
    const port = first.viewer.port;
    const page = await browser.newPage({ viewport: { width: 400, height: 300 } });
    await page.goto(first.viewer.url);
    await page.waitForFunction('window.rfbConnected === true');
    for (const s of servers.splice(0).reverse()) await s.close();
    await page.waitForFunction('document.body.dataset.rfb === "disconnected"');
    expect(await page.textContent('#status')).to.match(/connection lost|disconnected/);

    fillRect(frame, 0, 0, 64, 48, 0x0000ff00);
    await serve(frame, { port });
    await page.waitForFunction('window.rfbConnected === true');
    await canvasShows(page, frame, 10, 10);
    await page.close();
  });

  it('shows the refusal reason the server sent', async () => {
    const { viewer } = await serve(makeFrame(32, 24), { maxClients: 1 });
    const occupant = await RfbTestClient.webSocket(`ws://127.0.0.1:${viewer.port}/websockify`);
    await occupant.handshake();
    occupant.requestUpdate(false);
    await occupant.readUpdate();
    occupant.requestUpdate(true); // a viewer waiting for changes: not evictable
    const page = await browser.newPage({ viewport: { width: 400, height: 300 } });
    await page.goto(viewer.url);
    await page.waitForFunction('document.body.dataset.rfb === "refused"');
    expect(await page.getAttribute('body', 'data-reason')).to.equal('too many viewers (max 1) and none idle');
    expect(await page.textContent('#status')).to.include('refused: too many viewers (max 1) and none idle');
    occupant.close();
    await page.close();
  });
});
