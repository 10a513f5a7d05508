// Every public op, listed once: the package exports this list at the top level and as `F`. Importing an
// op file also adds its Tensor methods (declared in that file), so this list is where an op joins the
// library; backward() comes with the autograd.
import '../autograd/backward.js';
import './inplace.js';
import { add, div, exp, log, mul, neg, pow, relu, sub, where } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { clone, expand, flatten, flip, permute, reshape, select, slice, squeeze, t, to, transpose, unsqueeze, view } from './view.js';

export { add, sub, mul, div, pow, neg, exp, log, relu, where, sum, mean };
export { reshape, view, flatten, permute, transpose, t, flip, squeeze, unsqueeze, expand, slice, select, to, clone };
export { pad, type PadMode } from './pad.js';
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d } from './conv.js';
export type { ConvOptions, ConvTransposeOptions } from './conv.js';
export { eq, ne, lt, le, gt, ge, sqrt, abs, sign, tanh, sigmoid, erf, clamp, leakyRelu, gelu } from './pointwise.js';
export * from './activation.js';
export { gather, scatterAdd, indexSelect, indexAdd, oneHot } from './indexing.js';
export { max, min, argmax, argmin, type ValuesAndIndices } from './max.js';
export { cat, stack } from './join.js';
export { softmax, logSoftmax } from './softmax.js';
export { matmul, linear } from './matmul.js';
export {
  maxPool1d,
  maxPool2d,
  maxPool3d,
  maxPool2dWithIndices,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
} from './pool.js';
export type { MaxPoolOptions, AvgPoolOptions } from './pool.js';
export { batchNorm, type BatchNormOptions } from './batchnorm.js';
export { nllLoss, crossEntropy, mseLoss, binaryCrossEntropyWithLogits } from './loss.js';
export type { Reduction, NllLossOptions, CrossEntropyOptions, BceWithLogitsOptions } from './loss.js';
export { dropout, dropout2d, type DropoutOptions } from './dropout.js';
export { groupNorm, layerNorm, type GroupNormOptions, type LayerNormOptions } from './layernorm.js';
export { interpolate, type InterpolateOptions, type InterpolateMode } from './interpolate.js';
