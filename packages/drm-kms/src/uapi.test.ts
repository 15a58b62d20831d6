import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { drmIoc, IOC_READ, IOC_WRITE, IOCTLS, iocDir, iocNr, iocSize, iocType, STRUCTS } from './uapi.js';

/** Golden values printed by tools/uapi-layout.c compiled against /usr/include/libdrm (x86-64). */
const golden = JSON.parse(readFileSync(new URL('../src/uapi-golden.json', import.meta.url), 'utf8')) as {
  structs: Record<string, { sizeof: number; fields: Record<string, number> }>;
  ioctls: Record<string, number>;
};

describe('uapi layouts', () => {
  it('every struct has the size and field offsets of the C headers', () => {
    for (const [name, c] of Object.entries(golden.structs)) {
      const ts = STRUCTS[name as keyof typeof STRUCTS];
      expect(ts, name).to.not.equal(undefined);
      expect(ts.sizeof, `sizeof(struct ${name})`).to.equal(c.sizeof);
      expect({ ...ts.fields }, `offsets of struct ${name}`).to.deep.equal(c.fields);
    }
    expect(Object.keys(STRUCTS).sort()).to.deep.equal(Object.keys(golden.structs).sort());
  });

  it('every ioctl request number equals the C macro', () => {
    for (const [name, value] of Object.entries(golden.ioctls)) {
      expect(IOCTLS[name as keyof typeof IOCTLS], name).to.equal(value);
    }
    expect(Object.keys(IOCTLS).sort()).to.deep.equal(Object.keys(golden.ioctls).sort());
  });

  it('decodes request numbers into dir, type, nr and size', () => {
    const cmd = drmIoc(IOC_READ | IOC_WRITE, 0xb2, 32);
    expect([iocDir(cmd), iocType(cmd), iocNr(cmd), iocSize(cmd)]).to.deep.equal([3, 0x64, 0xb2, 32]);
    expect(iocDir(IOCTLS.DRM_IOCTL_SET_CLIENT_CAP)).to.equal(IOC_WRITE);
    expect(iocSize(IOCTLS.DRM_IOCTL_SET_MASTER)).to.equal(0);
  });
});
