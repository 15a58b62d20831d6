import { expect } from 'chai';
import { Client, makeDevice } from './test-support.js';
import {
  DRM_CAP_ASYNC_PAGE_FLIP,
  DRM_CAP_CURSOR_HEIGHT,
  DRM_CAP_CURSOR_WIDTH,
  DRM_CAP_DUMB_BUFFER,
  DRM_CAP_DUMB_PREFER_SHADOW,
  DRM_CAP_DUMB_PREFERRED_DEPTH,
  DRM_CAP_PRIME,
  DRM_CAP_TIMESTAMP_MONOTONIC,
  DRM_CLIENT_CAP_ASPECT_RATIO,
  DRM_CLIENT_CAP_ATOMIC,
  DRM_CLIENT_CAP_STEREO_3D,
  DRM_CLIENT_CAP_UNIVERSAL_PLANES,
  DRM_CLIENT_CAP_WRITEBACK_CONNECTORS,
  drmIoc,
  IOC_READ,
  IOC_WRITE,
} from './uapi.js';

function twoClients() {
  const { dev } = makeDevice();
  return { dev, a: new Client(dev, 100), b: new Client(dev, 200) };
}

describe('drm_ioctl dispatch', () => {
  it('ENOTTY for another ioctl type, EINVAL for a DRM nr without a handler (core, driver range, beyond)', () => {
    const { a } = twoClients();
    const arg = a.struct('drm_version');
    expect(a.ioctl(0x4600, arg)).to.equal('ENOTTY'); // FBIOGET_VSCREENINFO
    expect(a.ioctl(drmIoc(3, 0x02, 8), arg)).to.equal('EINVAL'); // GET_MAGIC: not served
    expect(a.ioctl(drmIoc(3, 0x40, 8), arg)).to.equal('EINVAL'); // driver-private range
    expect(a.ioctl(drmIoc(3, 0xf0, 8), arg)).to.equal('EINVAL'); // past the core table
  });

  it('EFAULT when the argument cannot be read or written back', () => {
    const { a } = twoClients();
    expect(a.ioctl('DRM_IOCTL_VERSION', 0)).to.equal('EFAULT');
    const ro = a.struct('drm_version');
    a.mem.protect(ro.addr, false);
    expect(a.ioctl('DRM_IOCTL_VERSION', ro)).to.equal('EFAULT');
  });

  it('zero-extends a shorter user struct and copies back only the user size', () => {
    const { a } = twoClients();
    // an old 8-byte drm_get_cap user struct: value is beyond it, so nothing but capability comes back
    const short = a.struct('drm_get_cap', 8);
    short.set64('capability', DRM_CAP_DUMB_BUFFER);
    const cmd = drmIoc(IOC_READ | IOC_WRITE, 0x0c, 8);
    expect(a.ioctl(cmd, short)).to.equal('OK');
    expect(a.mem.read(short.addr, 8)).to.deep.equal(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
  });

  it('copies kdata back even when the handler fails (CREATE_DUMB zeroes its outputs)', () => {
    const { a } = twoClients();
    const s = a.struct('drm_mode_create_dumb').set32('width', 0).set32('height', 8).set32('bpp', 32);
    s.set32('handle', 77).set32('pitch', 77).set64('size', 77);
    expect(a.ioctl('DRM_IOCTL_MODE_CREATE_DUMB', s)).to.equal('EINVAL');
    expect([s.u32('handle'), s.u32('pitch'), s.u64('size')]).to.deep.equal([0, 0, 0n]);
  });

  it('DRM_MASTER ioctls are EACCES for a file that is not the current master', () => {
    const { a, b } = twoClients();
    expect(b.setCrtc(0)).to.equal('EACCES');
    expect(a.setCrtc(0)).to.equal('OK');
  });
});

describe('DRM_IOCTL_VERSION', () => {
  it('two calls: lengths first, then the strings; date is "0"', () => {
    const { a } = twoClients();
    const v = a.struct('drm_version');
    expect(a.ioctl('DRM_IOCTL_VERSION', v)).to.equal('OK');
    expect([v.u32('version_major'), v.u32('version_minor'), v.u32('version_patchlevel')]).to.deep.equal([
      1, 0, 0,
    ]);
    const nameLen = Number(v.u64('name_len'));
    const descLen = Number(v.u64('desc_len'));
    expect(nameLen).to.equal('fbemu'.length);
    expect(Number(v.u64('date_len'))).to.equal(1);
    const name = a.mem.alloc(nameLen);
    const date = a.mem.alloc(1);
    const desc = a.mem.alloc(descLen);
    v.set64('name', name).set64('date', date).set64('desc', desc);
    expect(a.ioctl('DRM_IOCTL_VERSION', v)).to.equal('OK');
    expect(new TextDecoder().decode(a.mem.read(name, nameLen))).to.equal('fbemu');
    expect(new TextDecoder().decode(a.mem.read(date, 1))).to.equal('0');
    expect(new TextDecoder().decode(a.mem.read(desc, descLen))).to.match(/fbemu/);
  });

  it('copies only as much as the buffer holds but reports the full length; EFAULT on a bad buffer', () => {
    const { a } = twoClients();
    const v = a.struct('drm_version');
    const name = a.mem.alloc(3);
    v.set64('name', name).set64('name_len', 3);
    expect(a.ioctl('DRM_IOCTL_VERSION', v)).to.equal('OK');
    expect(new TextDecoder().decode(a.mem.read(name, 3))).to.equal('fbe');
    expect(Number(v.u64('name_len'))).to.equal(5);
    v.set64('name', 0x7fff0000).set64('name_len', 5);
    expect(a.ioctl('DRM_IOCTL_VERSION', v)).to.equal('EFAULT');
  });
});

describe('DRM_IOCTL_GET_CAP', () => {
  const cases: [number, bigint][] = [
    [DRM_CAP_DUMB_BUFFER, 1n],
    [DRM_CAP_DUMB_PREFERRED_DEPTH, 24n],
    [DRM_CAP_DUMB_PREFER_SHADOW, 0n],
    [DRM_CAP_PRIME, 0n],
    [DRM_CAP_TIMESTAMP_MONOTONIC, 1n],
    [DRM_CAP_ASYNC_PAGE_FLIP, 0n],
    [DRM_CAP_CURSOR_WIDTH, 64n],
    [DRM_CAP_CURSOR_HEIGHT, 64n],
  ];
  it('answers the capabilities of a dumb-buffer KMS driver', () => {
    const { a } = twoClients();
    for (const [cap, value] of cases) {
      const s = a.struct('drm_get_cap').set64('capability', cap).set64('value', 99);
      expect(a.ioctl('DRM_IOCTL_GET_CAP', s), `cap ${cap}`).to.equal('OK');
      expect(s.u64('value'), `cap ${cap}`).to.equal(value);
    }
  });

  it('EINVAL for an unknown capability, value zeroed', () => {
    const { a } = twoClients();
    for (const cap of [0n, 0x16n, 0x100n, 2n ** 63n]) {
      const s = a.struct('drm_get_cap').set64('capability', cap).set64('value', 99);
      expect(a.ioctl('DRM_IOCTL_GET_CAP', s)).to.equal('EINVAL');
      expect(s.u64('value')).to.equal(0n);
    }
  });
});

describe('DRM_IOCTL_SET_CLIENT_CAP', () => {
  it('UNIVERSAL_PLANES, STEREO_3D and ASPECT_RATIO take 0 or 1; >1 is EINVAL', () => {
    const { a } = twoClients();
    for (const cap of [
      DRM_CLIENT_CAP_UNIVERSAL_PLANES,
      DRM_CLIENT_CAP_STEREO_3D,
      DRM_CLIENT_CAP_ASPECT_RATIO,
    ]) {
      const s = a.struct('drm_set_client_cap').set64('capability', cap).set64('value', 1);
      expect(a.ioctl('DRM_IOCTL_SET_CLIENT_CAP', s)).to.equal('OK');
      s.set64('value', 2);
      expect(a.ioctl('DRM_IOCTL_SET_CLIENT_CAP', s)).to.equal('EINVAL');
    }
    const file = a.chr.privateData as { universalPlanes: boolean };
    expect(file.universalPlanes).to.equal(true);
  });

  it('ATOMIC is EOPNOTSUPP (no atomic driver) for every value; WRITEBACK is EINVAL; unknown EINVAL', () => {
    const { a } = twoClients();
    for (const value of [0, 1, 2, 3]) {
      const s = a
        .struct('drm_set_client_cap')
        .set64('capability', DRM_CLIENT_CAP_ATOMIC)
        .set64('value', value);
      expect(a.ioctl('DRM_IOCTL_SET_CLIENT_CAP', s)).to.equal('EOPNOTSUPP');
    }
    const w = a
      .struct('drm_set_client_cap')
      .set64('capability', DRM_CLIENT_CAP_WRITEBACK_CONNECTORS)
      .set64('value', 1);
    expect(a.ioctl('DRM_IOCTL_SET_CLIENT_CAP', w)).to.equal('EINVAL');
    const u = a.struct('drm_set_client_cap').set64('capability', 99).set64('value', 1);
    expect(a.ioctl('DRM_IOCTL_SET_CLIENT_CAP', u)).to.equal('EINVAL');
  });

  it('DRM_IOCTL_MODE_ATOMIC is EOPNOTSUPP too', () => {
    const { a } = twoClients();
    expect(a.ioctl('DRM_IOCTL_MODE_ATOMIC', a.mem.alloc(56))).to.equal('EOPNOTSUPP');
  });
});

describe('SET_MASTER / DROP_MASTER', () => {
  it('the first opener is master; a second is not and cannot take it unprivileged (EACCES)', () => {
    const { dev, a, b } = twoClients();
    expect(dev.isCurrentMaster(a.chr.privateData as never)).to.equal(true);
    expect(dev.isCurrentMaster(b.chr.privateData as never)).to.equal(false);
    expect(b.ioctl('DRM_IOCTL_SET_MASTER', 0)).to.equal('EACCES');
    expect(b.ioctl('DRM_IOCTL_DROP_MASTER', 0)).to.equal('EACCES');
  });

  it('a former master may drop and set again; DROP twice is EINVAL; SET while another is master is EBUSY', () => {
    const { dev } = makeDevice({ privileged: true });
    const a = new Client(dev, 1);
    const b = new Client(dev, 2);
    expect(a.ioctl('DRM_IOCTL_SET_MASTER', 0)).to.equal('OK'); // already master: no-op
    expect(b.ioctl('DRM_IOCTL_SET_MASTER', 0)).to.equal('EBUSY');
    expect(b.ioctl('DRM_IOCTL_DROP_MASTER', 0)).to.equal('EINVAL');
    expect(a.ioctl('DRM_IOCTL_DROP_MASTER', 0)).to.equal('OK');
    expect(a.ioctl('DRM_IOCTL_DROP_MASTER', 0)).to.equal('EINVAL');
    expect(b.ioctl('DRM_IOCTL_SET_MASTER', 0)).to.equal('OK');
    expect(a.setCrtc(0)).to.equal('EACCES');
    expect(b.setCrtc(0)).to.equal('OK');
  });

  it('an unprivileged former master can take master back once it is free', () => {
    const { a, b } = twoClients();
    expect(a.ioctl('DRM_IOCTL_DROP_MASTER', 0)).to.equal('OK');
    expect(b.ioctl('DRM_IOCTL_SET_MASTER', 0)).to.equal('EACCES');
    expect(a.ioctl('DRM_IOCTL_SET_MASTER', 0)).to.equal('OK');
  });

  it('closing the master frees master for the next opener', () => {
    const { dev, a } = twoClients();
    a.close();
    const c = new Client(dev, 300);
    expect(dev.isCurrentMaster(c.chr.privateData as never)).to.equal(true);
  });
});

describe('DRM_IOCTL_GEM_CLOSE', () => {
  it('closes a handle once; unknown or repeated → EINVAL; another file cannot close it', () => {
    const { a, b } = twoClients();
    const { handle } = a.createDumb(16, 16);
    const s = b.struct('drm_gem_close').set32('handle', handle);
    expect(b.ioctl('DRM_IOCTL_GEM_CLOSE', s)).to.equal('EINVAL');
    const t = a.struct('drm_gem_close').set32('handle', handle);
    expect(a.ioctl('DRM_IOCTL_GEM_CLOSE', t)).to.equal('OK');
    expect(a.ioctl('DRM_IOCTL_GEM_CLOSE', t)).to.equal('EINVAL');
  });
});
