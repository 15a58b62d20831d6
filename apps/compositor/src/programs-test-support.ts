/**
 * Shared by the end-to-end tests of real programs under the compositor (`--run`): the app as the
 * CLI builds it, a recording log, and waits on composited frames (never on sleeps).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { CompositorApp } from './app/app.js';
import { createAppContainer } from './app/container.js';
import { realTimeScheduler } from './app/real-time-scheduler.js';
import { parseFlags } from './cli/flags.js';
import { loadScene } from './cli/scene.js';
import type { ProgramClient } from './clients/program-client.js';
import { RecordingLog } from './test-support/recording-log.js';

export { RecordingLog };

/** The RGB of each pixel (XRGB8888 words; the X byte is not shown and not compared). */
export function rgbOfWords(words: Uint32Array): Uint32Array {
  return words.map((w) => w & 0xffffff);
}

export function rgbOfBgra(bytes: Buffer): Uint32Array {
  return rgbOfWords(new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
}

export function sameRgb(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** the RFB port of the last app started with `vnc` */
export let rfbPort = 0;
/** the noVNC viewer's WebSocket (RFB over WebSocket) of the last app started with `vnc` */
export let viewerSocketUrl = '';

/** The compositor as the CLI builds it from these flags (headless unless `vnc`). */
export async function startApp(argv: string[], log: RecordingLog, vnc = false): Promise<CompositorApp> {
  const scene = await loadScene(
    parseFlags([...argv, '--png-interval', '0', '--rfb-port', '0', '--http-port', '0']),
  );
  const app = new CompositorApp(
    createAppContainer({ scene, scheduler: realTimeScheduler, headless: !vnc, log }),
  );
  const endpoints = await app.start();
  rfbPort = endpoints.rfbPort ?? 0;
  viewerSocketUrl = endpoints.viewerUrl ? `${endpoints.viewerUrl.replace(/^http/, 'ws')}websockify` : '';
  return app;
}

/** A program client of a scene file: where its plane is, and its framebuffer size. */
export interface ProgramAt {
  name: string;
  argv: string[];
  drm?: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The compositor on a scene file (written into `dir`) of these programs, with its RFB port. */
export async function startScene(
  dir: string,
  programs: ProgramAt[],
  log: RecordingLog,
  output = { width: 200, height: 120 },
): Promise<{ app: CompositorApp; port: number }> {
  const config = join(dir, 'scene.json');
  const clients = programs.map((p) => ({ ...p, kind: 'program' }));
  writeFileSync(config, JSON.stringify({ output, clients }));
  const app = await startApp(['--config', config], log, true);
  return { app, port: rfbPort };
}

export function program(app: CompositorApp, name: string): ProgramClient {
  const client = app.scene.clients.find((c) => c.config.name === name);
  expect(client, `client ${name}`).to.not.equal(undefined);
  return client as ProgramClient;
}

/** The program has exited and its files are released (the last close flushed); then compose what is pending. */
export async function finished(app: CompositorApp, client: ProgramClient): Promise<void> {
  await client.exited;
  await client.finished;
  app.compositor.composite();
}

/** Resolves at the first composited frame after which `ok()` holds (checked on every frame). */
export function frameWhere(app: CompositorApp, ok: () => boolean): Promise<unknown> {
  return firstValueFrom(app.compositor.frames$.pipe(filter(() => ok())));
}
