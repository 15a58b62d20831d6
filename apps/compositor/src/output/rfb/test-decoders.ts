/**
 * Decoders for the tests, written from RFC 6143 §7.7.6 (ZRLE) and the Tight description, sharing
 * nothing with the encoders: they inflate with a one-shot `inflateSync` over everything the stream
 * carried so far (slow, but independent of the encoder's zlib driving), and paint a screen of
 * client pixel words (the little-endian word of the pixel's bytes, as Raw would put them).
 */
import zlib from 'node:zlib';
import { PixelConverter, type PixelFormat } from './pixel-format.js';
import { Encoding } from './protocol.js';
import type { DecodedJpeg } from './test-jpeg.js';

/** A zlib stream as the client sees it: rect payloads are appended, the new output read. */
export interface ClientZlibStream {
  feed(z: Uint8Array): Buffer;
  reset(): void;
}

class ClientInflater implements ClientZlibStream {
  private input: Buffer[] = [];
  private produced = 0;

  feed(z: Uint8Array): Buffer {
    this.input.push(Buffer.from(z));
    const all = zlib.inflateSync(Buffer.concat(this.input), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const fresh = all.subarray(this.produced);
    this.produced = all.length;
    return fresh;
  }

  reset(): void {
    this.input = [];
    this.produced = 0;
  }
}

class Reader {
  at = 0;
  constructor(readonly b: Buffer) {}
  u8(): number {
    if (this.at >= this.b.length) throw new Error('read past the end');
    return this.b[this.at++];
  }
  u16(): number {
    const v = this.b.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  i32(): number {
    const v = this.b.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  bytes(n: number): Buffer {
    if (this.at + n > this.b.length) throw new Error('read past the end');
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  /** a little-endian word of `n` bytes, shifted up by `offset` bytes */
  pixel(n: number, offset: number): number {
    let v = 0;
    for (let k = 0; k < n; k++) v |= this.u8() << (8 * (k + offset));
    return v >>> 0;
  }
}

/** How a client format's pixels travel: bytes and byte offset of ZRLE's CPIXEL, Tight's TPIXEL. */
export interface WireLayout {
  pf: PixelFormat;
  cpixel: [bytes: number, offset: number];
  /** Tight: 3 = R, G, B bytes; otherwise the pixel's bytes */
  tpixelRgb: boolean;
}

/** A client: its screen (client pixel words, row-major) and one zlib stream per ZRLE / Tight id. */
export class DecodingClient {
  screen: Uint32Array;
  readonly encodings = new Set<number>();
  /** decodes Tight's JPEG rects (e.g. `ffmpegDecodeJpeg`; the rect's size is for stand-ins); without one a JPEG rect is an error */
  jpegDecoder: ((data: Uint8Array, width: number, height: number) => DecodedJpeg) | undefined;
  /** Tight JPEG rects received */
  jpegRects = 0;
  /** 1 where the screen shows a JPEG rect's (lossy) pixel, 0 where a lossless encoding painted last */
  lossy = new Uint8Array(0);
  private readonly zrle: ClientZlibStream;
  private readonly tight: ClientZlibStream[];
  private readonly toClient: PixelConverter;

  constructor(
    readonly layout: WireLayout,
    public width: number,
    public height: number,
    /** the inflater (default the slow independent one; a benchmark viewer passes a streaming one) */
    zlibStream: () => ClientZlibStream = () => new ClientInflater(),
  ) {
    this.zrle = zlibStream();
    this.tight = [0, 1, 2, 3].map(zlibStream);
    this.screen = new Uint32Array(width * height);
    this.toClient = new PixelConverter(layout.pf);
  }

  /** Applies one FramebufferUpdate; throws if it is malformed or does not end where the buffer does. */
  update(bytes: Buffer): void {
    const r = new Reader(bytes);
    if (this.lossy.length !== this.screen.length) this.lossy = new Uint8Array(this.screen.length);
    if (r.u8() !== 0) throw new Error('not a FramebufferUpdate');
    r.u8();
    for (let n = r.u16(); n > 0; n--) {
      const [x, y, w, h, enc] = [r.u16(), r.u16(), r.u16(), r.u16(), r.i32()];
      if (x + w > this.width || y + h > this.height) throw new Error('rect outside the screen');
      this.encodings.add(enc);
      if (enc === Encoding.ZRLE) this.zrleRect(r, x, y, w, h);
      else if (enc === Encoding.Tight) this.tightRect(r, x, y, w, h);
      else if (enc === Encoding.Hextile) this.hextileRect(r, x, y, w, h);
      else if (enc === Encoding.Raw) this.rawRect(r, x, y, w, h);
      else if (enc === Encoding.CopyRect) this.copy(r.u16(), r.u16(), x, y, w, h);
      else throw new Error(`unexpected encoding ${enc}`);
    }
    if (r.at !== bytes.length) throw new Error(`${bytes.length - r.at} bytes after the last rect`);
  }

  private put(x: number, y: number, v: number, lossy = 0): void {
    this.screen[y * this.width + x] = v;
    this.lossy[y * this.width + x] = lossy;
  }

  private rawRect(r: Reader, x: number, y: number, w: number, h: number): void {
    const bpp = this.layout.pf.bitsPerPixel / 8;
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.put(x + i, y + j, r.pixel(bpp, 0));
  }

  private copy(sx: number, sy: number, dx: number, dy: number, w: number, h: number): void {
    const old = this.screen.slice();
    const oldLossy = this.lossy.slice();
    for (let j = 0; j < h; j++)
      for (let i = 0; i < w; i++) {
        const from = (sy + j) * this.width + sx + i;
        this.put(dx + i, dy + j, old[from], oldLossy[from]);
      }
  }

  /** RFC 6143 §7.7.4; background and foreground carry over between tiles unless a raw tile intervenes. */
  private hextileRect(r: Reader, x: number, y: number, w: number, h: number): void {
    const bpp = this.layout.pf.bitsPerPixel / 8;
    let bg: number | undefined;
    let fg: number | undefined;
    for (let ty = y; ty < y + h; ty += 16) {
      for (let tx = x; tx < x + w; tx += 16) {
        const tw = Math.min(16, x + w - tx);
        const th = Math.min(16, y + h - ty);
        const mask = r.u8();
        if (mask & 1) {
          this.rawRect(r, tx, ty, tw, th);
          [bg, fg] = [undefined, undefined];
          continue;
        }
        if (mask & 2) bg = r.pixel(bpp, 0);
        if (mask & 4) fg = r.pixel(bpp, 0);
        if (bg === undefined) throw new Error('Hextile tile without a background');
        for (let j = 0; j < th; j++) for (let i = 0; i < tw; i++) this.put(tx + i, ty + j, bg);
        const n = mask & 8 ? r.u8() : 0;
        for (let k = 0; k < n; k++) {
          const colour = mask & 16 ? r.pixel(bpp, 0) : fg;
          const [xy, wh] = [r.u8(), r.u8()];
          const [sx, sy, sw, sh] = [xy >> 4, xy & 15, (wh >> 4) + 1, (wh & 15) + 1];
          if (colour === undefined || sx + sw > tw || sy + sh > th) throw new Error('bad Hextile subrect');
          for (let j = 0; j < sh; j++)
            for (let i = 0; i < sw; i++) this.put(tx + sx + i, ty + sy + j, colour);
        }
      }
    }
  }

  private zrleRect(r: Reader, x: number, y: number, w: number, h: number): void {
    const z = new Reader(this.zrle.feed(r.bytes(r.u32())));
    const [cb, co] = this.layout.cpixel;
    const cpixel = () => z.pixel(cb, co);
    for (let ty = y; ty < y + h; ty += 64) {
      for (let tx = x; tx < x + w; tx += 64) {
        const tw = Math.min(64, x + w - tx);
        const th = Math.min(64, y + h - ty);
        const tile = zrleTile(z, tw * th, tw, cpixel);
        for (let i = 0; i < tw * th; i++) this.put(tx + (i % tw), ty + Math.floor(i / tw), tile[i]);
      }
    }
    if (z.at !== z.b.length) throw new Error('ZRLE data left over after the tiles');
  }

  private tpixel(r: Reader): number {
    if (!this.layout.tpixelRgb) return r.pixel(this.layout.pf.bitsPerPixel / 8, 0);
    const xrgb = (r.u8() << 16) | (r.u8() << 8) | r.u8();
    const out = new Uint32Array(1);
    this.toClient.convertWords(
      { width: 1, height: 1, stride: 1, pixels: new Uint32Array([xrgb]) },
      0,
      0,
      1,
      1,
      out,
    );
    return out[0];
  }

  private tightRect(r: Reader, x: number, y: number, w: number, h: number): void {
    if (w > 2048) throw new Error('Tight rect wider than 2048');
    const ctl = r.u8();
    for (let i = 0; i < 4; i++) if (ctl & (1 << i)) this.tight[i].reset();
    const kind = ctl >> 4;
    if (kind === 8) {
      const v = this.tpixel(r);
      for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.put(x + i, y + j, v);
      return;
    }
    if (kind === 9) {
      this.jpegRect(r, x, y, w, h);
      return;
    }
    if (kind & 8) throw new Error(`unsupported Tight control ${kind}`);
    const stream = this.tight[kind & 3];
    let palette: number[] | undefined;
    if (kind & 4) {
      const filter = r.u8();
      if (filter !== 1) throw new Error(`unexpected Tight filter ${filter}`);
      const n = r.u8() + 1;
      palette = Array.from({ length: n }, () => this.tpixel(r));
    }
    const tp = this.layout.tpixelRgb ? 3 : this.layout.pf.bitsPerPixel / 8;
    const mono = palette?.length === 2;
    const size = palette === undefined ? w * h * tp : mono ? h * Math.ceil(w / 8) : w * h;
    const data = new Reader(size < 12 ? r.bytes(size) : stream.feed(r.bytes(compactLength(r))));
    if (data.b.length !== size) throw new Error(`Tight data of ${data.b.length} bytes, expected ${size}`);
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        let v: number;
        if (palette === undefined) v = this.tpixel(data);
        else if (mono) v = palette[(data.b[j * Math.ceil(w / 8) + (i >> 3)] >> (7 - (i & 7))) & 1];
        else v = palette[data.b[j * w + i]];
        if (v === undefined) throw new Error('palette index out of range');
        this.put(x + i, y + j, v);
      }
    }
  }

  /** Tight JPEG (control 9): a compact length and a JPEG file of exactly the rect's size, R, G, B at 8 bits. */
  private jpegRect(r: Reader, x: number, y: number, w: number, h: number): void {
    const data = r.bytes(compactLength(r));
    if (this.jpegDecoder === undefined) throw new Error('a Tight JPEG rect, and this client decodes none');
    if (!this.layout.tpixelRgb) throw new Error('a Tight JPEG rect for a format without 3-byte TPIXELs');
    const img = this.jpegDecoder(data, w, h);
    if (img.width !== w || img.height !== h)
      throw new Error(`JPEG of ${img.width}×${img.height} in a ${w}×${h} rect`);
    const words = new Uint32Array(w * h);
    this.toClient.convertWords({ width: w, height: h, stride: w, pixels: img.pixels }, 0, 0, w, h, words);
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.put(x + i, y + j, words[j * w + i], 1);
    this.jpegRects++;
  }
}

function compactLength(r: Reader): number {
  let len = 0;
  for (let k = 0; k < 3; k++) {
    const b = r.u8();
    len |= (k === 2 ? b : b & 0x7f) << (7 * k);
    if (k < 2 && !(b & 0x80)) break;
  }
  return len;
}

function zrleRunLength(z: Reader): number {
  let len = 1;
  for (let b = z.u8(); ; b = z.u8()) {
    len += b;
    if (b !== 255) return len;
  }
}

function zrleTile(z: Reader, n: number, tw: number, cpixel: () => number): number[] {
  const sub = z.u8();
  const out: number[] = [];
  if (sub === 0) for (let i = 0; i < n; i++) out.push(cpixel());
  else if (sub === 1) out.push(...new Array<number>(n).fill(cpixel()));
  else if (sub >= 2 && sub <= 16) {
    const pal = Array.from({ length: sub }, cpixel);
    const bits = sub <= 2 ? 1 : sub <= 4 ? 2 : 4;
    const th = n / tw;
    for (let row = 0; row < th; row++) {
      let byte = 0;
      let left = 0;
      for (let col = 0; col < tw; col++) {
        if (left === 0) [byte, left] = [z.u8(), 8];
        left -= bits;
        out.push(pal[(byte >> left) & ((1 << bits) - 1)]);
      }
    }
  } else if (sub === 128) {
    while (out.length < n) {
      const v = cpixel();
      for (let k = zrleRunLength(z); k > 0; k--) out.push(v);
    }
  } else if (sub >= 130) {
    const pal = Array.from({ length: sub - 128 }, cpixel);
    while (out.length < n) {
      const b = z.u8();
      const len = b & 128 ? zrleRunLength(z) : 1;
      for (let k = 0; k < len; k++) out.push(pal[b & 127]);
    }
  } else throw new Error(`ZRLE sub-encoding ${sub}`);
  if (out.length !== n || out.some((v) => v === undefined)) throw new Error('ZRLE tile of the wrong size');
  return out;
}
