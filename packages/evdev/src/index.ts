import 'reflect-metadata';

export * from './bitmap.js';
export * from './devices.js';
export * from './evdev.js';
export * from './input-device.js';
export * from './input-throttle.js';
export * from './keysym.js';
export * from './module.js';
export * from './pointer-map.js';
export * from './registry.js';
export * from './tokens.js';
export * from './uapi.js';
