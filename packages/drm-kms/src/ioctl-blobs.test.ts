import { expect } from 'chai';
import { MAX_USER_BLOB } from './ioctl-blobs.js';
import { Client, makeDevice } from './test-support.js';

const EDID = new Uint8Array(128).map((_, i) => 255 - i);

function setup() {
  const { dev } = makeDevice({ edid: EDID });
  return { dev, a: new Client(dev, 100), b: new Client(dev, 200) };
}

/** CREATEPROPBLOB of `bytes` (copied into the client's memory); returns the errno and the id. */
function create(c: Client, bytes: Uint8Array, length = bytes.length, data?: number) {
  const addr = c.mem.alloc(Math.max(1, bytes.length));
  c.mem.write(addr, bytes);
  const s = c
    .struct('drm_mode_create_blob')
    .set64('data', data ?? addr)
    .set32('length', length);
  return { result: c.ioctl('DRM_IOCTL_MODE_CREATEPROPBLOB', s), id: s.u32('blob_id') };
}

/** GETPROPBLOB with the right length: the bytes, or the errno. */
function read(c: Client, id: number): Uint8Array | string {
  const probe = c.struct('drm_mode_get_blob').set32('blob_id', id);
  const r = c.ioctl('DRM_IOCTL_MODE_GETPROPBLOB', probe);
  if (r !== 'OK') return r;
  const length = probe.u32('length');
  const data = c.mem.alloc(length);
  const s = c.struct('drm_mode_get_blob').set32('blob_id', id).set32('length', length).set64('data', data);
  expect(c.ioctl('DRM_IOCTL_MODE_GETPROPBLOB', s)).to.equal('OK');
  return c.mem.read(data, length).slice();
}

function destroy(c: Client, id: number): string {
  return c.ioctl('DRM_IOCTL_MODE_DESTROYPROPBLOB', c.struct('drm_mode_destroy_blob').set32('blob_id', id));
}

describe('DRM_IOCTL_MODE_CREATEPROPBLOB / DESTROYPROPBLOB', () => {
  it('a blob of the user bytes, readable by any file, with the next free object id', () => {
    const { dev, a, b } = setup();
    const mode = new Uint8Array(68).map((_, i) => i * 3);
    const { result, id } = create(a, mode);
    expect(result).to.equal('OK');
    expect(id).to.equal((dev.config.edid?.id ?? 0) + 1);
    expect(read(b, id)).to.deep.equal(mode);
    mode.fill(0); // the blob holds a copy
    expect(read(a, id)).to.not.deep.equal(mode);
  });

  it('length 0 is EINVAL, an unreadable source EFAULT, a huge length ENOMEM; none creates a blob', () => {
    const { a } = setup();
    const bytes = new Uint8Array(16).fill(7);
    expect(create(a, bytes, 0).result).to.equal('EINVAL');
    expect(create(a, bytes, 16, 0x10).result).to.equal('EFAULT');
    expect(create(a, bytes, MAX_USER_BLOB + 1).result).to.equal('ENOMEM');
    const ok = create(a, bytes);
    expect(ok.result).to.equal('OK');
    expect(ok.id - 1).to.equal(a.dev.config.edid?.id); // no id was taken by the failures
  });

  it('only the creating file destroys its blob: EPERM for another file and for the EDID, ENOENT for non-blobs', () => {
    const { dev, a, b } = setup();
    const { id } = create(a, new Uint8Array([1, 2, 3]));
    expect(destroy(b, id)).to.equal('EPERM');
    expect(destroy(a, dev.config.edid?.id ?? 0)).to.equal('EPERM');
    for (const other of [0, 9999, dev.config.crtc.id, dev.config.connector.id])
      expect(destroy(a, other), `id ${other}`).to.equal('ENOENT');
    expect(read(b, id)).to.deep.equal(new Uint8Array([1, 2, 3]));
    expect(destroy(a, id)).to.equal('OK');
    expect(read(b, id)).to.equal('ENOENT');
    expect(destroy(a, id)).to.equal('ENOENT');
    expect(read(a, dev.config.edid?.id ?? 0)).to.deep.equal(EDID);
  });

  it("closing a file destroys its blobs and no other file's", () => {
    const { a, b } = setup();
    const mine = create(a, new Uint8Array([1])).id;
    const theirs = create(b, new Uint8Array([2])).id;
    a.close();
    expect(read(b, mine)).to.equal('ENOENT');
    expect(read(b, theirs)).to.deep.equal(new Uint8Array([2]));
  });

  it("the device's blobs together hold at most MAX_USER_BLOB bytes: a loop of creates is ENOMEM, destroy and close give room back", () => {
    const { a, b } = setup();
    const quarter = MAX_USER_BLOB / 4;
    const data = a.mem.alloc(quarter); // one source reused: the process spends nothing per blob
    const make = (c: Client) => {
      const s = c.struct('drm_mode_create_blob').set64('data', c === a ? data : b.mem.alloc(quarter));
      s.set32('length', quarter);
      return { result: c.ioctl('DRM_IOCTL_MODE_CREATEPROPBLOB', s), id: s.u32('blob_id') };
    };
    const mine = [make(a), make(a), make(a)];
    expect(mine.map((r) => r.result)).to.deep.equal(['OK', 'OK', 'OK']);
    expect(make(b).result).to.equal('OK'); // the fourth quarter, another file
    expect(make(a).result).to.equal('ENOMEM');
    expect(make(b).result).to.equal('ENOMEM'); // per device, not per file
    expect(destroy(a, mine[0].id)).to.equal('OK');
    expect(make(b).result).to.equal('OK');
    a.close(); // its two remaining blobs go
    expect([make(b).result, make(b).result, make(b).result]).to.deep.equal(['OK', 'OK', 'ENOMEM']);
  });
});
