import { FbSurface, type PixelFormat, Rect, RGB565, readRaw, XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { ByteWriter } from './byte-writer.js';
import { DBI_RECORD_HEADER } from './dbi-stream.js';
import { encodeDcsInit, encodeDcsRect } from './dcs-encoder.js';
import { DcsPanel } from './dcs-panel.js';
import { encodeEinkArea } from './eink-encoder.js';
import { EinkPanel } from './eink-panel.js';
import { einkRefresh } from './eink-protocol.js';
import { expandGrey, greyLevel, lumaOf } from './grey.js';
import { pageChecksum } from './page-checksum.js';
import { UdlDevice } from './udl-device.js';
import { changedSpans, encodeUdlSpan } from './udl-encoder.js';

function randomSurface(format: PixelFormat, width: number, height: number, seed: number): FbSurface {
  const pitch = width * format.cpp + 8;
  const bytes = new Uint8Array(pitch * height);
  let s = seed;
  for (let i = 0; i < bytes.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    bytes[i] = s >>> 24;
  }
  return new FbSurface(bytes, width, height, pitch, format);
}
const colourAt = (s: FbSurface, x: number, y: number) =>
  s.format.unpack(readRaw(s.bytes, s.offsetOf(x, y), s.cpp));
const ok = (e?: Error) => expect(e).to.equal(undefined);

describe('DCS encoder → panel', () => {
  for (const format of [RGB565, XRGB8888]) {
    it(`puts exactly the rect's pixels (${format.name} → RGB565) into GRAM`, () => {
      const s = randomSurface(format, 20, 10, 7);
      const w = new ByteWriter(16);
      const rect = new Rect(3, 2, 17, 9);
      encodeDcsInit(w);
      const initBytes = w.length;
      encodeDcsRect(w, s, rect, new Uint16Array(20));
      expect(w.length - initBytes).to.equal(3 * DBI_RECORD_HEADER + 8 + rect.area * 2);
      const panel = new DcsPanel(20, 10);
      panel.send(w.view(), ok);
      for (let y = 0; y < 10; y++) {
        for (let x = 0; x < 20; x++) {
          const want = rect.containsPoint(x, y) ? RGB565.pack(colourAt(s, x, y)) : 0;
          expect(panel.pixel(x, y), `(${x},${y})`).to.equal(want);
        }
      }
    });
  }
});

describe('USB span encoder', () => {
  it('finds changed spans and joins those closer than mergeGap', () => {
    const back = new Uint8Array(16);
    const src = back.slice();
    for (const x of [1, 2, 5, 12]) src[x * 2] = 1;
    const spans = new Int32Array(16);
    expect(changedSpans(src, back, 0, 8 + 0, 2, 0, spans)).to.equal(2);
    expect([...spans.subarray(0, 4)]).to.deep.equal([1, 3, 5, 6]);
    expect(changedSpans(src, back, 0, 8, 2, 2, spans)).to.equal(1);
    expect([...spans.subarray(0, 2)]).to.deep.equal([1, 6]);
    expect(changedSpans(src, src.slice(), 0, 8, 2, 2, spans)).to.equal(0);
  });

  it('round-trips any pixels through the device, compressed or not, and runs shrink the stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 300 }),
        fc.boolean(),
        (vals, compress) => {
          const px = Uint16Array.from(vals, (v) => v * 0x1111);
          const w = new ByteWriter(8);
          encodeUdlSpan(w, 2, 5, px, 0, px.length, compress);
          const dev = new UdlDevice(320, 4);
          dev.send(w.view(), ok);
          for (let i = 0; i < px.length; i++) expect(dev.pixel(5 + i, 2)).to.equal(px[i]);
          expect(dev.pixel(4, 2)).to.equal(0);
          if (!compress) expect(w.length).to.equal(7 + 2 * px.length + Math.ceil(px.length / 128));
        },
      ),
      { numRuns: 200 },
    );
    const solid = new ByteWriter();
    encodeUdlSpan(solid, 0, 0, new Uint16Array(300).fill(0xbeef), 0, 300, true);
    expect(solid.length).to.equal(7 + 3 * 3);
  });
});

describe('e-ink encoder → panel', () => {
  for (const bits of [1, 4, 8] as const) {
    it(`loads ${bits}-bit grey converted from the framebuffer colours`, () => {
      const s = randomSurface(XRGB8888, 13, 6, bits);
      const sched = new VirtualTimeScheduler();
      const panel = new EinkPanel(13, 6, sched);
      const w = new ByteWriter();
      const rect = new Rect(1, 1, 12, 5);
      encodeEinkArea(w, s, rect, bits, new Uint8Array(13));
      einkRefresh(w, 'partial');
      panel.send(w.view(), ok);
      sched.flush();
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 13; x++) {
          const want = rect.containsPoint(x, y)
            ? expandGrey(greyLevel(lumaOf(colourAt(s, x, y)), bits), bits)
            : 255;
          expect(panel.display[y * 13 + x], `(${x},${y})`).to.equal(want);
        }
      }
    });
  }
});

describe('pageChecksum', () => {
  it('changes when any byte of the range changes and ignores bytes outside it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const bytes = new Uint8Array(128).map((_, i) => i * 7);
        const words = new Int32Array(bytes.buffer);
        const a = new Uint32Array(2);
        const b = new Uint32Array(2);
        pageChecksum(bytes, words, 0, 100, a, 0);
        bytes[at] = (bytes[at] + delta) & 0xff;
        pageChecksum(bytes, words, 0, 100, b, 0);
        expect([...a]).not.to.deep.equal([...b]);
        bytes[110] ^= 0xff;
        pageChecksum(bytes, words, 0, 100, a, 0);
        expect([...a]).to.deep.equal([...b]);
      }),
      { numRuns: 200 },
    );
  });
});
