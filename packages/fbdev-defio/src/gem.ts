/**
 * The only door to `@fbemu/gem-shmem`: `Page`, `PageGeometry` and the errno-coded errors.
 * Kept in one file so the import path can follow gem-shmem's public index once it exports them.
 */

export type { KernelErrorCode } from '../../gem-shmem/dist/errors.js';
export { check, checkCount, isKernelError, KernelError } from '../../gem-shmem/dist/errors.js';
export { DEFAULT_PAGE_GEOMETRY, PAGE_SIZE, Page, PageGeometry } from '../../gem-shmem/dist/page.js';
