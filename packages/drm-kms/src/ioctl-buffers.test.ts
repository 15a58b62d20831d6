import { ARGB8888, RGB565, XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import type { KmsFile } from './kms-file.js';
import { Client, makeDevice } from './test-support.js';
import { DRM_MODE_FB_MODIFIERS, fourcc } from './uapi.js';

function setup() {
  const { dev, gem } = makeDevice();
  return { dev, gem, a: new Client(dev, 100), b: new Client(dev, 200) };
}

describe('CREATE_DUMB / MAP_DUMB / DESTROY_DUMB', () => {
  it('creates handles 1.. with pitch and page-aligned size; MAP_DUMB gives distinct fake offsets ≥ 4 GiB', () => {
    const { a } = setup();
    const one = a.createDumb(640, 480);
    const two = a.createDumb(100, 10, 16);
    expect(one).to.deep.equal({ handle: 1, pitch: 2560, size: 1228800 });
    expect(two).to.deep.equal({ handle: 2, pitch: 200, size: 4096 });
    const o1 = a.mapDumb(1);
    const o2 = a.mapDumb(2);
    expect(o1).to.be.at.least(2 ** 32);
    expect(o1 % 4096).to.equal(0);
    expect(o2 >= o1 + one.size || o2 + two.size <= o1).to.equal(true);
    expect(a.mapDumb(1)).to.equal(o1);
  });

  it('EINVAL for zero or overflowing sizes (outputs zeroed), and no object is created', () => {
    const { a, gem } = setup();
    for (const [w, h, bpp] of [
      [0, 10, 32],
      [10, 0, 32],
      [10, 10, 0],
      [0x40000000, 2, 32],
      [65536, 65536, 32],
      [10, 10, 0xfffffff8],
    ]) {
      const s = a.struct('drm_mode_create_dumb').set32('width', w).set32('height', h).set32('bpp', bpp);
      expect(a.ioctl('DRM_IOCTL_MODE_CREATE_DUMB', s), `${w}x${h}@${bpp}`).to.equal('EINVAL');
      expect(s.u32('handle')).to.equal(0);
    }
    expect(gem.offsets.size).to.equal(0);
  });

  it('MAP_DUMB: ENOENT (offset 0) for unknown handles and for another file’s handle', () => {
    const { a, b } = setup();
    a.createDumb(16, 16);
    for (const [client, handle] of [
      [a, 7],
      [b, 1],
      [a, 0],
    ] as const) {
      const s = client.struct('drm_mode_map_dumb').set32('handle', handle).set64('offset', 5);
      expect(client.ioctl('DRM_IOCTL_MODE_MAP_DUMB', s)).to.equal('ENOENT');
      expect(s.u64('offset')).to.equal(0n);
    }
  });

  it('DESTROY_DUMB: EINVAL for unknown handles; the handle number is reused afterwards', () => {
    const { a, b } = setup();
    a.createDumb(16, 16);
    const s = b.struct('drm_mode_destroy_dumb').set32('handle', 1);
    expect(b.ioctl('DRM_IOCTL_MODE_DESTROY_DUMB', s)).to.equal('EINVAL');
    const t = a.struct('drm_mode_destroy_dumb').set32('handle', 1);
    expect(a.ioctl('DRM_IOCTL_MODE_DESTROY_DUMB', t)).to.equal('OK');
    expect(a.ioctl('DRM_IOCTL_MODE_DESTROY_DUMB', t)).to.equal('EINVAL');
    expect(a.createDumb(8, 8).handle).to.equal(1);
  });
});

describe('ADDFB2 / ADDFB / RMFB / GETFB', () => {
  it('accepts XRGB8888, ARGB8888 and RGB565 with matching pitch; the fb keeps the object alive', () => {
    const { a, gem } = setup();
    const { handle, pitch } = a.createDumb(64, 64);
    const x = a.addFb2(handle, 64, 64, pitch, XRGB8888.code);
    const y = a.addFb2(handle, 64, 64, pitch, ARGB8888.code);
    const z = a.addFb2(handle, 128, 64, pitch, RGB565.code);
    expect(new Set([x, y, z]).size).to.equal(3);
    const s = a.struct('drm_mode_destroy_dumb').set32('handle', handle);
    expect(a.ioctl('DRM_IOCTL_MODE_DESTROY_DUMB', s)).to.equal('OK');
    expect(gem.offsets.size).to.equal(1); // still referenced by the framebuffers
  });

  const bad: [string, (s: ReturnType<Client['struct']>) => void, string][] = [
    ['unknown flags', (s) => s.set32('flags', 4), 'EINVAL'],
    ['modifiers flag', (s) => s.set32('flags', DRM_MODE_FB_MODIFIERS), 'EINVAL'],
    ['modifier without flag', (s) => s.set64('modifier', 1), 'EINVAL'],
    ['modifier on plane 2', (s) => s.set64('modifier', 1, 2), 'EINVAL'],
    ['width 0', (s) => s.set32('width', 0), 'EINVAL'],
    ['height above max', (s) => s.set32('height', 9000), 'EINVAL'],
    ['unknown format', (s) => s.set32('pixel_format', fourcc('NV12')), 'EINVAL'],
    ['handle 0', (s) => s.set32('handles', 0), 'EINVAL'],
    ['unknown handle', (s) => s.set32('handles', 42), 'ENOENT'],
    ['pitch too small', (s) => s.set32('pitches', 255), 'EINVAL'],
    ['object too small', (s) => s.set32('height', 65), 'EINVAL'],
    ['offset past the object', (s) => s.set32('offsets', 4096), 'EINVAL'],
    ['pitch × height overflow', (s) => s.set32('pitches', 0x10000000), 'ERANGE'],
  ];
  for (const [what, mutate, errno] of bad) {
    it(`ADDFB2 ${what} → ${errno}, no fb created`, () => {
      const { a, dev } = setup();
      const { handle, pitch } = a.createDumb(64, 64);
      const s = a
        .struct('drm_mode_fb_cmd2')
        .set32('width', 64)
        .set32('height', 64)
        .set32('pixel_format', XRGB8888.code);
      s.set32('handles', handle).set32('pitches', pitch);
      mutate(s);
      expect(a.ioctl('DRM_IOCTL_MODE_ADDFB2', s)).to.equal(errno);
      expect((a.chr.privateData as KmsFile).fbs).to.have.length(0);
      expect(dev.config.idr.find(10, 0)).to.equal(undefined);
    });
  }

  it('ADDFB2 with another file’s handle is ENOENT: handles are per file', () => {
    const { a, b } = setup();
    const { handle, pitch } = a.createDumb(64, 64);
    const s = b
      .struct('drm_mode_fb_cmd2')
      .set32('width', 64)
      .set32('height', 64)
      .set32('pixel_format', XRGB8888.code);
    s.set32('handles', handle).set32('pitches', pitch);
    expect(b.ioctl('DRM_IOCTL_MODE_ADDFB2', s)).to.equal('ENOENT');
    expect((b.chr.privateData as KmsFile).fbs).to.have.length(0);
  });

  it('ADDFB maps bpp/depth to formats and refuses pairs fbemu cannot scan out', () => {
    const { a, dev } = setup();
    const { handle, pitch } = a.createDumb(64, 64);
    const ok: [number, number, string][] = [
      [32, 24, 'XRGB8888'],
      [32, 32, 'ARGB8888'],
      [16, 16, 'RGB565'],
    ];
    for (const [bpp, depth, name] of ok) {
      const s = a.struct('drm_mode_fb_cmd').set32('width', 32).set32('height', 32).set32('pitch', pitch);
      s.set32('bpp', bpp).set32('depth', depth).set32('handle', handle);
      expect(a.ioctl('DRM_IOCTL_MODE_ADDFB', s)).to.equal('OK');
      const fb = dev.config.idr.find(s.u32('fb_id'), 0) as unknown as { format: { name: string } };
      expect(fb.format.name).to.equal(name);
    }
    for (const [bpp, depth] of [
      [8, 8],
      [16, 15],
      [32, 30],
      [24, 32],
    ]) {
      const s = a.struct('drm_mode_fb_cmd').set32('width', 32).set32('height', 32).set32('pitch', pitch);
      s.set32('bpp', bpp).set32('depth', depth).set32('handle', handle);
      expect(a.ioctl('DRM_IOCTL_MODE_ADDFB', s)).to.equal('EINVAL');
    }
  });

  it('RMFB: only the owner may remove (ENOENT otherwise); the id is then unknown and reused', () => {
    const { a, b } = setup();
    const { handle, pitch } = a.createDumb(64, 64);
    const fb = a.addFb2(handle, 64, 64, pitch, XRGB8888.code);
    const rb = b.mem.alloc(4);
    b.mem.view(rb, 4).setUint32(0, fb, true);
    expect(b.ioctl('DRM_IOCTL_MODE_RMFB', rb)).to.equal('ENOENT');
    const ra = a.mem.alloc(4);
    a.mem.view(ra, 4).setUint32(0, fb, true);
    expect(a.ioctl('DRM_IOCTL_MODE_RMFB', ra)).to.equal('OK');
    expect(a.ioctl('DRM_IOCTL_MODE_RMFB', ra)).to.equal('ENOENT');
    expect(a.addFb2(handle, 64, 64, pitch, XRGB8888.code)).to.equal(fb);
  });

  it('GETFB: size and format for anyone; a fresh handle for the master only', () => {
    const { a, b } = setup();
    const { handle, pitch } = a.createDumb(64, 64);
    const fb = a.addFb2(handle, 48, 40, pitch, XRGB8888.code);
    const g = b.struct('drm_mode_fb_cmd').set32('fb_id', fb);
    expect(b.ioctl('DRM_IOCTL_MODE_GETFB', g)).to.equal('OK');
    expect([
      g.u32('width'),
      g.u32('height'),
      g.u32('pitch'),
      g.u32('bpp'),
      g.u32('depth'),
      g.u32('handle'),
    ]).to.deep.equal([48, 40, pitch, 32, 24, 0]);
    const h = a.struct('drm_mode_fb_cmd').set32('fb_id', fb);
    expect(a.ioctl('DRM_IOCTL_MODE_GETFB', h)).to.equal('OK');
    expect(h.u32('handle')).to.equal(2);
    expect(a.mapDumb(2)).to.equal(a.mapDumb(handle));
    const none = a.struct('drm_mode_fb_cmd').set32('fb_id', 999);
    expect(a.ioctl('DRM_IOCTL_MODE_GETFB', none)).to.equal('ENOENT');
  });

  it('GETFB2: size, fourcc, plane 0 pitch and offset, no modifiers; planes 1–3 zeroed; a handle for the master only', () => {
    const { a, b } = setup();
    const { handle, pitch } = a.createDumb(64, 64, 16);
    const fb = a.addFb2(handle, 60, 40, pitch, RGB565.code, 2 * pitch);
    const get = (c: Client) => {
      const s = c.struct('drm_mode_fb_cmd2').set32('fb_id', fb).set32('flags', 0xff);
      for (let i = 0; i < 4; i++) s.set32('handles', 77, i).set32('pitches', 77, i).set32('offsets', 77, i);
      for (let i = 0; i < 4; i++) s.set64('modifier', 77, i);
      expect(c.ioctl('DRM_IOCTL_MODE_GETFB2', s)).to.equal('OK');
      return s;
    };
    const seen = get(b);
    expect([
      seen.u32('width'),
      seen.u32('height'),
      seen.u32('pixel_format'),
      seen.u32('flags'),
    ]).to.deep.equal([60, 40, RGB565.code, 0]);
    expect([0, 1, 2, 3].map((i) => seen.u32('pitches', i))).to.deep.equal([pitch, 0, 0, 0]);
    expect([0, 1, 2, 3].map((i) => seen.u32('offsets', i))).to.deep.equal([2 * pitch, 0, 0, 0]);
    expect([0, 1, 2, 3].map((i) => seen.u32('handles', i))).to.deep.equal([0, 0, 0, 0]); // not master
    expect([0, 1, 2, 3].map((i) => seen.u64('modifier', i))).to.deep.equal([0n, 0n, 0n, 0n]);
    const mine = get(a); // a opened first: the master
    expect(mine.u32('handles')).to.equal(2);
    expect(a.mapDumb(2)).to.equal(a.mapDumb(handle));
  });

  it('GETFB2: ENOENT for an id that is no framebuffer; the user struct is left as it was', () => {
    const { dev, a } = setup();
    for (const id of [0, 999, dev.config.crtc.id]) {
      const s = a.struct('drm_mode_fb_cmd2').set32('fb_id', id).set32('width', 5).set32('handles', 9);
      expect(a.ioctl('DRM_IOCTL_MODE_GETFB2', s), `id ${id}`).to.equal('ENOENT');
      expect([s.u32('width'), s.u32('handles')]).to.deep.equal([5, 9]);
    }
  });
});

describe('DrmFramebuffer', () => {
  it('a layout its object cannot hold is EINVAL and leaves no vmap or reference behind', async () => {
    const { a, gem } = setup();
    const { handle } = a.createDumb(64, 64);
    const object = gem.lookup((a.chr.privateData as KmsFile).gem, handle);
    const { DrmFramebuffer } = await import('./framebuffer.js');
    const owner = { fbs: [] };
    expect(() => new DrmFramebuffer(owner, object, 64, 65, XRGB8888, 256, 0)).to.throw('EINVAL');
    expect([object.vmapUseCount, object.refs]).to.deep.equal([0, 1]);
    const fb = new DrmFramebuffer(owner, object, 64, 64, XRGB8888, 256, 0);
    expect([object.vmapUseCount, object.refs]).to.deep.equal([1, 2]);
    fb.destroy();
    expect([object.vmapUseCount, object.refs]).to.deep.equal([0, 1]);
  });
});
