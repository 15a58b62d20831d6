import { check, checkCount, PageGeometry } from './gem.js';
import type { FbDeferredIoConfig, FbInfo } from './tokens.js';

/** Longest delay: setTimeout's limit, 2^31 − 1 ms (about 24.8 days). */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** fb_deferred_io_init's checks on fb_info: EINVAL for a zero smem_len or a malformed field. */
export function validateInfo(info: FbInfo): void {
  check(typeof info === 'object' && info !== null, 'EINVAL', 'fb_info missing');
  check(typeof info.fix === 'object' && info.fix !== null, 'EINVAL', 'fix screeninfo missing');
  check(typeof info.var === 'object' && info.var !== null, 'EINVAL', 'var screeninfo missing');
  checkCount(info.fix.smemLen, 'smem_len');
  check(info.fix.smemLen > 0, 'EINVAL', 'smem_len is 0');
  checkCount(info.fix.lineLength, 'line_length');
  for (const key of [
    'xres',
    'yres',
    'xresVirtual',
    'yresVirtual',
    'xoffset',
    'yoffset',
    'bitsPerPixel',
  ] as const) {
    checkCount(info.var[key], key);
  }
  const buffer = info.screenBuffer;
  check(
    buffer === undefined || buffer instanceof SharedArrayBuffer,
    'EINVAL',
    'screen buffer must be shared',
  );
}

/** struct fb_deferred_io sanity: delay a finite count of ms, sort flag a boolean, hooks functions. */
export function validateConfig(config: FbDeferredIoConfig): void {
  check(typeof config === 'object' && config !== null, 'EINVAL', 'fb_deferred_io config missing');
  // a timer of 2^31 ms or more fires after 1 ms in Node (TimeoutOverflowWarning): refuse it
  check(
    config.delay === undefined ||
      (Number.isFinite(config.delay) && config.delay >= 0 && config.delay <= MAX_DELAY_MS),
    'EINVAL',
    `delay must be 0..${MAX_DELAY_MS} ms`,
  );
  const sort = config.sortPagereflist;
  check(sort === undefined || typeof sort === 'boolean', 'EINVAL', 'sortPagereflist must be a boolean');
  for (const hook of ['getPage', 'deferredIo'] as const) {
    check(
      config[hook] === undefined || typeof config[hook] === 'function',
      'EINVAL',
      `${hook} must be a function`,
    );
  }
  const geometry = config.pageGeometry;
  check(geometry === undefined || geometry instanceof PageGeometry, 'EINVAL', 'pageGeometry');
}
