import 'reflect-metadata';

export * from './device.js';
export * from './dumb.js';
export * from './errors.js';
export * from './gem-object.js';
export * from './handle-table.js';
export * from './module.js';
export * from './offset-manager.js';
export * from './page.js';
export * from './tokens.js';
