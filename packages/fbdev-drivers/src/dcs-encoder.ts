import type { FbSurface, Rect } from '@fbemu/drm-fb-helper';
import type { ByteWriter } from './byte-writer.js';
import { COLMOD_RGB565, dbiAddress, dbiCommand, dbiDataHeader, MipiDcs } from './dbi-stream.js';
import { rowToRgb565 } from './rgb565.js';

/** The wake-up sequence fbtft's init_display sends to a MIPI DCS panel: sleep out, 16 bpp, display on. */
export function encodeDcsInit(w: ByteWriter): void {
  dbiCommand(w, MipiDcs.exitSleepMode);
  dbiCommand(w, MipiDcs.setPixelFormat, [COLMOD_RGB565]);
  dbiCommand(w, MipiDcs.setDisplayOn);
}

/**
 * One window update (fbtft's set_addr_win + write_vmem): CASET/RASET to the rect (inclusive
 * ends), then RAMWR with its pixels as RGB565, most significant byte first. `row` is a scratch
 * line of at least `rect.width` entries.
 */
export function encodeDcsRect(w: ByteWriter, s: FbSurface, rect: Rect, row: Uint16Array): void {
  dbiAddress(w, MipiDcs.setColumnAddress, rect.x1, rect.x2 - 1);
  dbiAddress(w, MipiDcs.setPageAddress, rect.y1, rect.y2 - 1);
  const width = rect.width;
  dbiDataHeader(w, MipiDcs.writeMemoryStart, width * rect.height * 2);
  const out = w.reserve(0);
  for (let y = rect.y1; y < rect.y2; y++) {
    rowToRgb565(s, rect.x1, y, width, row);
    let o = w.length;
    for (let i = 0; i < width; i++, o += 2) {
      out[o] = row[i] >> 8;
      out[o + 1] = row[i];
    }
    w.length = o;
  }
}
