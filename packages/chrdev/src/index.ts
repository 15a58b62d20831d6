import 'reflect-metadata';

export { FrontDoor } from './front-door.js';
export { chrdevModule } from './module.js';
export { loadNative, type NativeAddon, nativeMissing, PRELOAD_LIBRARY } from './native.js';
export { ChrdevRegistry } from './registry.js';
export { sharedMemoryAllocator } from './shared-memory.js';
export * from './tokens.js';
export { ProcMemory } from './user-memory.js';
