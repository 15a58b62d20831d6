import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rect } from '@fbemu/drm-fb-helper';
import { SCHEDULER } from '@fbemu/fbdev-defio';
import { check } from '@fbemu/gem-shmem';
import { inject, injectable, optional } from 'inversify';
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import { checkFrame } from './frame.js';
import { encodeXrgbPng, type PngEncoder, WorkerPngEncoder } from './png-encoder.js';
import { type FrameSource, type Output, type OutputStats, PNG_ENCODER, PNG_OPTIONS } from './tokens.js';

export interface PngOutputOptions {
  /** folder for periodic frames (`frame-000001.png`, …); undefined: snapshots only */
  dir?: string;
  /** time between periodic frames, on the injected scheduler */
  intervalMs: number;
  /** skip a periodic frame when nothing was damaged since the previous one */
  onlyOnDamage: boolean;
}

export const DEFAULT_PNG_OPTIONS: Readonly<PngOutputOptions> = Object.freeze({
  intervalMs: 1000,
  onlyOnDamage: true,
});

/** The visible XRGB8888 words of `fb`, rows packed: a memcpy per row, the only work a tick does. */
export function copyVisible(fb: FrameSource): Uint32Array {
  const { width, height, stride, pixels } = fb;
  if (stride === width) return pixels.slice(0, width * height);
  const out = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) out.set(pixels.subarray(y * stride, y * stride + width), y * width);
  return out;
}

/** PNG bytes (8-bit RGB) of the visible part of `fb`, encoded on the calling thread. */
export function encodePng(fb: FrameSource): Buffer {
  return encodeXrgbPng(copyVisible(fb), fb.width, fb.height);
}

/** Periodic frames copied but not yet written; a tick beyond this waits for the next one. */
export const MAX_PENDING_FRAMES = 2;

/**
 * PNG output: `snapshot(path)` writes the current frame once; with `dir` set, a periodic writer
 * numbers frames into that folder. At the tick the frame is only copied, row by row (so it is one
 * consistent frame); the encoder (a worker thread) converts and deflates it and the file is written asynchronously, so
 * the event loop never waits for zlib. When frames pile up (a slow disk or encoder), a damaged
 * tick is deferred to the next one, which writes the newer frame: nothing is lost, the backlog
 * stays bounded. `close` waits for every pending frame and snapshot, then ends the encoder.
 */
@injectable()
export class PngOutput implements Output {
  readonly name = 'png';
  private fb: FrameSource | undefined;
  private timer: Subscription | undefined;
  private dirty = true;
  private frameNo = 0;
  private readonly writes = new Set<Promise<void>>();
  private pendingFrames = 0;
  private readonly encoder: PngEncoder;
  private readonly counters = {
    framesWritten: 0,
    framesSkipped: 0,
    framesDeferred: 0,
    snapshots: 0,
    bytesWritten: 0,
    writeErrors: 0,
  };

  constructor(
    @inject(PNG_OPTIONS) private readonly options: Readonly<PngOutputOptions>,
    @inject(SCHEDULER) private readonly scheduler: SchedulerLike,
    @inject(PNG_ENCODER) @optional() encoder?: PngEncoder,
  ) {
    this.encoder = encoder ?? new WorkerPngEncoder();
    check(
      Number.isSafeInteger(options.intervalMs) && options.intervalMs > 0,
      'EINVAL',
      `intervalMs must be a positive integer, got ${options.intervalMs}`,
    );
  }

  attach(fb: FrameSource): void {
    checkFrame(fb);
    this.fb = fb;
    this.dirty = true;
  }

  async start(): Promise<void> {
    this.frame();
    const dir = this.options.dir;
    if (dir === undefined || this.timer) return;
    await mkdir(dir, { recursive: true });
    this.timer = interval(this.options.intervalMs, this.scheduler).subscribe(() => this.periodic(dir));
  }

  damage(rects: Iterable<Rect>): void {
    for (const r of rects) if (!r.isEmpty()) this.dirty = true;
  }

  resize(width: number, height: number): void {
    const fb = this.frame();
    checkFrame(fb);
    check(
      fb.width === width && fb.height === height,
      'EINVAL',
      `resize to ${width}x${height} but the frame is ${fb.width}x${fb.height}`,
    );
    this.dirty = true;
  }

  /** Writes the current frame to `path` (resolves once the file is written). */
  async snapshot(path: string): Promise<void> {
    await this.track(this.write(path));
    this.counters.snapshots++;
  }

  /** Resolves once every frame and snapshot asked for so far is written (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }

  async close(): Promise<void> {
    this.timer?.unsubscribe();
    this.timer = undefined;
    await Promise.allSettled([...this.writes]);
    await this.encoder.close();
  }

  stats(): OutputStats {
    return { ...this.counters };
  }

  private frame(): FrameSource {
    check(this.fb !== undefined, 'ENODEV', 'no framebuffer attached');
    return this.fb;
  }

  private periodic(dir: string): void {
    if (this.options.onlyOnDamage && !this.dirty) {
      this.counters.framesSkipped++;
      return;
    }
    if (this.pendingFrames >= MAX_PENDING_FRAMES) {
      this.counters.framesDeferred++; // stays dirty: the next tick writes the newer frame
      return;
    }
    this.dirty = false;
    const file = join(dir, `frame-${String(++this.frameNo).padStart(6, '0')}.png`);
    this.pendingFrames++;
    this.track(this.write(file))
      .then(
        () => {
          this.counters.framesWritten++;
        },
        () => {
          this.counters.writeErrors++;
        },
      )
      .finally(() => {
        this.pendingFrames--;
      });
  }

  /** Copies the frame now (synchronously: this instant's pixels), encodes and writes it later. */
  private write(path: string): Promise<void> {
    const fb = this.frame();
    const pixels = copyVisible(fb);
    return (async () => {
      const bytes = await this.encoder.encode(pixels, fb.width, fb.height);
      await writeFile(path, bytes);
      this.counters.bytesWritten += bytes.length;
    })();
  }

  private track(p: Promise<void>): Promise<void> {
    this.writes.add(p);
    return p.finally(() => this.writes.delete(p));
  }
}
