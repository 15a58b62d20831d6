import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { clipGeometry, memoryRangeToClip, memoryRangeToClips } from './clip.js';
import { PagerefDamage } from './pageref-damage.js';
import { Region } from './region.js';

/** The reference device: 1280×800, 32 bpp, pitch 5120, 4 KiB pages, smem = 800 rows. */
const REF = clipGeometry({ lineLength: 5120, bitsPerPixel: 32, width: 1280, height: 800, total: 5120 * 800 });

/** bbox damage of a batch that dirtied the pages holding the given bytes. */
function bboxOf(bytes: number[], g = REF, pageSize = 4096): string {
  const refs = bytes.map((b) => ({ offset: Math.floor(b / pageSize) * pageSize }));
  const out = new Region(1);
  new PagerefDamage(g, pageSize).damage(refs, false, 'bbox', out);
  return out.rects().join(' ');
}

describe('memoryRangeToClip (golden vectors)', () => {
  it('issue 4 vectors, bbox mode', () => {
    expect(bboxOf([0])).to.equal('(0,0,1024,1)');
    expect(bboxOf([20480])).to.equal('(0,4,1024,5)');
    expect(bboxOf([0, 2048000])).to.equal('(0,0,1280,401)');
    expect(bboxOf([2048, 2048 + 4095])).to.equal('(0,0,1280,2)');
    expect(bboxOf(Array.from({ length: 1000 }, (_, i) => i * 4096))).to.equal('(0,0,1280,800)');
  });

  it('a page ending exactly on a row end keeps its damage (the 6.1 kernel computed x2 = 0 here)', () => {
    // page 4 = bytes [16384, 20480): row 3 spans [15360, 20480), so the page is its right part
    expect(bboxOf([16384])).to.equal('(256,3,1280,4)');
  });

  it('16 KiB pages: a page that is exactly one row', () => {
    const g = clipGeometry({
      lineLength: 16384,
      bitsPerPixel: 32,
      width: 4096,
      height: 64,
      total: 16384 * 64,
    });
    expect(bboxOf([16384 + 7], g, 16384)).to.equal('(0,1,4096,2)');
  });

  it('16 bpp: a 4 KiB page over 1600-byte rows covers partial rows at both ends → full width', () => {
    const g = clipGeometry({
      lineLength: 1600,
      bitsPerPixel: 16,
      width: 800,
      height: 600,
      total: 1600 * 600,
    });
    expect(bboxOf([0], g)).to.equal('(0,0,800,3)'); // 4096 / 1600 = 2.56 rows
    expect(bboxOf([40960], g)).to.equal('(0,25,800,29)'); // [40960, 45056): rows 25.6 .. 28.16
  });

  it('24 bpp with pitch padding: the last page is clamped to the buffer end', () => {
    // 100 px × 3 = 300 bytes of pixels in a 320-byte row; 100 rows = 32000 bytes
    const g = clipGeometry({ lineLength: 320, bitsPerPixel: 24, width: 100, height: 100, total: 32000 });
    expect(bboxOf([31000], g)).to.equal('(0,89,100,100)'); // page [28672, 32768) → rows 89.6 .. 100
  });

  it('rows wider than a page narrow horizontally; a page inside row padding damages nothing', () => {
    const wide = clipGeometry({
      lineLength: 8192,
      bitsPerPixel: 32,
      width: 2048,
      height: 4,
      total: 8192 * 4,
    });
    expect(bboxOf([4096], wide)).to.equal('(1024,0,2048,1)');
    // 1000 px = 4000 bytes in an 8192-byte row: page [4096, 8192) holds only padding
    const padded = clipGeometry({
      lineLength: 8192,
      bitsPerPixel: 32,
      width: 1000,
      height: 4,
      total: 8192 * 4,
    });
    expect(bboxOf([4096], padded)).to.equal('');
    expect(bboxOf([0], padded)).to.equal('(0,0,1000,1)');
  });

  it('8 bpp: one byte is one pixel', () => {
    const g = clipGeometry({ lineLength: 4096, bitsPerPixel: 8, width: 4096, height: 8, total: 4096 * 8 });
    expect(bboxOf([3 * 4096 + 9], g)).to.equal('(0,3,4096,4)');
    expect(memoryRangeToClip(g, 4096 + 9, 3).toString()).to.equal('(9,1,12,2)');
  });

  it('write()-sized ranges narrow to the touched pixels, 24 bpp included', () => {
    expect(memoryRangeToClip(REF, 5120 * 2 + 40, 8).toString()).to.equal('(10,2,12,3)');
    expect(memoryRangeToClip(REF, 5120 * 2 + 41, 4).toString()).to.equal('(10,2,12,3)');
    const g24 = clipGeometry({ lineLength: 300, bitsPerPixel: 24, width: 100, height: 10, total: 3000 });
    expect(memoryRangeToClip(g24, 5, 1).toString()).to.equal('(1,0,2,1)'); // byte 5 is pixel 1's last byte
    expect(memoryRangeToClip(g24, 5, 2).toString()).to.equal('(1,0,3,1)'); // byte 6 starts pixel 2
    expect(memoryRangeToClip(g24, 290, 20).toString()).to.equal('(0,0,100,2)');
  });

  it('empty and out-of-range ranges give no damage', () => {
    expect(memoryRangeToClip(REF, 100, 0).isEmpty()).to.equal(true);
    expect(memoryRangeToClip(REF, REF.total, 10).isEmpty()).to.equal(true);
    expect(bboxOf([])).to.equal('');
  });

  it('rows are clamped to the buffer height when smem_len is page aligned past the last row', () => {
    const g = clipGeometry({ lineLength: 5120, bitsPerPixel: 32, width: 1280, height: 3, total: 16384 });
    // 3 rows = 15360 bytes; page 3 = [12288, 16384) starts at x = 2048 / 4 in row 2 and runs past the end
    expect(bboxOf([12288], g)).to.equal('(512,2,1280,3)');
    expect(bboxOf([8192, 12288], g)).to.equal('(0,1,1280,3)');
  });

  it('region mode: two small distant updates stay two small clips', () => {
    const out = new Region();
    new PagerefDamage(REF, 4096).damage([{ offset: 2048000 }, { offset: 0 }], false, 'region', out);
    expect(out.rects().join(' ')).to.equal('(0,0,1024,1) (0,400,1024,401)');
  });

  it('region mode: a page straddling two rows is the tail of one and the head of the next', () => {
    const out = new Region();
    new PagerefDamage(REF, 4096).damage([{ offset: 4096 }], false, 'region', out);
    // [4096, 8192): row 0 from byte 4096 (x 1024) to its end, row 1 up to byte 3072 (x 768)
    expect(out.rects().join(' ')).to.equal('(1024,0,1280,1) (0,1,768,2)');
    expect(out.area() * 4).to.equal(4096);
    // three pages span rows 0..3: one full-width band, like the kernel
    const band = new Region();
    new PagerefDamage(REF, 4096).damage(
      [{ offset: 0 }, { offset: 4096 }, { offset: 8192 }],
      true,
      'region',
      band,
    );
    expect(band.rects().join(' ')).to.equal('(0,0,1280,3)');
  });

  it('region mode falls back to full-width bands when the tight shape would overflow the cap', () => {
    // page 1 straddles rows 0/1; page 100 = [409600, 413696) lies inside row 80
    const pages = [{ offset: 4096 }, { offset: 4096 * 100 }];
    const roomy = new Region(4);
    new PagerefDamage(REF, 4096).damage(pages, false, 'region', roomy);
    expect(roomy.rects().join(' ')).to.equal('(1024,0,1280,1) (0,1,768,2) (0,80,1024,81)');
    const tight = new Region(2);
    new PagerefDamage(REF, 4096).damage(pages, false, 'region', tight);
    expect(tight.rects().join(' ')).to.equal('(0,0,1280,2) (0,80,1024,81)');
    expect(tight.overflowed).to.equal(false);
  });

  it('memoryRangeToClips at 24 bpp splits a two-row write at the pixels it touches', () => {
    const g24 = clipGeometry({ lineLength: 300, bitsPerPixel: 24, width: 100, height: 10, total: 3000 });
    const out = new Region(100);
    memoryRangeToClips(g24, 298, 4, out); // bytes 298..301: pixel 99 of row 0, pixels 0..1 of row 1
    expect(out.rects().join(' ')).to.equal('(99,0,100,1) (0,1,1,2)');
  });

  it('rejects bad geometry and offsets with EINVAL', () => {
    const bad = [
      () => clipGeometry({ ...REF, bitsPerPixel: 12 }),
      () => clipGeometry({ ...REF, lineLength: 5119 }),
      () => clipGeometry({ ...REF, height: 0 }),
      () => memoryRangeToClip(REF, -1, 4),
      () => memoryRangeToClip(REF, 0, 1.5),
    ];
    for (const f of bad)
      expect(f)
        .to.throw()
        .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
  });
});
