import 'reflect-metadata';

export * from './module.js';
