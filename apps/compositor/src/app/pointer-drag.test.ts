import { FbSurface, XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { Compositor } from '../compose/compositor.js';
import { Plane } from '../compose/plane.js';
import { GRAB_MARGIN, PointerDrag } from './pointer-drag.js';

function desk(size = 20) {
  const c = new Compositor({ width: 100, height: 100, background: 0 }, new VirtualTimeScheduler());
  const surface = () =>
    new FbSurface(new Uint8Array(new SharedArrayBuffer(size * size * 4)), size, size, size * 4, XRGB8888);
  c.addPlane(new Plane('back', surface(), 10, 10, 0));
  c.addPlane(new Plane('front', surface(), 20, 20, 1));
  return { c, drag: new PointerDrag(c) };
}

describe('PointerDrag', () => {
  it('press over a plane raises and grabs it; moves with button 1 held drag it by the grab point; release drops it', () => {
    const { c, drag } = desk();
    drag.handle({ session: 1, buttonMask: 1, x: 12, y: 12 }); // only 'back' is under (12,12)
    expect(c.stack.at(-1)!.id).to.equal('back');
    drag.handle({ session: 1, buttonMask: 1, x: 42, y: 52 });
    expect([c.plane('back').x, c.plane('back').y]).to.deep.equal([40, 50]);
    drag.handle({ session: 1, buttonMask: 0, x: 60, y: 60 });
    drag.handle({ session: 1, buttonMask: 0, x: 70, y: 70 });
    expect([c.plane('back').x, c.plane('back').y]).to.deep.equal([40, 50]);
  });

  it('moves without a press, presses on the background and other buttons do not drag', () => {
    const { c, drag } = desk();
    drag.handle({ session: 1, buttonMask: 0, x: 25, y: 25 });
    drag.handle({ session: 1, buttonMask: 4, x: 25, y: 25 }); // right button
    drag.handle({ session: 1, buttonMask: 4, x: 30, y: 30 });
    drag.handle({ session: 2, buttonMask: 1, x: 90, y: 90 }); // background
    drag.handle({ session: 2, buttonMask: 1, x: 95, y: 95 });
    expect([c.plane('front').x, c.plane('back').x]).to.deep.equal([20, 10]);
  });

  it('a plane removed while dragged ends the drag (no ENOENT out of the pointer event); other planes stay put', () => {
    const { c, drag } = desk();
    drag.handle({ session: 1, buttonMask: 1, x: 25, y: 25 }); // grabs 'front'
    c.removePlane('front'); // its program's plane went away (a DRM plane disabled, a program exiting)
    expect(() => drag.handle({ session: 1, buttonMask: 1, x: 30, y: 30 })).not.to.throw();
    drag.handle({ session: 1, buttonMask: 1, x: 50, y: 50 });
    expect([c.plane('back').x, c.plane('back').y]).to.deep.equal([10, 10]);
  });

  it('keeps one drag per viewer session', () => {
    const { c, drag } = desk();
    drag.handle({ session: 1, buttonMask: 1, x: 25, y: 25 }); // grabs 'front' at (5,5)
    drag.handle({ session: 2, buttonMask: 1, x: 11, y: 11 }); // grabs 'back' at (1,1)
    drag.handle({ session: 1, buttonMask: 1, x: 65, y: 65 });
    drag.handle({ session: 2, buttonMask: 1, x: 1, y: 81 });
    expect([c.plane('front').x, c.plane('front').y, c.plane('back').x, c.plane('back').y]).to.deep.equal([
      60, 60, 0, 80,
    ]);
    drag.forget(1); // viewer 1 left with the button held: its drag ends
    drag.handle({ session: 1, buttonMask: 1, x: 90, y: 90 }); // a new viewer 1 pressing on the background
    drag.handle({ session: 1, buttonMask: 1, x: 95, y: 95 });
    expect([c.plane('front').x, c.plane('front').y]).to.deep.equal([60, 60]);
  });

  it('clamps a drag so the plane stays grabbable (GRAB_MARGIN px inside, or all of a smaller plane)', () => {
    const small = desk();
    small.drag.handle({ session: 1, buttonMask: 1, x: 25, y: 25 }); // grabs 'front' at (5,5)
    small.drag.handle({ session: 1, buttonMask: 1, x: 65530, y: 65530 }); // RFB's U16 far corner
    expect([small.c.plane('front').x, small.c.plane('front').y]).to.deep.equal([80, 80]);
    small.drag.handle({ session: 1, buttonMask: 0, x: 65530, y: 65530 });
    small.drag.handle({ session: 1, buttonMask: 1, x: 99, y: 99 }); // still under a pointer: grab it back
    small.drag.handle({ session: 1, buttonMask: 1, x: 0, y: 0 });
    expect([small.c.plane('front').x, small.c.plane('front').y]).to.deep.equal([0, 0]);

    const big = desk(60); // 60×60 planes: GRAB_MARGIN of them stays inside
    big.drag.handle({ session: 1, buttonMask: 1, x: 75, y: 75 }); // grabs 'front' at (55,55)
    big.drag.handle({ session: 1, buttonMask: 1, x: 65525, y: 0 });
    expect([big.c.plane('front').x, big.c.plane('front').y]).to.deep.equal([
      100 - GRAB_MARGIN,
      GRAB_MARGIN - 60,
    ]);
    expect(big.c.planeAt(99, 0)?.id).to.equal('front');
  });
});
