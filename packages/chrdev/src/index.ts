import 'reflect-metadata';

export * from './tokens.js';
