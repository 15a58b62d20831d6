import { Rect, XRGB8888 } from '@fbemu/drm-fb-helper';
import { Client } from '@fbemu/drm-kms/test-support';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { Compositor } from '../compose/compositor.js';
import { createDrmNode } from './drm-node.js';
import { mountDrmScanout } from './drm-scanout.js';

const W = 64;
const H = 48;
const FBDEV = 0x00aa00;
const KMS = 0x0000cc;

/** A card with its fbdev emulation, its CRTC plane on a compositor of the same size (virtual time). */
function setup() {
  const scheduler = new VirtualTimeScheduler();
  const compositor = new Compositor({ width: W, height: H, background: 0x111111 }, scheduler);
  const node = createDrmNode(
    { scheduler, compositor },
    { id: 'p', x: 0, y: 0, z: 1, width: W, height: H },
    {
      width: W,
      height: H,
    },
  );
  mountDrmScanout(compositor, node.source);
  const helper = node.fbdev?.helper;
  if (!helper) throw new Error('no fbdev emulation');
  const output = () => {
    scheduler.flush();
    compositor.composite();
    return new Set([...compositor.pixels].map((p) => p & 0xffffff));
  };
  return { node, helper, output };
}

describe('createDrmNode with an fbdev emulation (drm: shared)', () => {
  it('the CRTC plane shows fbdev drawing, then a KMS master’s buffer, then the fbdev again after its close', () => {
    const { node, helper, output } = setup();
    helper.fillrect({ dx: 0, dy: 0, width: W, height: H, color: XRGB8888.pack(0xff000000 | FBDEV) });
    expect([...output()]).to.deep.equal([FBDEV]);
    const kms = new Client(node.card, 7);
    const { handle, pitch } = kms.createDumb(W, H);
    const fb = kms.addFb2(handle, W, H, pitch, XRGB8888.code);
    const words = new Uint32Array(
      node.gem.lookup((kms.chr.privateData as { gem: never }).gem, handle).memory,
    );
    words.fill(KMS, 0, W * H);
    expect(kms.setCrtc(fb)).to.equal('OK');
    expect([...output()]).to.deep.equal([KMS]);
    helper.fillrect({ dx: 0, dy: 0, width: 8, height: 8, color: 0 }); // fbdev drawing meanwhile: not shown
    expect([...output()]).to.deep.equal([KMS]);
    kms.close();
    const back = output();
    expect([...back].sort()).to.deep.equal([0, FBDEV].sort());
    expect(node.source.plane.surface.bounds.equals(new Rect(0, 0, W, H))).to.equal(true);
    node.close();
    expect(node.card.scanout.fb).to.equal(undefined); // detached: the CRTC is off
  });
});
