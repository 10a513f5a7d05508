// All ops, and the wiring of Tensor's methods to them.
import { installTensorMethods } from '../tensor/tensor.js';
import { backward } from '../autograd/backward.js';
import { add, div, exp, log, mul, neg, pow, relu, sub, where } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { clone, expand, flatten, permute, reshape, select, slice, squeeze, to, transpose, unsqueeze, view } from './view.js';

installTensorMethods({
  add,
  sub,
  mul,
  div,
  pow,
  neg,
  exp,
  log,
  relu,
  sum,
  mean,
  reshape: (a, shape) => reshape(a, shape),
  view,
  permute: (a, dims) => permute(a, dims),
  transpose,
  squeeze,
  unsqueeze,
  flatten,
  expand,
  slice,
  select,
  to,
  clone,
  backward,
});

export { add, sub, mul, div, pow, neg, exp, log, relu, where, sum, mean };
export { reshape, view, flatten, permute, transpose, squeeze, unsqueeze, expand, slice, select, to, clone };
export { pad, type PadMode } from './pad.js';
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, convNd, convTransposeNd, outputPaddingFor } from './conv.js';
export type { ConvOptions, ConvTransposeOptions } from './conv.js';
export { convForward, convGradInput, convGradWeight } from './convolution.js';
