import { check, KernelError, Page, type PageGeometry } from './gem.js';
import { MEMORY_LIMIT } from './layout.js';
import type { GetPage, Pageref } from './tokens.js';

/** Largest pageref table fbemu sets up (4 GiB of 4 KiB pages); beyond it init fails with ENOMEM. */
export const MAX_PAGEREFS = 1 << 20;

/**
 * The framebuffer's pages and its preallocated pageref table (fb_info.pagerefs). Every page of
 * one framebuffer lies in one SharedArrayBuffer, contiguously in page order, so mappings keep one
 * view over it; `lookup` re-checks that at fault time.
 */
export class FramebufferMemory {
  readonly pagerefs: readonly Pageref[];
  readonly memory: SharedArrayBuffer;
  /** byte offset of framebuffer byte 0 inside `memory` */
  readonly base: number;

  constructor(
    readonly geometry: PageGeometry,
    smemLen: number,
    private readonly getPage: GetPage,
  ) {
    const count = geometry.pages(smemLen);
    check(count <= MAX_PAGEREFS, 'ENOMEM', `cannot allocate ${count} pagerefs`);
    const table: Pageref[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const offset = i * geometry.size;
      const page = getPage(offset);
      check(page !== undefined, 'ENOMEM', `no page backs framebuffer offset ${offset}`);
      table[i] = Object.freeze({ page, offset });
    }
    this.pagerefs = Object.freeze(table);
    this.memory = table[0].page.memory;
    this.base = table[0].page.byteOffset;
    check(this.base % 4 === 0, 'EINVAL', 'framebuffer memory must be 4-byte aligned for 32-bit stores');
    const end = this.base + count * geometry.size;
    check(end <= MEMORY_LIMIT, 'ENOMEM', `framebuffer memory ends at byte ${end} of its buffer, past 2 GiB`);
  }

  get count(): number {
    return this.pagerefs.length;
  }

  /**
   * The fault-time page lookup (fb_deferred_io_get_page + pageref lookup): SIGBUS past the end,
   * when the hook has no page, or when the page breaks the one-buffer layout; ENOMEM (the
   * kernel's VM_FAULT_OOM) when the hook returns another page than the one bound at init.
   */
  lookup(index: number): Page {
    // explicit tests, not check(): messages are only built on failure (this runs per fault)
    if (!(index >= 0 && index < this.count))
      throw new KernelError('SIGBUS', `fault at page ${index} beyond the framebuffer`);
    const pageref = this.pagerefs[index];
    const page = this.getPage(pageref.offset);
    if (page === undefined)
      throw new KernelError('SIGBUS', `no page at framebuffer offset ${pageref.offset}`);
    if (page !== pageref.page) throw new KernelError('ENOMEM', `pageref ${index} is bound to another page`);
    const inPlace =
      page.memory === this.memory &&
      page.size === this.geometry.size &&
      page.byteOffset === this.base + pageref.offset;
    if (!inPlace)
      throw new KernelError('SIGBUS', `page at offset ${pageref.offset} is not in the framebuffer's buffer`);
    return page;
  }
}

/** The framebuffer's own buffer (screen_buffer): a SharedArrayBuffer cut into pages. */
export function ownBufferPages(geometry: PageGeometry, smemLen: number, buffer?: SharedArrayBuffer): GetPage {
  const count = geometry.pages(smemLen);
  check(count <= MAX_PAGEREFS, 'ENOMEM', `cannot allocate ${count} pages`);
  const memory = buffer ?? allocate(count * geometry.size);
  check(memory.byteLength >= count * geometry.size, 'EINVAL', 'screen buffer is shorter than smem_len');
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) pages.push(new Page(memory, i * geometry.size, geometry.size, i));
  return (offset) => pages[offset / geometry.size];
}

function allocate(bytes: number): SharedArrayBuffer {
  try {
    return new SharedArrayBuffer(bytes);
  } catch {
    throw new KernelError('ENOMEM', `cannot allocate ${bytes} bytes of framebuffer memory`);
  }
}
