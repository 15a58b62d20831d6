import 'reflect-metadata';

export { DEFAULT_DELAY_MS, FbDeferredIo } from './fb-deferred-io.js';
export { FbMapping } from './fb-mapping.js';
export { MAX_PAGEREFS } from './framebuffer-memory.js';
export { MEMORY_LIMIT } from './layout.js';
export { fbdevDefioModule } from './module.js';
export * from './tokens.js';
export { MAX_DELAY_MS } from './validate.js';
export { attachFbMapping, WorkerFbMapping } from './worker-mapping.js';
