import type { FbDeferredIoApi, FbFile } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { queueScheduler } from 'rxjs';
import { ExternalMappingAttacher, mappingAttacherFor } from './defio-mapping.js';
import { errnoOf, FakeProcessMapping, makeFb } from './test-support.js';

const vma = { pgoff: 3, length: 8192, prot: 3, flags: 1 };

describe('mappingAttacherFor', () => {
  it("attaches through the framebuffer core's mmapExternal", () => {
    const { device } = makeFb(queueScheduler);
    expect(mappingAttacherFor(device.helper.defio)).to.be.instanceOf(ExternalMappingAttacher);
  });

  it('uses mmapExternal when the core has it: attach maps with the vma, detach closes once', () => {
    const calls: string[] = [];
    const core = {
      mmapExternal: (file: FbFile, opts: { pgoff: number; length: number }) => {
        calls.push(`mmap ${file.id} ${opts.pgoff} ${opts.length}`);
        return { close: () => calls.push('close') };
      },
    } as unknown as FbDeferredIoApi;
    const attacher = mappingAttacherFor(core);
    expect(attacher).to.be.instanceOf(ExternalMappingAttacher);
    const mapping = new FakeProcessMapping(vma);
    attacher.attach({ id: 7 }, mapping);
    expect(errnoOf(() => attacher.attach({ id: 7 }, mapping))).to.equal('EINVAL');
    attacher.detach(mapping);
    attacher.detach(mapping);
    expect(calls).to.deep.equal(['mmap 7 3 8192', 'close']);
  });

  it('refuses a core without mmapExternal (ENODEV)', () => {
    expect(errnoOf(() => mappingAttacherFor({} as FbDeferredIoApi))).to.equal('ENODEV');
  });
});
