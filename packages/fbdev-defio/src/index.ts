import 'reflect-metadata';

export * from './module.js';
export * from './tokens.js';
