// The `F` namespace, like torch.nn.functional.
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, pad, relu } from './ops/index.js';
export type { ConvOptions, ConvTransposeOptions, PadMode } from './ops/index.js';
export { leakyRelu, gelu, sigmoid, tanh, softmax, logSoftmax, linear, dropout } from './ops/index.js';
export { maxPool1d, maxPool2d, maxPool3d, maxPool2dWithIndices, avgPool1d, avgPool2d, avgPool3d, adaptiveAvgPool1d, adaptiveAvgPool2d } from './ops/index.js';
export type { MaxPoolOptions, AvgPoolOptions, BatchNormOptions, DropoutOptions } from './ops/index.js';
export { batchNorm, nllLoss, crossEntropy, mseLoss, binaryCrossEntropyWithLogits } from './ops/index.js';
export type { Reduction, NllLossOptions, CrossEntropyOptions, BceWithLogitsOptions } from './ops/index.js';
