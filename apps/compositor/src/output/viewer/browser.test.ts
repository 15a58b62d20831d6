import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import pixelmatch from 'pixelmatch';
import type { Browser, Page } from 'playwright-core';
import { frameToRgba } from '../frame.js';
import type { RfbServer } from '../rfb/server.js';
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
    rfb = await startServer(frame, { listenTcp: false });
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
});
