import 'reflect-metadata';

export * from './blit.js';
export * from './clip.js';
export * from './convert.js';
export * from './damage-worker.js';
export * from './fb-helper.js';
export * from './fb-ops.js';
export * from './fbdev-factory.js';
export * from './format.js';
export * from './module.js';
export * from './pageref-damage.js';
export * from './rect.js';
export * from './region.js';
export * from './surface.js';
export * from './tokens.js';
