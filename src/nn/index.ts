// The `nn` namespace, like torch.nn.
export { Module, Parameter } from './module.js';
export { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from './conv.js';
export type { ConvModuleOptions, ConvTransposeModuleOptions } from './conv.js';
export { ConstantPad1d, ConstantPad2d, ConstantPad3d } from './padding.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export * as init from './init.js';
