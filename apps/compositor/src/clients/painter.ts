import type { PixelFormat } from '@fbemu/drm-fb-helper';
import type { FbStoreApi } from '@fbemu/fbdev-defio';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows } from './font5x7.js';

/** How a client sees its framebuffer: the user mapping plus the layout the fbdev reports. */
export interface FbLayout {
  readonly width: number;
  readonly height: number;
  /** line_length in bytes */
  readonly pitch: number;
  readonly format: PixelFormat;
}

/**
 * Client-side drawing through a user mapping (main thread or worker). Each rect is one bracketed
 * `access` over the rows it spans, so the defio core sees exactly the pages drawn on and the
 * stores run at TypedArray speed.
 */
export class Painter {
  constructor(
    readonly map: FbStoreApi,
    readonly fb: FbLayout,
  ) {}

  fillRect(x: number, y: number, w: number, h: number, argb: number): void {
    const { pitch, format, width, height } = this.fb;
    const x1 = Math.max(0, x);
    const y1 = Math.max(0, y);
    const x2 = Math.min(width, x + w);
    const y2 = Math.min(height, y + h);
    if (x1 >= x2 || y1 >= y2) return;
    const raw = format.pack(argb);
    const cpp = format.cpp;
    const start = y1 * pitch + x1 * cpp;
    const len = (y2 - y1 - 1) * pitch + (x2 - x1) * cpp;
    this.map.access(start, len, (view) => {
      for (let row = 0; row < y2 - y1; row++) fillRow(view, row * pitch, x2 - x1, cpp, raw);
    });
  }

  /** Draws text with the 5×7 font scaled by `scale`, each cell (6·scale × 8·scale) on `bg`. */
  drawText(x: number, y: number, text: string, scale: number, fg: number, bg: number): void {
    const cellW = (GLYPH_WIDTH + 1) * scale;
    this.fillRect(x, y, cellW * text.length, (GLYPH_HEIGHT + 1) * scale, bg);
    for (let i = 0; i < text.length; i++) {
      const rows = glyphRows(text[i]);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (rows[gy] & (0x10 >> gx))
            this.fillRect(x + i * cellW + gx * scale, y + gy * scale, scale, scale, fg);
        }
      }
    }
  }
}

/** Fills `n` pixels of `cpp` bytes with one raw value, little-endian. */
function fillRow(view: Uint8Array, off: number, n: number, cpp: number, raw: number): void {
  for (let b = 0; b < cpp; b++) view[off + b] = (raw >>> (8 * b)) & 0xff;
  // double the filled prefix until the row is full: O(log n) copyWithin calls
  for (let done = cpp, total = n * cpp; done < total; done *= 2)
    view.copyWithin(off + done, off, off + Math.min(done, total - done));
}
