// The `F` namespace, like torch.nn.functional.
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, pad, relu } from './ops/index.js';
export type { ConvOptions, ConvTransposeOptions, PadMode } from './ops/index.js';
