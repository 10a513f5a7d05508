// The `nn` namespace, like torch.nn.
export { Module, Parameter } from './module.js';
export type { StateDict, LoadStateDictResult, ForwardHook, ForwardPreHook, FullBackwardHook } from './module.js';
export { Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from './conv.js';
export type { ConvModuleOptions, ConvTransposeModuleOptions } from './conv.js';
export { ConstantPad1d, ConstantPad2d, ConstantPad3d } from './padding.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export * from './activation.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d } from './pooling.js';
export type { MaxPoolModuleOptions, AvgPoolModuleOptions } from './pooling.js';
export { BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm } from './normalization.js';
export type { BatchNormModuleOptions, LayerNormModuleOptions } from './normalization.js';
export { Sequential, Flatten, Dropout, Dropout2d, Identity, ModuleList, ModuleDict } from './container.js';
/** Gradient clipping and parameter/vector conversion, as `torch.nn.utils`. */
export * as utils from './utils.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss } from './loss.js';
/** Weight initialization as `torch.nn.init` (kaiming, xavier, uniform, normal, constants). */
export * as init from './init.js';
