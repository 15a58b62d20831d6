/** Test support: Debian's chromium driven by playwright-core (never a downloaded browser). */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Fails (never skips) when chromium is missing: CI installs it. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Pixels of the first canvas matching `selector` (RGBA, rows packed). */
export async function canvasPixels(page: Page, selector: string): Promise<RgbaImage> {
  const r = (await page.evaluate(`(() => {
    const c = document.querySelector(${JSON.stringify(selector)});
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return { width: c.width, height: c.height, data: Array.from(d) };
  })()`)) as { width: number; height: number; data: number[] };
  return { width: r.width, height: r.height, data: Uint8Array.from(r.data) };
}

/** Decodes an image file's bytes with the browser's own decoder (used for vncsnapshot's JPEG). */
export async function decodeInBrowser(page: Page, bytes: Buffer, mime: string): Promise<RgbaImage> {
  await page.setContent(`<canvas id="c"></canvas>`);
  const r = (await page.evaluate(`(async () => {
    const img = new Image();
    img.src = 'data:${mime};base64,${bytes.toString('base64')}';
    await img.decode();
    const c = document.getElementById('c');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return { width: c.width, height: c.height, data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) };
  })()`)) as { width: number; height: number; data: number[] };
  return { width: r.width, height: r.height, data: Uint8Array.from(r.data) };
}
