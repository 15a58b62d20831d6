import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { embedExample } from './embed.js';

describe('embedding example (docs/compositor.md)', () => {
  it('delivers the drawn square as damage after the 50 ms defio delay, with the pixels in the GEM object', async () => {
    const scheduler = new VirtualTimeScheduler();
    const seen: { at: number; rects: string[]; pixel: number }[] = [];
    const stop = await embedExample(scheduler, (rects, pixels) => {
      const view = new DataView(pixels.buffer, pixels.byteOffset);
      seen.push({
        at: scheduler.now(),
        rects: rects.map(String),
        pixel: view.getUint32(55 * 1280 + 105 * 4, true),
      });
    });
    scheduler.flush();
    expect(seen).to.have.length(1);
    expect(seen[0].at).to.equal(50);
    expect(seen[0].pixel).to.equal(0xff8800);
    // bytes 64400..75959 dirty pages 15..18 = [61440, 77824): rows ⌊61440/1280⌋ = 48 to ⌈77824/1280⌉ = 61, full width
    expect(seen[0].rects).to.deep.equal([new Rect(0, 48, 320, 61).toString()]);
    await stop();
  });
});
