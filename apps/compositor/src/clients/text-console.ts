import type { DrmFbHelper } from '@fbemu/drm-fb-helper';
import { glyphImage } from './font5x7.js';

const MARGIN = 6;

/**
 * A minimal fbcon: text lines drawn with the fb_ops the kernel console uses — `imageblit` for
 * glyphs (1-bpp expansion), `copyarea` to scroll, `fillrect` to clear the new line — so every
 * byte it changes is damaged by the helper directly, without page tracking.
 */
export class TextConsole {
  private readonly cellW: number;
  private readonly cellH: number;
  private readonly rows: number;
  private readonly cols: number;
  private row = 0;
  private readonly fg: number;
  private readonly bg: number;
  private readonly glyphs = new Map<string, ReturnType<typeof glyphImage>>();

  constructor(
    private readonly helper: DrmFbHelper,
    private readonly top: number,
    private readonly scale = 2,
  ) {
    const { screen } = helper;
    this.cellW = 6 * scale;
    this.cellH = 8 * scale;
    this.cols = Math.floor((screen.width - MARGIN) / this.cellW);
    this.rows = Math.max(1, Math.floor((screen.height - top) / this.cellH));
    this.fg = screen.format.pack(0xffc8e0c8);
    this.bg = screen.format.pack(0xff183018);
    helper.fillrect({ dx: 0, dy: top, width: screen.width, height: screen.height - top, color: this.bg });
  }

  /** Appends a line, scrolling up by one text row when the console is full. */
  println(text: string): void {
    if (this.row === this.rows) {
      const { width } = this.helper.screen;
      const h = (this.rows - 1) * this.cellH;
      if (h > 0)
        this.helper.copyarea({ dx: 0, dy: this.top, sx: 0, sy: this.top + this.cellH, width, height: h });
      this.helper.fillrect({ dx: 0, dy: this.top + h, width, height: this.cellH, color: this.bg });
      this.row -= 1;
    }
    const y = this.top + this.row * this.cellH;
    for (const [i, ch] of [...text.slice(0, this.cols)].entries()) {
      const g = this.glyph(ch);
      this.helper.imageblit({
        dx: i * this.cellW,
        dy: y,
        width: g.width,
        height: g.height,
        depth: 1,
        fgColor: this.fg,
        bgColor: this.bg,
        data: g.data,
      });
    }
    this.row += 1;
  }

  private glyph(ch: string): ReturnType<typeof glyphImage> {
    let g = this.glyphs.get(ch);
    if (!g) {
      g = glyphImage(ch, this.scale);
      this.glyphs.set(ch, g);
    }
    return g;
  }
}
