import 'reflect-metadata';

export * from './module.js';
export * from './rect.js';
export * from './region.js';
