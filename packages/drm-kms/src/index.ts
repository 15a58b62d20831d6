import 'reflect-metadata';

export * from './display-mode.js';
export * from './drm-device.js';
export * from './fbdev-emulation.js';
export * from './framebuffer.js';
export * from './kms-file.js';
export * from './mode-config.js';
export * from './mode-object.js';
export * from './module.js';
export * from './scanout.js';
export * from './shared-memory-pool.js';
export * from './tokens.js';
export * from './uapi.js';
