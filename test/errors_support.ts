// Re-exports for errors.test.ts, with a loose options type for table-driven calls.
export { F, nn, ones, randn, tensor, zeros, grad } from '../src/index.js';
export type { DType } from '../src/index.js';
import type { F } from '../src/index.js';
export type ConvOptionsType = F.ConvOptions & F.ConvTransposeOptions;
