import type { ProcessMapping } from '@fbemu/chrdev';
import type { FbDeferredIoApi, FbFile, FbMappingApi } from '@fbemu/fbdev-defio';
import { check, DEFAULT_PAGE_GEOMETRY } from '@fbemu/gem-shmem';

/**
 * Wires a real process's mapping of /dev/fbN into the deferred-I/O core as one more mapping.
 * Only this interface is used by the file operations; `mappingAttacherFor` picks fbdev-defio's
 * `mmapExternal` when the core has it, else the adapter over the core's existing port.
 */
export interface DefioMappingAttacher {
  /** The process mapped the framebuffer through `file`: its stores count from now on. */
  attach(file: FbFile, mapping: ProcessMapping): void;
  /** The mapping is gone: its last written pages are collected, then the file reference drops. */
  detach(mapping: ProcessMapping): void;
}

/** A worker mapping's channel, as `FbDeferredIo.attachChannel` takes it (not exported by fbdev-defio). */
interface DirtyChannelShape {
  start(onRing: () => void): void;
  collect(enlist: (page: number) => void): void;
  take(enlist: (page: number) => void): void;
  shutdown(liveness: number): void;
}

/** The parts of `FbDeferredIo` (its `DefioPort`) the adapter drives. */
interface DefioPortShape {
  attachChannel(channel: DirtyChannelShape): void;
  unmap(mapping: FbMappingApi, channel: DirtyChannelShape | undefined, file: FbFile): void;
}

function hasPort(defio: FbDeferredIoApi): defio is FbDeferredIoApi & DefioPortShape {
  const d = defio as Partial<DefioPortShape>;
  return typeof d.attachChannel === 'function' && typeof d.unmap === 'function';
}

/**
 * A process mapping seen as a worker channel: mapping page p is framebuffer page pgoff + p
 * (/dev/fbN starts at file offset 0). Pages outside the framebuffer are dropped: the process
 * cannot have written them (they are SIGBUS), and untrusted numbers must not reach the core.
 */
class ProcessChannel implements DirtyChannelShape {
  private stopped = false;
  /** the core's enlist of the collect/take in progress (no closure per call) */
  private target: (page: number) => void = () => {};

  constructor(
    private readonly mapping: ProcessMapping,
    private readonly first: number,
    private readonly fbPages: number,
  ) {}

  start(onRing: () => void): void {
    this.mapping.start(onRing);
  }

  collect(enlist: (page: number) => void): void {
    this.target = enlist;
    this.mapping.collect(this.enlistMappingPage);
  }

  /** The process's take write-protects what it reports: that is this mapping's mkclean. */
  take(enlist: (page: number) => void): void {
    this.target = enlist;
    this.mapping.take(this.enlistMappingPage);
  }

  /** Like a worker channel: stop first, then the core collects the last pages. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.mapping.shutdown();
  }

  private readonly enlistMappingPage = (page: number): void => {
    const fbPage = this.first + page;
    if (Number.isInteger(page) && page >= 0 && fbPage < this.fbPages) this.target(fbPage);
  };
}

interface Attached {
  readonly vma: FbMappingApi;
  readonly channel: ProcessChannel;
  readonly file: FbFile;
}

/**
 * `DefioMappingAttacher` over fbdev-defio's existing port: `mmap` makes the core's VMA record
 * (it holds the file open, so the last close flushes only after munmap), `attachChannel` makes
 * the process one more dirty channel (collected on its doorbell, taken at every writeback, which
 * re-protects its pages), and `unmap` collects the last pages and drops the file reference.
 */
export class PortMappingAttacher implements DefioMappingAttacher {
  private readonly attached = new Map<ProcessMapping, Attached>();
  private readonly port: FbDeferredIoApi & DefioPortShape;

  constructor(defio: FbDeferredIoApi) {
    check(hasPort(defio), 'ENODEV', 'this deferred-I/O core cannot take process mappings');
    this.port = defio;
  }

  attach(file: FbFile, mapping: ProcessMapping): void {
    check(!this.attached.has(mapping), 'EINVAL', 'mapping already attached');
    const { pgoff, length } = mapping.vma;
    const vma = this.port.mmap(file, { pgoff, length });
    const fbPages = DEFAULT_PAGE_GEOMETRY.pages(this.port.info.fix.smemLen);
    const channel = new ProcessChannel(mapping, pgoff, fbPages);
    try {
      this.port.attachChannel(channel);
    } catch (e) {
      vma.close();
      throw e;
    }
    this.attached.set(mapping, { vma, channel, file });
  }

  detach(mapping: ProcessMapping): void {
    const entry = this.attached.get(mapping);
    if (entry === undefined) return;
    this.attached.delete(mapping);
    this.port.unmap(entry.vma, entry.channel, entry.file);
  }

  /** mappings currently attached */
  get size(): number {
    return this.attached.size;
  }
}

/** fbdev-defio's `mmapExternal` (added in the chrdev branch), detected at run time. */
interface ExternalMappingCore {
  mmapExternal(
    file: FbFile,
    opts: { pgoff: number; length: number },
    mapping: ProcessMapping,
  ): { close(): void };
}

function hasMmapExternal(defio: FbDeferredIoApi): defio is FbDeferredIoApi & ExternalMappingCore {
  return typeof (defio as Partial<ExternalMappingCore>).mmapExternal === 'function';
}

/** `DefioMappingAttacher` over `mmapExternal`: the core holds the mapping; close is munmap. */
export class ExternalMappingAttacher implements DefioMappingAttacher {
  private readonly attached = new Map<ProcessMapping, { close(): void }>();

  constructor(private readonly core: FbDeferredIoApi & ExternalMappingCore) {}

  attach(file: FbFile, mapping: ProcessMapping): void {
    check(!this.attached.has(mapping), 'EINVAL', 'mapping already attached');
    const { pgoff, length } = mapping.vma;
    this.attached.set(mapping, this.core.mmapExternal(file, { pgoff, length }, mapping));
  }

  detach(mapping: ProcessMapping): void {
    const handle = this.attached.get(mapping);
    if (handle === undefined) return;
    this.attached.delete(mapping);
    handle.close();
  }
}

/** The attacher for a core: `mmapExternal` when it has one, else the port adapter. */
export function mappingAttacherFor(defio: FbDeferredIoApi): DefioMappingAttacher {
  return hasMmapExternal(defio) ? new ExternalMappingAttacher(defio) : new PortMappingAttacher(defio);
}
