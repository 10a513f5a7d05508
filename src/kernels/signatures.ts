// What each kernel takes: the kernels declared in assembly/boundary.json (generated), and those whose
// fast versions are planned by hand (the convolutions, matmul, softmax and its gradient with their scratch). Every backend implements these
// signatures; the op that owns a kernel declares it once with its reference implementation.
import type { Storage } from '../tensor/tensor.js';
import type { ConvGeometry } from '../tensor/conv_params.js';
import type { GeneratedKernelArgs } from './signatures.generated.js';

export type * from './signatures.generated.js';

export interface KernelArgs extends GeneratedKernelArgs {
  /** y = conv(x, w) */
  convForward: [x: Storage, w: Storage, y: Storage, g: ConvGeometry];
  /** y = conv(x, w) + b[o]: the convolution, then the bias added in y's precision (one pass over y) */
  convForwardBias: [x: Storage, w: Storage, b: Storage, y: Storage, g: ConvGeometry];
  /** dx = conv(x, w)ᵀ·dy (the transposed conv) */
  convGradInput: [dy: Storage, w: Storage, dx: Storage, g: ConvGeometry];
  /** dw = the correlation of x with dy */
  convGradWeight: [x: Storage, dy: Storage, dw: Storage, g: ConvGeometry];
  /** y = softmax (or logSoftmax where `log`) of x (outer × n × inner) along n, in double */
  softmax: [x: Storage, y: Storage, outer: number, n: number, inner: number, log: boolean];
  /** dx of softmax (or logSoftmax where `log`) from dy and the saved output y: y·(dy − Σ dy·y) or dy − e^y·Σ dy */
  softmaxBackward: [dy: Storage, y: Storage, dx: Storage, outer: number, n: number, inner: number, log: boolean];
  /** c[m, n] = Σ_k A(m, k)·B(k, n) at the given offsets (M×K times K×N), each operand read in place as stored (a: M×K, b: K×N) or transposed (a: K×M, b: N×K) */
  matmul: [
    a: Storage,
    aAt: number,
    b: Storage,
    bAt: number,
    c: Storage,
    cAt: number,
    M: number,
    K: number,
    N: number,
    transA: boolean,
    transB: boolean,
  ];
}

export type KernelName = keyof KernelArgs;
