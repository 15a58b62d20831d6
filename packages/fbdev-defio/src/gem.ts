/**
 * What fbdev-defio takes from `@fbemu/gem-shmem`: `Page`, `PageGeometry` and the errno-coded
 * errors. One file, so the rest of the package has one import to follow.
 */
export {
  check,
  checkCount,
  DEFAULT_PAGE_GEOMETRY,
  isKernelError,
  KernelError,
  Page,
  PageGeometry,
  SUPPORTED_PAGE_SIZES,
} from '@fbemu/gem-shmem';
