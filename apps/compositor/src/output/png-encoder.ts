import { Worker } from 'node:worker_threads';
import { check } from '@fbemu/gem-shmem';
import { PNG } from 'pngjs';
import { frameToRgba } from './frame.js';

/** Turns XRGB8888 words (rows packed) into PNG bytes, somewhere other than the caller's loop. */
export interface PngEncoder {
  /** `xrgb` is handed over: the encoder may transfer it, so the caller must not reuse it. */
  encode(xrgb: Uint32Array, width: number, height: number): Promise<Uint8Array>;
  /** Ends the encoder's thread (a later `encode` starts a new one). */
  close(): Promise<void>;
}

/**
 * PNG bytes (8-bit RGB, the X byte dropped) of packed XRGB8888 rows, on the calling thread: the
 * pixel conversion and the deflate, both of which the worker takes off the main thread.
 */
export function encodeXrgbPng(xrgb: Uint32Array, width: number, height: number): Buffer {
  const dim = (n: number) => Number.isSafeInteger(n) && n >= 1;
  check(dim(width) && dim(height), 'EINVAL', `PNG size ${width}x${height} must be at least 1x1`);
  check(xrgb.length === width * height, 'EINVAL', `${xrgb.length} pixels are not ${width}x${height}`);
  const png = new PNG({ width, height });
  frameToRgba({ width, height, stride: width, pixels: xrgb }, png.data);
  return PNG.sync.write(png, { colorType: 2 });
}

export interface EncodeRequest {
  id: number;
  xrgb: Uint32Array;
  width: number;
  height: number;
}
export type EncodeReply = { id: number; bytes: Uint8Array } | { id: number; error: string };

/**
 * Encodes in one worker thread, so deflating a large frame never stalls the event loop the
 * compositor, the clients' writebacks and the VNC sessions share. Requests are answered in order;
 * the pixels are transferred, not copied, and converted to RGB there. A crashed worker fails what it held and is replaced on
 * the next request. The worker is unref'd: it never keeps the process alive by itself. (No
 * inversify import here: the worker thread loads this file too.)
 */
export class WorkerPngEncoder implements PngEncoder {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }
  >();

  encode(xrgb: Uint32Array, width: number, height: number): Promise<Uint8Array> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: EncodeRequest = { id, xrgb, width, height };
      worker.postMessage(request, [xrgb.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.fail(new Error('PNG encoder closed'));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./png.worker.js', import.meta.url));
    worker.unref();
    worker.on('message', (m: EncodeReply) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if ('error' in m) p?.reject(new Error(m.error));
      else p?.resolve(m.bytes);
    });
    worker.on('error', (e) => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(e);
    });
    this.worker = worker;
    return worker;
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
