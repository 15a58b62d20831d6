import { Rect, Region } from '@fbemu/drm-fb-helper';
import { GEM_DEVICE, type GemDevice } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { ContainerModule } from 'inversify';
import { VirtualTimeScheduler } from 'rxjs';
import type { Compositor } from '../compose/compositor.js';
import { type ClientConfig, DEFAULT_SCENE, type SceneConfig } from '../config/scene-config.js';
import { RecordingOutput } from '../output/recording-output.js';
import { OUTPUTS } from '../output/tokens.js';
import { CompositorApp } from './app.js';
import { createAppContainer } from './container.js';
import { COMPOSITOR } from './tokens.js';

const BG = 0x203040;
const W = 200;
const H = 120;

function scene(offsets: [number, number]): SceneConfig {
  const client = (c: Partial<ClientConfig> & Pick<ClientConfig, 'name' | 'kind'>): ClientConfig => ({
    width: 64,
    height: 40,
    format: 'XRGB8888',
    x: 0,
    y: 0,
    z: 0,
    fps: 1,
    ...c,
  });
  return {
    ...DEFAULT_SCENE,
    output: { width: W, height: H, background: BG },
    png: { dir: 'unused', intervalMs: 0 },
    clients: [
      client({ name: 'a', kind: 'shmem', width: 64, height: 40, x: 10, y: 10, z: 1, offset: offsets[0] }),
      client({
        name: 'b',
        kind: 'shadow',
        format: 'RGB565',
        width: 80,
        height: 48,
        x: 60,
        y: 30,
        z: 2,
        offset: offsets[1],
      }),
      client({ name: 'c', kind: 'vmwgfx', width: 48, height: 32, x: 120, y: 70, z: 3 }),
    ],
  };
}

/** What a client's pixels should look like: colours as the format stores them, computed here. */
function stored(format: ClientConfig['format'], argb: number): number {
  if (format !== 'RGB565') return argb & 0xffffff;
  const r = (argb >>> 19) & 31;
  const g = (argb >>> 10) & 63;
  const b = (argb >>> 3) & 31;
  return (((r << 3) | (r >> 2)) << 16) | (((g << 2) | (g >> 4)) << 8) | ((b << 3) | (b >> 2));
}

interface Drawn {
  config: ClientConfig;
  pixels: Uint32Array;
}

/** A deterministic pseudo-random sequence of rect fills per client, drawn through /dev/fb mmaps. */
async function run(offsets: [number, number]) {
  const scheduler = new VirtualTimeScheduler();
  const output = new RecordingOutput();
  const extra = new ContainerModule(({ bind }) => {
    bind(OUTPUTS).toConstantValue(output);
  });
  const sc = scene(offsets);
  const container = createAppContainer({ scene: sc, scheduler, headless: true, modules: [extra] });
  const app = new CompositorApp(container);
  await app.scene.build(); // clients without their demo workers: the test is the writer
  const compositor = container.get<Compositor>(COMPOSITOR);
  scheduler.flush();
  const drawn: Drawn[] = sc.clients.map((c) => ({ config: c, pixels: new Uint32Array(c.width * c.height) }));
  const rounds: { expected: Region; written: Rect[]; received: Region }[] = [];
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const maps = app.scene.clients.map((client) => {
    const file = client.fbdev.open();
    return client.fbdev.mmap(file, { length: client.fbdev.info.fix.smemLen });
  });
  for (let round = 0; round < 6; round++) {
    const before = output.received.length;
    const expected = new Region(1000);
    const written: Rect[] = [];
    for (const [i, client] of app.scene.clients.entries()) {
      const { config } = client;
      const info = client.fbdev.info;
      const pitch = info.fix.lineLength;
      const cpp = info.var.bitsPerPixel / 8;
      const x = rnd(config.width);
      const y = rnd(config.height);
      const w = 1 + rnd(config.width - x);
      const h = 1 + rnd(Math.min(6, config.height - y));
      const argb = (0xff000000 | rnd(0x1000000)) >>> 0;
      const raw =
        cpp === 2
          ? ((argb >> 8) & 0xf800) | ((argb >> 5) & 0x07e0) | ((argb >> 3) & 0x001f)
          : argb & 0xffffff;
      for (let yy = y; yy < y + h; yy++) {
        for (let xx = x; xx < x + w; xx++) {
          if (cpp === 2) maps[i].setUint16(yy * pitch + xx * 2, raw);
          else maps[i].setUint32(yy * pitch + xx * 4, raw);
          drawn[i].pixels[yy * config.width + xx] = stored(config.format, argb);
        }
      }
      written.push(
        new Rect(x, y, x + w, y + h).translate(config.x, config.y).intersect(new Rect(0, 0, W, H)),
      );
      // independent damage model: whole rows of every dirty page, clipped to the plane and the output
      const first = Math.floor((y * pitch + x * cpp) / 4096) * 4096;
      const last = Math.ceil(((y + h - 1) * pitch + (x + w) * cpp) / 4096) * 4096;
      const rows = new Rect(0, Math.floor(first / pitch), config.width, Math.ceil(last / pitch));
      expected.addRect(
        rows
          .clipTo(config.width, config.height)
          .translate(config.x, config.y)
          .intersect(new Rect(0, 0, W, H)),
      );
    }
    scheduler.flush();
    const received = new Region(1000);
    for (const rects of output.received.slice(before)) for (const r of rects) received.addRect(r);
    rounds.push({ expected, written, received });
  }
  for (const m of maps) m.close();
  await app.stop();
  return { compositor, drawn, rounds, output, device: container.get<GemDevice>(GEM_DEVICE), sc };
}

/** The expected desktop, pixel by pixel: background, then each client's drawn pixels by z. */
function expectedDesktop(drawn: Drawn[]): Uint32Array {
  const out = new Uint32Array(W * H).fill(BG);
  for (const d of [...drawn].sort((a, b) => a.config.z - b.config.z)) {
    const { x, y, width, height } = d.config;
    for (let yy = 0; yy < height; yy++) {
      for (let xx = 0; xx < width; xx++) {
        const ox = x + xx;
        const oy = y + yy;
        if (ox >= 0 && oy >= 0 && ox < W && oy < H) out[oy * W + ox] = d.pixels[yy * width + xx];
      }
    }
  }
  return out;
}

describe('compositor app (virtual time, three client kinds)', () => {
  it('composes exactly what the clients drew through their mmaps, and outputs get only the damage', async () => {
    const { compositor, drawn, rounds } = await run([0x1_0000_0000, 0x2_0000_0000]);
    const got = Array.from(compositor.pixels, (c) => c & 0xffffff);
    const want = expectedDesktop(drawn);
    let mismatches = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) mismatches += 1;
    expect(mismatches).to.equal(0);
    for (const { expected, written, received } of rounds) {
      // every written pixel reached the outputs as damage...
      for (const r of written) expect(received.containsRect(r), `${r} not delivered`).to.equal(true);
      // ...and nothing outside the rows of the pages that were written was pushed
      for (const r of received.rects()) expect(expected.containsRect(r), `${r} ⊄ ${expected}`).to.equal(true);
    }
  });

  it('pixels and damage do not depend on the GEM fake offsets the clients are mounted at', async () => {
    const a = await run([0x1_0000_0000, 0x2_0000_0000]);
    const b = await run([0x7_3000_0000, 0x1_2345_6000]);
    expect(Array.from(b.compositor.pixels, (c) => c & 0xffffff)).to.deep.equal(
      Array.from(a.compositor.pixels, (c) => c & 0xffffff),
    );
    expect(b.output.received.map((rs) => rs.map(String))).to.deep.equal(
      a.output.received.map((rs) => rs.map(String)),
    );
  });
});
