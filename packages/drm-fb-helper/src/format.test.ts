import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  ARGB8888,
  formatByName,
  formatForBpp,
  PIXEL_FORMATS,
  RGB565,
  RGB888,
  readRaw,
  writeRaw,
  XRGB8888,
} from './format.js';

describe('pixel formats', () => {
  it('carry the drm_fourcc.h codes and sizes', () => {
    // DRM_FORMAT_* values from include/uapi/drm/drm_fourcc.h
    expect(XRGB8888.code).to.equal(0x34325258);
    expect(ARGB8888.code).to.equal(0x34325241);
    expect(RGB565.code).to.equal(0x36314752);
    expect(RGB888.code).to.equal(0x34324752);
    expect(PIXEL_FORMATS.map((f) => [f.cpp, f.bpp])).to.deep.equal([
      [4, 32],
      [4, 32],
      [2, 16],
      [3, 24],
    ]);
  });

  it('formatForBpp follows drm_driver_legacy_fb_format; other bpp are EINVAL', () => {
    expect(formatForBpp(32)).to.equal(XRGB8888);
    expect(formatForBpp(32, 24)).to.equal(XRGB8888);
    expect(formatForBpp(32, 32)).to.equal(ARGB8888);
    expect(formatForBpp(24)).to.equal(RGB888);
    expect(formatForBpp(16)).to.equal(RGB565);
    expect(formatByName('RG16')).to.equal(RGB565);
    for (const bad of [() => formatForBpp(8), () => formatByName('C8')]) {
      expect(bad)
        .to.throw()
        .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
    }
  });

  it('lays pixels out little-endian in memory', () => {
    const b = new Uint8Array(4);
    writeRaw(b, 0, 4, XRGB8888.pack(0xff112233));
    expect([...b]).to.deep.equal([0x33, 0x22, 0x11, 0x00]);
    writeRaw(b, 0, 4, ARGB8888.pack(0x80112233));
    expect([...b]).to.deep.equal([0x33, 0x22, 0x11, 0x80]);
    b.fill(0);
    writeRaw(b, 0, 3, RGB888.pack(0x112233));
    expect([...b]).to.deep.equal([0x33, 0x22, 0x11, 0]);
    b.fill(0);
    writeRaw(b, 0, 2, RGB565.pack(0xffff0000));
    expect([...b]).to.deep.equal([0x00, 0xf8, 0, 0]);
    writeRaw(b, 0, 2, RGB565.pack(0xff0000ff));
    expect([...b]).to.deep.equal([0x1f, 0x00, 0, 0]);
  });

  it('RGB565 widens by bit replication: 0 → 0, full → 255', () => {
    expect(RGB565.unpack(0xffff)).to.equal(0xffffffff);
    expect(RGB565.unpack(0)).to.equal(0xff000000);
    expect(RGB565.unpack(0x07e0)).to.equal(0xff00ff00);
    expect(RGB565.unpack(0x8410)).to.equal(0xff848284); // r=16 g=32 b=16
  });

  it('every raw RGB565 value survives unpack then pack', () => {
    for (let raw = 0; raw < 0x10000; raw++) {
      if (RGB565.pack(RGB565.unpack(raw)) !== raw) expect.fail(`raw ${raw.toString(16)}`);
    }
  });

  it('pack keeps the top bits of each channel; unpack(pack(c)) is within the precision', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (c) => {
        for (const f of PIXEL_FORMATS) {
          const back = f.unpack(f.pack(c));
          const bits = f === RGB565 ? [5, 6, 5] : [8, 8, 8];
          [16, 8, 0].forEach((shift, i) => {
            const keep = (0xff << (8 - bits[i])) & 0xff;
            expect((back >> shift) & keep).to.equal((c >> shift) & keep);
          });
          expect(back >>> 24).to.equal(f.hasAlpha ? c >>> 24 : 0xff);
        }
      }),
    );
  });

  it('readRaw reads back what writeRaw stored at any offset', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 3, 4),
        fc.nat(9),
        fc.integer({ min: 0, max: 0xffffffff }),
        (cpp, off, v) => {
          const raw = cpp === 4 ? v : v & ((1 << (8 * cpp)) - 1);
          const b = new Uint8Array(16).fill(0xaa);
          writeRaw(b, off, cpp, raw);
          expect(readRaw(b, off, cpp)).to.equal(raw);
          b.forEach((x, i) => {
            if (i < off || i >= off + cpp) expect(x).to.equal(0xaa);
          });
        },
      ),
    );
  });
});
