import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChrdevRegistry, FrontDoor, loadNative, sharedMemoryAllocator } from '@fbemu/chrdev';
import { Rect } from '@fbemu/drm-fb-helper';
import { modetest } from '@fbemu/drm-kms/test-support';
import { expect } from 'chai';
import { asyncScheduler, filter, firstValueFrom, type Observable, switchMap, take } from 'rxjs';
import { Compositor } from '../compose/compositor.js';
import { createDrmNode } from './drm-node.js';
import { mountDrmScanout } from './drm-scanout.js';

const AT = { id: 'modetest', x: 24, y: 16, z: 1 };

/** The compositor, a program's /dev/dri/card0 shown as a plane, and the front door serving it. */
function serve() {
  const compositor = new Compositor({ width: 700, height: 520, background: 0x202020 }, asyncScheduler);
  const allocator = sharedMemoryAllocator(loadNative());
  const node = createDrmNode(
    { scheduler: asyncScheduler, compositor, allocator },
    { ...AT, width: 640, height: 480 },
  );
  mountDrmScanout(compositor, node.source);
  const registry = new ChrdevRegistry();
  for (const d of node.devices) registry.register(d);
  const door = new FrontDoor(registry, asyncScheduler);
  door.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'fbemu-drmrun-')), 'door.sock') });
  return { compositor, node, door };
}

/** Output pixels of the plane that differ from the scanned-out buffer's pixels (X byte ignored). */
function differingFromScanout(s: ReturnType<typeof serve>): number {
  const screen = s.node.card.scanout.current()?.screen;
  if (!screen?.u32) throw new Error('no XRGB8888 buffer scanned out');
  const { pixels, stride } = s.compositor;
  let n = 0;
  for (let y = 0; y < screen.height; y++)
    for (let x = 0; x < screen.width; x++)
      if (
        ((pixels[(AT.y + y) * stride + AT.x + x] ^ screen.u32[(y * screen.pitch) / 4 + x]) & 0xffffff) !==
        0
      )
        n++;
  return n;
}

/** The first composite after a scanout frame that `pred` accepts. */
function compositeAfter(s: ReturnType<typeof serve>, pred: (reason: string) => boolean): Promise<unknown> {
  const frames$: Observable<unknown> = s.node.card.scanout$.pipe(
    filter((f) => pred(f.reason)),
    take(1),
    switchMap(() => s.compositor.frames$.pipe(take(1))),
  );
  return firstValueFrom(frames$);
}

describe('modetest shown by the compositor through createDrmNode (end to end)', function () {
  this.timeout(30000);
  let served: ReturnType<typeof serve>;

  before(() => {
    served = serve();
  });
  after(() => {
    served.door.close();
    served.node.close();
    served.compositor.close();
  });

  it('-s: the composited plane is the pattern modetest drew; its exit turns the plane black', async () => {
    const { node } = served;
    const { connector, crtc } = node.card.config;
    const shown = compositeAfter(served, (r) => r === 'dirtyfb');
    const { child, exit } = modetest(served.door, ['-s', `${connector.id}@${crtc.id}:640x480`]);
    await Promise.race([shown, exit]); // a modetest that fails exits with its message
    expect(node.source.plane.surface).to.equal(node.card.scanout.current()?.screen);
    // modetest's SMPTE pattern: a 75% grey bar at the top left, black in the bottom right corner
    expect(served.compositor.pixels[AT.y * served.compositor.stride + AT.x] & 0xffffff).to.equal(0xc0c0c0);
    expect(differingFromScanout(served)).to.equal(0);
    const off = compositeAfter(served, (r) => r === 'off');
    child.stdin.write('\n');
    await exit;
    await off;
    const { pixels, stride } = served.compositor;
    const area = new Rect(AT.x, AT.y, AT.x + 640, AT.y + 480);
    let lit = 0;
    for (let y = area.y1; y < area.y2; y++)
      for (let x = area.x1; x < area.x2; x++) if (pixels[y * stride + x] & 0xffffff) lit++;
    expect(lit).to.equal(0);
  });

  it('-v: every flip is completed by a composite, so modetest keeps flipping', async () => {
    const { node, compositor } = served;
    const { connector, crtc } = node.card.config;
    const flipsBefore = node.source.stats.flips;
    let flipFrames = 0;
    const counted = node.card.scanout$.subscribe((f) => {
      if (f.reason === 'flip') flipFrames++;
    });
    const enough = firstValueFrom(
      compositor.frames$.pipe(filter(() => node.source.stats.flips - flipsBefore >= 40)),
    );
    const { child, exit } = modetest(served.door, ['-s', `${connector.id}@${crtc.id}:640x480`, '-v']);
    await Promise.race([enough, exit]);
    expect(differingFromScanout(served)).to.equal(0); // the last composite shows the buffer flipped to
    child.stdin.write('\n');
    await exit;
    counted.unsubscribe();
    // each flip frame was completed once (the one modetest asked last may complete at exit)
    expect(node.source.stats.flips - flipsBefore).to.be.within(flipFrames - 1, flipFrames);
    expect(flipFrames).to.be.at.least(40);
  });
});
