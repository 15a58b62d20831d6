import type { Rect } from '@fbemu/drm-fb-helper';
import type { Output } from './tokens.js';

/** An output that only records the damage it is handed: for tests and for debugging a scene. */
export class RecordingOutput implements Output {
  readonly name = 'recording';
  readonly received: Rect[][] = [];
  readonly copies: { src: Rect; dx: number; dy: number }[] = [];
  attach(): void {}
  async start(): Promise<void> {}
  damage(rects: Iterable<Rect>): void {
    this.received.push([...rects]);
  }
  copyRect(src: Rect, dx: number, dy: number): void {
    this.copies.push({ src, dx, dy });
  }
  resize(): void {}
  async close(): Promise<void> {}
  stats() {
    return { updates: this.received.length };
  }
}
