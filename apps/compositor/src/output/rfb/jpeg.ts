/**
 * A baseline JPEG encoder (ITU-T T.81, JFIF), written for Tight's JPEG sub-encoding: 8-bit
 * YCbCr, three components, chroma at full resolution (4:4:4) or halved both ways (4:2:0), the
 * example quantisation tables of Annex K scaled by the usual quality formula, the example
 * Huffman tables of Annex K, no restart markers. Input is rows of 0x00RRGGBB words.
 *
 * One encoder per Tight session: its scratch (one MCU of samples per component, transformed in
 * place), its output buffer and bit writer are reused, so encoding allocates nothing once the
 * buffer has grown to the largest image seen.
 */

/** Annex K.1, table K.1 (luminance) and K.2 (chrominance), in natural (row-major) order. */
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99,
  99, 99, 99, 99, 99,
].concat(new Array<number>(32).fill(99));

/** A Huffman table as DHT carries it: how many codes of each length 1..16, then the symbols by code. */
export interface HuffmanSpec {
  readonly counts: readonly number[];
  readonly symbols: readonly number[];
}

/** Annex K.3: DC differences, categories 0..11. */
export const DC_LUMA: HuffmanSpec = {
  counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};
export const DC_CHROMA: HuffmanSpec = {
  counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

/**
 * The AC symbols (run << 4 | size): the first ones in the order of table K.5 / K.6; every other
 * symbol follows in ascending order there, so the tables are written as that head plus the rest.
 */
function acSymbols(head: number[]): number[] {
  const rest: number[] = [];
  for (let run = 0; run < 16; run++)
    for (let size = 1; size <= 10; size++) {
      const s = (run << 4) | size;
      if (!head.includes(s)) rest.push(s);
    }
  return [...head, ...rest];
}
export const AC_LUMA: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: acSymbols([
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22,
    0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33,
    0x62, 0x72, 0x82,
  ]),
};
export const AC_CHROMA: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: acSymbols([
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13,
    0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62,
    0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1,
  ]),
};

/** Code and length per symbol (Annex C: codes of one length are consecutive, shifted left at each longer length). */
class HuffmanCodes {
  readonly code = new Uint16Array(256);
  readonly size = new Uint8Array(256);
  constructor(spec: HuffmanSpec) {
    let code = 0;
    let k = 0;
    for (let len = 1; len <= 16; len++) {
      for (let i = 0; i < spec.counts[len - 1]; i++) {
        const s = spec.symbols[k++];
        this.code[s] = code++;
        this.size[s] = len;
      }
      code <<= 1;
    }
  }
}

const CODES = [DC_LUMA, AC_LUMA, DC_CHROMA, AC_CHROMA].map((s) => new HuffmanCodes(s));

/** ZIGZAG[i]: the natural index of the i-th coefficient in zig-zag order (walks the anti-diagonals). */
export const ZIGZAG: Uint8Array = (() => {
  const z = new Uint8Array(64);
  let i = 0;
  for (let d = 0; d < 15; d++) {
    const lo = Math.max(0, d - 7);
    const hi = Math.min(7, d);
    // odd diagonals run top-right to bottom-left (row grows), even ones the other way
    for (let k = lo; k <= hi; k++) {
      const row = d % 2 === 1 ? k : d - k;
      z[i++] = row * 8 + (d - row);
    }
  }
  return z;
})();

/** The usual quality scaling of the Annex K tables (1..100; 50 = the tables as printed), clamped to 1..255 for baseline. */
export function scaledQuant(base: readonly number[], quality: number): Uint8Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return Uint8Array.from(base, (v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/** AAN's scale factors: the fast DCT's output k is the true DCT's times AAN_SCALE[k] (per dimension, plus a factor 8). */
const AAN_SCALE = Float64Array.from({ length: 8 }, (_, k) =>
  k === 0 ? 1 : Math.cos((k * Math.PI) / 16) * Math.SQRT2,
);
const C4 = Math.SQRT1_2; // cos(4π/16)
const C6 = 0.382683433; // cos(6π/16)
const C2_MINUS_C6 = 0.5411961; // cos(2π/16) − cos(6π/16)
const C2_PLUS_C6 = 1.306562965; // cos(2π/16) + cos(6π/16)

/**
 * One 1-D forward DCT of 8 samples at `d[o], d[o+s], …` in place (Arai, Agui and Nakajima's
 * factorisation: 5 multiplications; outputs scaled as AAN_SCALE says, undone at quantisation).
 */
function fdct8(d: Float64Array, o: number, s: number): void {
  const d0 = d[o];
  const d1 = d[o + s];
  const d2 = d[o + 2 * s];
  const d3 = d[o + 3 * s];
  const d4 = d[o + 4 * s];
  const d5 = d[o + 5 * s];
  const d6 = d[o + 6 * s];
  const d7 = d[o + 7 * s];
  const s07 = d0 + d7;
  const t07 = d0 - d7;
  const s16 = d1 + d6;
  const t16 = d1 - d6;
  const s25 = d2 + d5;
  const t25 = d2 - d5;
  const s34 = d3 + d4;
  const t34 = d3 - d4;
  // even half
  const e0 = s07 + s34;
  const e3 = s07 - s34;
  const e1 = s16 + s25;
  const e2 = s16 - s25;
  d[o] = e0 + e1;
  d[o + 4 * s] = e0 - e1;
  const m = (e2 + e3) * C4;
  d[o + 2 * s] = e3 + m;
  d[o + 6 * s] = e3 - m;
  // odd half
  const a = t34 + t25;
  const b = t25 + t16;
  const c = t16 + t07;
  const r = (a - c) * C6;
  const p = C2_MINUS_C6 * a + r;
  const q = C2_PLUS_C6 * c + r;
  const n = b * C4;
  const u = t07 + n;
  const v = t07 - n;
  d[o + 5 * s] = v + p;
  d[o + 3 * s] = v - p;
  d[o + s] = u + q;
  d[o + 7 * s] = u - q;
}

/** The 2-D forward DCT (rows, then columns; AAN-scaled) of the 8×8 block at `d[o]`, rows `stride` apart, in place. */
export function fdct(d: Float64Array, o = 0, stride = 8): void {
  for (let r = 0; r < 8; r++) fdct8(d, o + r * stride, 1);
  for (let c = 0; c < 8; c++) fdct8(d, o + c, stride);
}

/** The MCU buffers are 16 samples wide: zig-zag index → offset of that coefficient in a block there. */
const ZIGZAG_16 = Uint8Array.from(ZIGZAG, (n) => (n >> 3) * 16 + (n & 7));

/**
 * Per zig-zag index, 1 / (quantiser × AAN scale × 8): multiplying the fast DCT's output by it
 * quantises.
 */
function divisors(quant: Uint8Array): Float64Array {
  return Float64Array.from(ZIGZAG, (n) => 1 / (quant[n] * AAN_SCALE[n >> 3] * AAN_SCALE[n & 7] * 8));
}

/** The largest AC magnitude baseline Huffman tables code (size 10); DC differences stay within size 11. */
const AC_LIMIT = 1023;
/** Room for one MCU of the worst case: six blocks of 64 × (16 + 11) bits, every byte stuffed. */
const MCU_WORST_BYTES = 6 * 64 * 7;

/** Where SOF0's height and width sit in the header: SOI 2, APP0 18, DQT 134, SOF0 marker, length, precision. */
const SOF_SIZE_AT = 2 + 18 + 134 + 5;

/** Indexes into CODES: a DC table, its AC table right after it. */
const Table = { DcLuma: 0, DcChroma: 2 } as const;
type Table = (typeof Table)[keyof typeof Table];

export class JpegEncoder {
  private out = new Uint8Array(64 * 1024);
  private at = 0;
  private acc = 0;
  private nbits = 0;
  /** one MCU of samples, 16×16 per component (4:4:4 uses the top-left 8×8), level-shifted */
  private readonly y = new Float64Array(256);
  private readonly cb = new Float64Array(256);
  private readonly cr = new Float64Array(256);
  private readonly dcPred = new Int32Array(3);
  private quality = -1;
  private subsample = false;
  /** the header bytes up to the entropy-coded data, for the current quality and subsampling */
  private header = new Uint8Array(0);
  private lumaQuant: Uint8Array = new Uint8Array(64);
  private chromaQuant: Uint8Array = new Uint8Array(64);
  private lumaDiv: Float64Array = new Float64Array(64);
  private chromaDiv: Float64Array = new Float64Array(64);

  /**
   * Encodes `w×h` pixels (0x00RRGGBB, row `r` at `words[r * stride]`) as one JPEG file; the view is
   * valid until the next call. `quality` 1..100, `subsample`: 4:2:0 chroma instead of 4:4:4.
   */
  encode(
    words: Uint32Array,
    stride: number,
    w: number,
    h: number,
    quality: number,
    subsample: boolean,
  ): Uint8Array {
    if (w < 1 || h < 1 || w > 0xffff || h > 0xffff || stride < w || words.length < (h - 1) * stride + w)
      throw new RangeError(`JPEG of ${w}×${h} (stride ${stride}) outside its ${words.length} words`);
    this.configure(quality, subsample);
    this.out.set(this.header);
    this.at = this.header.length;
    this.out[SOF_SIZE_AT] = h >>> 8;
    this.out[SOF_SIZE_AT + 1] = h & 0xff;
    this.out[SOF_SIZE_AT + 2] = w >>> 8;
    this.out[SOF_SIZE_AT + 3] = w & 0xff;
    this.acc = 0;
    this.nbits = 0;
    this.dcPred.fill(0);
    const mcu = subsample ? 16 : 8;
    for (let my = 0; my < h; my += mcu) {
      for (let mx = 0; mx < w; mx += mcu) {
        this.reserve(MCU_WORST_BYTES);
        this.loadMcu(words, stride, w, h, mx, my, mcu);
        if (subsample) this.mcu420();
        else this.mcu444();
      }
    }
    // pad the last byte with 1-bits (T.81 F.1.2.3), then EOI
    if (this.nbits > 0) this.bits((1 << (8 - this.nbits)) - 1, 8 - this.nbits);
    this.reserve(2);
    this.marker(0xd9);
    return this.out.subarray(0, this.at);
  }

  /** Tables and header bytes for a quality and subsampling, rebuilt only when they change. */
  private configure(quality: number, subsample: boolean): void {
    if (quality === this.quality && subsample === this.subsample) return;
    this.quality = quality;
    this.subsample = subsample;
    this.lumaQuant = scaledQuant(LUMA_QUANT, quality);
    this.chromaQuant = scaledQuant(CHROMA_QUANT, quality);
    this.lumaDiv = divisors(this.lumaQuant);
    this.chromaDiv = divisors(this.chromaQuant);
    this.at = 0;
    this.headers(subsample);
    this.header = this.out.slice(0, this.at);
  }

  private reserve(n: number): void {
    if (this.at + n <= this.out.length) return;
    let size = this.out.length * 2;
    while (size < this.at + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.out.subarray(0, this.at));
    this.out = bigger;
  }

  private byte(v: number): void {
    this.out[this.at++] = v;
  }

  private u16(v: number): void {
    this.out[this.at++] = v >>> 8;
    this.out[this.at++] = v & 0xff;
  }

  private marker(m: number): void {
    this.out[this.at++] = 0xff;
    this.out[this.at++] = m;
  }

  /** SOI, JFIF APP0, DQT ×2, SOF0 (size left 0: `encode` writes it at SOF_SIZE_AT), DHT ×4, SOS. */
  private headers(subsample: boolean): void {
    this.reserve(1024);
    this.marker(0xd8);
    this.marker(0xe0);
    this.u16(16);
    for (const c of [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]) this.byte(c); // "JFIF\0" v1.1, aspect 1:1
    this.marker(0xdb);
    this.u16(2 + 2 * 65);
    for (const [id, quant] of [this.lumaQuant, this.chromaQuant].entries()) {
      this.byte(id);
      for (let i = 0; i < 64; i++) this.byte(quant[ZIGZAG[i]]);
    }
    this.marker(0xc0);
    this.u16(8 + 3 * 3);
    this.byte(8);
    this.u16(0);
    this.u16(0);
    this.byte(3);
    for (const [id, sampling, quant] of [
      [1, subsample ? 0x22 : 0x11, 0],
      [2, 0x11, 1],
      [3, 0x11, 1],
    ]) {
      this.byte(id);
      this.byte(sampling);
      this.byte(quant);
    }
    this.marker(0xc4);
    const specs = [DC_LUMA, AC_LUMA, DC_CHROMA, AC_CHROMA];
    this.u16(2 + specs.reduce((n, s) => n + 17 + s.symbols.length, 0));
    for (const [i, spec] of specs.entries()) {
      this.byte(((i & 1) << 4) | (i >> 1)); // class (0 DC, 1 AC) and table id (0 luma, 1 chroma)
      for (const c of spec.counts) this.byte(c);
      for (const s of spec.symbols) this.byte(s);
    }
    this.marker(0xda);
    this.u16(6 + 2 * 3);
    this.byte(3);
    for (const [id, tables] of [
      [1, 0x00],
      [2, 0x11],
      [3, 0x11],
    ]) {
      this.byte(id);
      this.byte(tables);
    }
    this.byte(0); // spectral selection 0..63, no successive approximation
    this.byte(63);
    this.byte(0);
  }

  /**
   * The MCU at (mx, my) as level-shifted Y, Cb, Cr samples (JFIF's conversion), `mcu` × `mcu`.
   * Pixels past the right or bottom edge repeat the last column / row, so partial blocks add no
   * false edge (the decoder crops them away).
   */
  private loadMcu(
    words: Uint32Array,
    stride: number,
    w: number,
    h: number,
    mx: number,
    my: number,
    mcu: number,
  ): void {
    const { y, cb, cr } = this;
    const inside = mx + mcu <= w;
    for (let r = 0; r < mcu; r++) {
      const row = Math.min(my + r, h - 1) * stride;
      for (let c = 0, o = r * 16; c < mcu; c++, o++) {
        const v = words[row + (inside ? mx + c : Math.min(mx + c, w - 1))];
        const R = (v >>> 16) & 0xff;
        const G = (v >>> 8) & 0xff;
        const B = v & 0xff;
        y[o] = 0.299 * R + 0.587 * G + 0.114 * B - 128;
        cb[o] = -0.168736 * R - 0.331264 * G + 0.5 * B;
        cr[o] = 0.5 * R - 0.418688 * G - 0.081312 * B;
      }
    }
  }

  private mcu444(): void {
    this.encodeBlock(this.y, 0, this.lumaDiv, 0, Table.DcLuma);
    this.encodeBlock(this.cb, 0, this.chromaDiv, 1, Table.DcChroma);
    this.encodeBlock(this.cr, 0, this.chromaDiv, 2, Table.DcChroma);
  }

  /** Four luma blocks, then each chroma plane averaged over 2×2 into its top-left 8×8. */
  private mcu420(): void {
    const { y, lumaDiv } = this;
    this.encodeBlock(y, 0, lumaDiv, 0, Table.DcLuma);
    this.encodeBlock(y, 8, lumaDiv, 0, Table.DcLuma);
    this.encodeBlock(y, 128, lumaDiv, 0, Table.DcLuma);
    this.encodeBlock(y, 136, lumaDiv, 0, Table.DcLuma);
    halve(this.cb);
    halve(this.cr);
    this.encodeBlock(this.cb, 0, this.chromaDiv, 1, Table.DcChroma);
    this.encodeBlock(this.cr, 0, this.chromaDiv, 2, Table.DcChroma);
  }

  /** DCT (in place), quantisation and Huffman coding of the 8×8 block at `src[off]` of an MCU buffer. */
  private encodeBlock(src: Float64Array, off: number, div: Float64Array, comp: number, dcTable: Table): void {
    fdct(src, off, 16);
    const dc = quantise(src[off] * div[0]);
    this.value(dc - this.dcPred[comp], dcTable, 0);
    this.dcPred[comp] = dc;
    const ac = CODES[dcTable + 1];
    let run = 0;
    for (let i = 1; i < 64; i++) {
      const v = quantise(src[off + ZIGZAG_16[i]] * div[i]);
      if (v === 0) {
        run++;
        continue;
      }
      for (; run > 15; run -= 16) this.bits(ac.code[0xf0], ac.size[0xf0]); // ZRL: 16 zeros
      this.value(v, dcTable + 1, run << 4);
      run = 0;
    }
    if (run > 0) this.bits(ac.code[0], ac.size[0]); // EOB
  }

  /** A coefficient as its Huffman symbol (`prefix` | size category) followed by its magnitude bits. */
  private value(v: number, table: number, prefix: number): void {
    const mag = v < 0 ? -v : v;
    const size = mag === 0 ? 0 : 32 - Math.clz32(mag);
    const codes = CODES[table];
    const symbol = prefix | size;
    this.bits(codes.code[symbol], codes.size[symbol]);
    // negative values are sent as v − 1 in `size` bits (their ones' complement)
    if (size > 0) this.bits((v < 0 ? v - 1 : v) & ((1 << size) - 1), size);
  }

  /** Appends `n` ≤ 16 bits, most significant first, stuffing a 0 after every 0xFF byte. */
  private bits(code: number, n: number): void {
    let acc = (this.acc << n) | code;
    let left = this.nbits + n;
    const out = this.out;
    while (left >= 8) {
      left -= 8;
      const byte = (acc >>> left) & 0xff;
      out[this.at++] = byte;
      if (byte === 0xff) out[this.at++] = 0;
    }
    acc &= (1 << left) - 1;
    this.acc = acc;
    this.nbits = left;
  }
}

/**
 * 16×16 samples (rows 16 apart) averaged over 2×2 into the top-left 8×8, in place: row r is
 * written after rows 2r and 2r + 1 were read, and no later row reads it.
 */
function halve(plane: Float64Array): void {
  for (let r = 0; r < 8; r++)
    for (let c = 0; c < 8; c++) {
      const s = 32 * r + 2 * c;
      plane[16 * r + c] = (plane[s] + plane[s + 1] + plane[s + 16] + plane[s + 17]) * 0.25;
    }
}

/** Rounds half away from zero (integer truncation, cheaper than Math.round) within ±AC_LIMIT. */
function quantise(x: number): number {
  const v = x < 0 ? -((0.5 - x) | 0) : (x + 0.5) | 0;
  return Math.max(-AC_LIMIT, Math.min(AC_LIMIT, v));
}
