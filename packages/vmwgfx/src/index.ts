import 'reflect-metadata';

export * from './blit.js';
export * from './fifo-layout.js';
export * from './fifo-writer.js';
export * from './host-fifo.js';
export * from './module.js';
export * from './svga-host.js';
export * from './svga-reg.js';
export * from './svga-registers.js';
export * from './tokens.js';
export * from './update-queue.js';
export * from './vmw-fb.js';
