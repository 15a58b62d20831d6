import 'reflect-metadata';

export * from './check-var.js';
export * from './cmap.js';
export * from './defio-mapping.js';
export * from './factory.js';
export * from './fb-device.js';
export * from './fb-fops.js';
export * from './fb-io.js';
export * from './framebuffer.js';
export * from './module.js';
export * from './registry.js';
export * from './tokens.js';
export * from './uapi.js';
export * from './vt.js';
