// The op table (as PyTorch's OpInfo and tinygrad's test_ops): each op appears once, with how to call it
// from a PyTorch sample (test/fixtures/ops_cases.json, made by scripts/training_fixtures.py) and the
// inputs it must refuse. Every sample then gets the same checks: forward and gradients equal to
// PyTorch's (float64 1e-10, float32 1e-4), PyTorch's gradFn name, gradcheck and gradgradcheck (float64),
// and the wasm backend equal to the reference one. Adding an op = its file + one line here (+ its
// PyTorch sample in the generator).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F,
  abs,
  argmax,
  cat,
  clamp,
  div,
  erf,
  exp,
  gather,
  getBackend,
  grad,
  gradcheck,
  gradgradcheck,
  indexAdd,
  indexSelect,
  log,
  matmul,
  max,
  mean,
  min,
  mul,
  neg,
  pow,
  scatterAdd,
  setBackend,
  sigmoid,
  sqrt,
  stack,
  sub,
  sum,
  tanh,
  tensor,
  add,
  where,
  backendInfo,
  reshape,
  view,
  flatten,
  permute,
  transpose,
  t,
  flip,
  squeeze,
  unsqueeze,
  expand,
  slice,
  select,
  to,
  clone,
  type DType,
  Tensor,
} from '../src/index.js';
import * as lib from '../src/index.js';
import { assertClose, fixture } from './helpers.js';

type Json = { shape: number[]; dtype: DType; data: (number | string)[] };
interface Case {
  op: string;
  kw: Record<string, unknown>;
  dtype: DType;
  args: Json[];
  grad: boolean[];
  out: Json;
  gradFn: string | null;
  cotangent?: Json;
  grads?: (Json | null)[];
}

type Kw = Record<string, never>;
interface OpInfo {
  /** Calls the op on the sample's tensors and PyTorch's keyword options (in camelCase). */
  call: (a: Tensor[], kw: Kw) => Tensor;
  /** Calls that must throw, and the words the message must contain. */
  bad?: [() => unknown, RegExp][];
  /** Where our node name differs from PyTorch's, and why (the numbers still match). */
  nameNote?: string;
}

const x34 = (): Tensor =>
  tensor([
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [9, 10, 11, 12],
  ]);
const idx = (v: number[]): Tensor => tensor(v, { dtype: 'int64' });

const OPS: Record<string, OpInfo> = {
  add: { call: (a) => add(a[0], a[1]), bad: [[() => add(x34(), tensor([1, 2])), /add: shapes \[3, 4\] and \[2\] are not broadcastable/]] },
  sub: { call: (a) => sub(a[0], a[1]) },
  mul: { call: (a) => mul(a[0], a[1]) },
  div: { call: (a) => div(a[0], a[1]) },
  pow: { call: (a, kw) => pow(a[0], kw.exponent) },
  neg: { call: (a) => neg(a[0]) },
  exp: { call: (a) => exp(a[0]) },
  log: { call: (a) => log(a[0]) },
  where: { call: (a) => where(a[0], a[1], a[2]) },
  sum: { call: (a, kw) => sum(a[0], kw.dim, kw.keepdim), bad: [[() => sum(x34(), 2), /sum: dim=2 is out of range/]] },
  mean: { call: (a, kw) => mean(a[0], kw.dim, kw.keepdim) },
  relu: { call: (a) => F.relu(a[0]) },
  silu: { call: (a) => F.silu(a[0]), bad: [[() => F.silu(idx([1])), /silu: input has dtype int64; expected a floating/]] },
  hardswish: { call: (a) => F.hardswish(a[0]) },
  hardtanh: {
    call: (a, kw) => F.hardtanh(a[0], kw.minVal, kw.maxVal),
    bad: [
      [() => F.hardtanh(x34(), 1, -1), /hardtanh: minVal=1 is greater than maxVal=-1/],
      [() => F.hardtanh(x34(), NaN), /hardtanh: minVal=NaN is invalid; expected a number/],
    ],
  },
  eq: { call: (a) => F.eq(a[0], a[1]) },
  ne: { call: (a) => F.ne(a[0], a[1]) },
  lt: { call: (a) => F.lt(a[0], a[1]) },
  le: { call: (a) => F.le(a[0], a[1]) },
  gt: { call: (a) => F.gt(a[0], a[1]), bad: [[() => F.gt(x34(), tensor([1, 2])), /gt: shapes \[3, 4\] and \[2\] are not broadcastable/]] },
  ge: { call: (a) => F.ge(a[0], a[1]) },
  sign: { call: (a) => F.sign(a[0]) },
  leakyRelu: {
    call: (a, kw) => F.leakyRelu(a[0], kw.negativeSlope),
    bad: [[() => F.leakyRelu(idx([1])), /leakyRelu: input has dtype int64; expected a floating/]],
  },
  gelu: {
    call: (a, kw) => F.gelu(a[0], kw),
    bad: [[() => F.gelu(x34(), { approximate: 'fast' as 'none' }), /gelu: approximate=fast is invalid/]],
  },
  sigmoid: { call: (a) => sigmoid(a[0]) },
  tanh: { call: (a) => tanh(a[0]) },
  sqrt: { call: (a) => sqrt(a[0]) },
  abs: { call: (a) => abs(a[0]) },
  erf: { call: (a) => erf(a[0]) },
  clamp: { call: (a, kw) => clamp(a[0], kw.min, kw.max), bad: [[() => clamp(x34()), /clamp: at least one of min and max/]] },
  softmax: { call: (a, kw) => F.softmax(a[0], kw.dim), bad: [[() => F.softmax(x34(), 2), /softmax: dim=2 is out of range/]] },
  logSoftmax: { call: (a, kw) => F.logSoftmax(a[0], kw.dim) },
  max: {
    call: (a, kw) => (kw.dim === undefined ? max(a[0]) : max(a[0], kw.dim, kw.keepdim).values),
    bad: [
      [() => max(tensor([])), /max: the input is empty/],
      [() => max(x34(), 3), /max: dim=3 is out of range/],
    ],
  },
  min: { call: (a, kw) => (kw.dim === undefined ? min(a[0]) : min(a[0], kw.dim, kw.keepdim).values) },
  argmax: { call: (a, kw) => argmax(a[0], kw.dim, kw.keepdim) },
  argmin: { call: (a, kw) => F.argmin(a[0], kw.dim, kw.keepdim) },
  gather: {
    call: (a, kw) => gather(a[0], kw.dim, a[1]),
    bad: [
      [() => gather(x34(), 1, idx([[0], [4], [1]].flat()).view(3, 1)), /gather: index 4 is out of bounds for dimension 1 with size 4/],
      [() => gather(x34(), 1, tensor([[0]])), /gather: index has dtype float32; expected int64/],
    ],
  },
  scatterAdd: { call: (a, kw) => scatterAdd(a[0], kw.dim, a[1], a[2]) },
  indexSelect: {
    call: (a, kw) => indexSelect(a[0], kw.dim, a[1]),
    bad: [[() => indexSelect(x34(), 0, idx([3])), /indexSelect: index 3 is out of bounds for dimension 0 with size 3/]],
  },
  indexAdd: { call: (a, kw) => indexAdd(a[0], kw.dim, a[1], a[2]) },
  cat: {
    call: (a, kw) => cat(a, kw.dim),
    bad: [
      [() => cat([x34(), tensor([[1, 2]])]), /cat: tensors\[1\] of shape \[1, 2\] does not match \[3, 4\] outside dimension 0/],
      [() => cat([]), /cat: tensors must be a non-empty array/],
    ],
  },
  stack: {
    call: (a, kw) => stack(a, kw.dim),
    bad: [[() => stack([x34(), tensor([1])]), /stack: tensors\[1\] has shape \[1\]; expected every tensor to have shape \[3, 4\]/]],
  },
  matmul: {
    call: (a) => matmul(a[0], a[1]),
    bad: [[() => matmul(x34(), x34()), /matmul: shapes \[3, 4\] and \[3, 4\] cannot be multiplied \(3x4 and 3x4\)/]],
    nameNote:
      'a 1-d operand is unsqueezed, multiplied and squeezed back: our last node is a squeeze (PyTorch: MvBackward0 / SqueezeBackward3)',
  },
  linear: {
    call: (a) => F.linear(a[0], a[1], a[2] ?? null),
    bad: [[() => F.linear(x34(), tensor([[1, 2]])), /linear: input of shape \[3, 4\] must end in inFeatures=2/]],
    nameNote: 'inputs of more than 2 dimensions are flattened to rows and viewed back (ViewBackward0; PyTorch 1.13: UnsafeViewBackward0)',
  },
  maxPool1d: { call: (a, { kernelSize, ...kw }) => F.maxPool1d(a[0], kernelSize, kw) },
  maxPool2d: {
    call: (a, { kernelSize, ...kw }) => F.maxPool2d(a[0], kernelSize, kw),
    bad: [
      [
        () =>
          F.maxPool2d(
            tensor([
              [
                [1, 2],
                [3, 4],
              ],
            ]),
            3,
          ),
        /maxPool2d: the output size \(0x0\) computed from input size \(2x2\) is too small/,
      ],
      [
        () => F.maxPool2d(x34().view(1, 3, 4), 2, { padding: 2 }),
        /maxPool2d: padding=2 in dimension 0 is larger than half the kernel size 2/,
      ],
    ],
  },
  maxPool3d: { call: (a, { kernelSize, ...kw }) => F.maxPool3d(a[0], kernelSize, kw) },
  maxPool2dWithIndices: {
    call: (a, { kernelSize, output, ...kw }) => {
      const r = F.maxPool2dWithIndices(a[0], kernelSize, kw);
      return output === 'indices' ? r.indices : r.values;
    },
  },
  avgPool3d: { call: (a, { kernelSize, ...kw }) => F.avgPool3d(a[0], kernelSize, kw) },
  adaptiveAvgPool1d: {
    call: (a, kw) => F.adaptiveAvgPool1d(a[0], kw.outputSize),
    nameNote: 'PyTorch 1.13 runs it as a 2-d pool between an unsqueeze and a squeeze (SqueezeBackward1); ours is one node',
  },
  dropout: {
    call: (a, kw) => F.dropout(a[0], kw),
    bad: [[() => F.dropout(tensor([1, 2]), { p: 1.5 }), /dropout: p=1.5 is invalid; expected a probability/]],
  },
  layerNorm: {
    call: (a, kw) => F.layerNorm(a[0], kw.normalizedShape, { weight: a[1], bias: a[2], eps: kw.eps }),
    bad: [[() => F.layerNorm(x34(), [3]), /layerNorm: normalizedShape=\[3\] expects input of shape \[\*, 3\]; got \[3, 4\]/]],
  },
  interpolate: {
    call: (a, kw) => F.interpolate(a[0], kw as F.InterpolateOptions),
    bad: [
      [
        () => F.interpolate(x34().view(1, 1, 3, 4), { size: 2, mode: 'linear' }),
        /interpolate: got 4-d input, but linear mode needs 3-d input/,
      ],
      [
        () => F.interpolate(x34().view(1, 1, 3, 4), { size: [2, 2], scaleFactor: 2 }),
        /give exactly one of size and scaleFactor \(got both\)/,
      ],
      [
        () => F.interpolate(x34().view(1, 1, 3, 4), { scaleFactor: 0.2 }),
        /input and output sizes should be greater than 0; got input \[3, 4\] and output \[0,0\]/,
      ],
      [
        () => F.interpolate(x34().view(1, 1, 3, 4), { size: 5, alignCorners: true }),
        /alignCorners can only be set with the interpolating modes/,
      ],
      [() => F.interpolate(x34().view(1, 1, 3, 4), { size: 5, mode: 'bicubic' as never }), /mode="bicubic" is not supported/],
    ],
  },
  groupNorm: {
    call: (a, kw) => F.groupNorm(a[0], kw.numGroups, { weight: a[1], bias: a[2], eps: kw.eps }),
    bad: [[() => F.groupNorm(x34().view(1, 3, 4), 2), /groupNorm: numGroups=2 must be a positive integer dividing the 3 channels/]],
  },
  dropout2d: {
    call: (a, kw) => F.dropout2d(a[0], kw),
    bad: [[() => F.dropout2d(x34().view(1, 1, 3, 4), { p: -1 }), /dropout2d: p=-1 is invalid; expected a probability/]],
  },
  avgPool1d: { call: (a, { kernelSize, ...kw }) => F.avgPool1d(a[0], kernelSize, kw) },
  avgPool2d: {
    call: (a, { kernelSize, ...kw }) => F.avgPool2d(a[0], kernelSize, kw),
    bad: [[() => F.avgPool2d(x34(), 2), /avgPool2d: input of shape \[3, 4\] has 2 dimensions; expected 3 \(unbatched\) or 4 \(batched\)/]],
  },
  adaptiveAvgPool2d: { call: (a, kw) => F.adaptiveAvgPool2d(a[0], kw.outputSize) },
  batchNorm: {
    call: (a, kw) => F.batchNorm(a[0], a[3] ?? null, a[4] ?? null, { weight: a[1], bias: a[2], ...kw }),
    bad: [
      [
        () => F.batchNorm(tensor([[1, 2]]), null, null, { training: true }),
        /batchNorm: expected more than 1 value per channel when training/,
      ],
      [() => F.batchNorm(x34(), null, null, { weight: tensor([1, 2]) }), /batchNorm: weight of shape \[2\] must have shape \[4\]/],
    ],
  },
  crossEntropy: {
    call: (a, kw) => F.crossEntropy(a[0], a[1], { weight: a[2] ?? null, ...kw }),
    bad: [
      [() => F.crossEntropy(x34(), idx([0, 4, 1])), /nllLoss: target 4 is out of bounds; expected class indices in \[0, 3\]/],
      [
        () => F.crossEntropy(x34(), tensor([0, 1, 2])),
        /crossEntropy: a floating target holds class probabilities and must have input's shape \[3, 4\]/,
      ],
      [() => F.crossEntropy(x34(), idx([0, 1])), /nllLoss: target of shape \[2\] does not match input of shape \[3, 4\]; expected \[3\]/],
      [() => F.crossEntropy(x34(), idx([0, 1, 2]), { reduction: 'avg' as 'mean' }), /crossEntropy: reduction=avg is invalid/],
    ],
    nameNote: 'unbatched input and probability targets end in our own composite nodes (PyTorch: ViewBackward0 / DivBackward1)',
  },
  nllLoss: { call: (a, kw) => F.nllLoss(a[0], a[1], { weight: a[2] ?? null, ...kw }) },
  mseLoss: {
    call: (a, kw) => F.mseLoss(a[0], a[1], kw),
    bad: [[() => F.mseLoss(x34(), tensor([1])), /mseLoss: target of shape \[1\] must have input's shape \[3, 4\]/]],
  },
  binaryCrossEntropyWithLogits: {
    call: (a, kw) => F.binaryCrossEntropyWithLogits(a[0], a[1], { weight: a[2] ?? null, posWeight: a[3] ?? null, ...kw }),
  },
  conv1d: {
    call: (a, kw) => F.conv1d(a[0], a[1], a[2] ?? null, kw),
    bad: [[() => F.conv1d(x34(), tensor([[[1, 2]]]), null, { groups: 0 }), /conv1d: groups=0/]],
  },
  conv2d: { call: (a, kw) => F.conv2d(a[0], a[1], a[2] ?? null, kw) },
  conv3d: { call: (a, kw) => F.conv3d(a[0], a[1], a[2] ?? null, kw) },
  convTranspose1d: { call: (a, kw) => F.convTranspose1d(a[0], a[1], a[2] ?? null, kw) },
  convTranspose2d: { call: (a, kw) => F.convTranspose2d(a[0], a[1], a[2] ?? null, kw) },
  convTranspose3d: { call: (a, kw) => F.convTranspose3d(a[0], a[1], a[2] ?? null, kw) },
  pad: { call: (a, kw) => F.pad(a[0], kw.pad, kw.mode ?? 'constant', kw.value), bad: [[() => F.pad(x34(), [1]), /pad/]] },
  reshape: {
    call: (a, kw) => reshape(a[0], kw.shape),
    bad: [[() => x34().reshape(5, -1), /reshape: shape \[5, -1\] is invalid for input of size 12/]],
  },
  view: { call: (a, kw) => view(a[0], kw.shape) },
  flatten: {
    call: (a, kw) => flatten(a[0], kw.startDim, kw.endDim),
    bad: [[() => x34().flatten(1, 0), /flatten: startDim=1 must not come after endDim=0/]],
  },
  permute: { call: (a, kw) => permute(a[0], kw.dims), bad: [[() => x34().permute(0, 0), /permute: dims=\[0, 0\] repeats a dimension/]] },
  transpose: { call: (a, kw) => transpose(a[0], kw.dim0, kw.dim1) },
  t: {
    call: (a) => t(a[0]),
    bad: [[() => x34().view(1, 3, 4).t(), /t: input of shape \[1, 3, 4\] has 3 dimensions; expected at most 2/]],
  },
  flip: {
    call: (a, kw) => flip(a[0], kw.dims),
    bad: [[() => x34().flip([0, -2]), /flip: dim 0 appears more than once in dims=\[0, -2\]/]],
  },
  squeeze: { call: (a, kw) => squeeze(a[0], kw.dim) },
  unsqueeze: { call: (a, kw) => unsqueeze(a[0], kw.dim) },
  expand: {
    call: (a, kw) => expand(a[0], kw.shape),
    bad: [[() => x34().expand(3, 5), /expand: size 4 of dimension 1 must match the requested size 5/]],
  },
  slice: {
    call: (a, kw) => slice(a[0], kw.dim, kw.start, kw.end, kw.step),
    bad: [[() => x34().slice(0, 0, 2, 0), /slice: step=0 must be a positive integer/]],
  },
  select: {
    call: (a, kw) => select(a[0], kw.dim, kw.index),
    bad: [[() => x34().select(0, 3), /select: index 3 is out of range for dimension 0 with size 3/]],
  },
  to: { call: (a, kw) => to(a[0], kw.dtype), bad: [[() => x34().to('int8' as 'int64'), /to: dtype=int8 is not supported/]] },
  clone: { call: (a) => clone(a[0]) },
};

const fx = fixture<{ cases: Case[] }>('ops_cases.json');

function load(j: Json, requiresGrad = false): Tensor {
  return tensor(j.data as number[], { shape: j.shape, dtype: j.dtype, requiresGrad });
}

function label(c: Case): string {
  return `${c.op}(${c.args.map((a) => `${a.dtype}[${a.shape.join(',')}]`).join(', ')}${Object.keys(c.kw).length > 0 ? `, ${JSON.stringify(c.kw)}` : ''})`;
}

test('every PyTorch sample names an op of the table, and every op of the table has samples', () => {
  const ops = new Set(fx.cases.map((c) => c.op));
  for (const op of ops) assert.ok(op in OPS, `${op} has samples but no table entry`);
  for (const op of Object.keys(OPS)) assert.ok(ops.has(op), `${op} has no PyTorch sample`);
});

for (const c of fx.cases) {
  test(`PyTorch ${c.dtype}: ${label(c)}`, () => {
    const info = OPS[c.op];
    const args = c.args.map((a, i) => load(a, c.grad[i]));
    const { kinks, ...kw } = c.kw;
    const y = info.call(args, kw as Kw);
    const rtol = c.dtype === 'float64' ? 1e-10 : 1e-4;
    assert.deepEqual(y.shape, c.out.shape, 'output shape');
    assert.equal(y.dtype, c.out.dtype, 'output dtype');
    if (c.out.dtype === 'int64' || c.out.dtype === 'bool') assert.deepEqual(Array.from(y.data), c.out.data);
    else assertClose(y, c.out.data as number[], rtol, 'forward');
    // PyTorch's name() of CopySlices carries its C++ namespace; it prints as <CopySlices>.
    if (c.gradFn !== null && info.nameNote === undefined)
      assert.equal(y.gradFn?.name, c.gradFn.replace('torch::autograd::', ''), 'gradFn name');
    if (c.grads !== undefined) {
      const wanted = args.filter((_, i) => c.grad[i]);
      const grads = grad(y, wanted, { gradOutputs: [load(c.cotangent!)], allowUnused: true });
      c.grads.forEach((g, i) => {
        if (g === null) assert.equal(grads[i], null);
        else assertClose(grads[i]!, g.data as number[], rtol, `gradient of differentiable input ${i}`);
      });
    }
    // Finite differences need float64 outputs (to(float32) has none), and no sample on a kink.
    if (c.dtype === 'float64' && c.grads !== undefined && y.dtype === 'float64' && kinks !== true) {
      const fn = (...a: Tensor[]): Tensor => info.call(a, kw as Kw);
      assert.ok(gradcheck(fn, args), 'gradcheck');
      assert.ok(gradgradcheck(fn, args), 'gradgradcheck');
    }
  });
}

/**
 * Exported functions and Tensor methods that are not ops of this table, each with the reason; every
 * other one must have a table entry (and so PyTorch samples, gradcheck and the wasm comparison).
 */
const NOT_OPS: Record<string, string> = {
  // Factories, random sources and init: no inputs to differentiate (test/random.test.ts, test/nn.test.ts).
  tensor: 'factory',
  zeros: 'factory',
  ones: 'factory',
  full: 'factory',
  arange: 'factory',
  range: 'factory',
  rand: 'factory',
  randn: 'factory',
  randint: 'factory',
  randperm: 'factory',
  zerosLike: 'factory',
  onesLike: 'factory',
  randnLike: 'factory',
  oneHot: 'integer output, no gradient (test/extras.test.ts)',
  randomSplit: 'data sets (test/extras.test.ts)',
  uniform_: 'random fill',
  normal_: 'random fill',
  manualSeed: 'generator',
  tidy: 'memory scope, no op of its own (test/tidy.test.ts)',
  getRngState: 'generator',
  elementFormatter: 'printing (the page)',
  setRngState: 'generator',
  kaimingUniform_: 'init',
  kaimingNormal_: 'init',
  xavierUniform_: 'init',
  xavierNormal_: 'init',
  calculateGain: 'init',
  // Autograd, the explainer, backends, I/O: not tensor ops (their own test files).
  grad: 'autograd',
  backward: 'autograd',
  noGrad: 'autograd',
  enableGrad: 'autograd',
  isGradEnabled: 'autograd',
  gradcheck: 'autograd',
  gradgradcheck: 'autograd',
  explain: 'explainer',
  explainLayer: 'explainer',
  explainChain: 'explainer',
  renderChain: 'explainer',
  elementEquation: 'explainer',
  renderElement: 'explainer',
  renderExplanation: 'explainer',
  agreesWithAutograd: 'explainer',
  getBackend: 'backend',
  setBackend: 'backend',
  backendInfo: 'backend',
  kernelInventory: 'backend',
  setNumThreads: 'backend',
  getNumThreads: 'backend',
  threadsReady: 'backend',
  save: 'I/O',
  load: 'I/O',
  saveCheckpoint: 'I/O',
  exportPyTorch: 'I/O',
  exportOnnx: 'I/O',
  loadCheckpoint: 'I/O',
  isFloating: 'dtype query',
  // Tensor methods that are no ops: queries, conversions (the `to` op), graph handling, in-place variants of table ops (test/hardening.test.ts).
  constructor: 'class',
  dim: 'query',
  ndim: 'query',
  numel: 'query',
  size: 'query',
  strides: 'query',
  item: 'query',
  get: 'query',
  toArray: 'query',
  toFlatArray: 'query',
  toString: 'printing (test/format.test.ts)',
  version: 'query',
  isLeaf: 'query',
  data: 'query (the elements; test/tidy.test.ts moves them out of tidy blocks)',
  storage: 'internal: where the elements lie now (test/tidy.test.ts)',
  setStorage: 'internal: repoints the storage (test/tidy.test.ts)',
  float: 'conversion: to',
  double: 'conversion: to',
  long: 'conversion: to',
  detach: 'graph',
  requiresGrad_: 'graph',
  retainGrad: 'graph',
  registerHook: 'graph (test/hooks.test.ts)',
  setData_: 'graph',
  index: 'select on dimension 0',
  add_: 'in place',
  sub_: 'in place',
  mul_: 'in place',
  div_: 'in place',
  copy_: 'in place',
  fill_: 'in place',
  zero_: 'in place',
};

test('every exported function and Tensor method is an op of the table or a listed exclusion', () => {
  const exported = Object.entries(lib)
    .filter(([, v]) => typeof v === 'function' && !/^[A-Z]/.test(v.name))
    .map(([k]) => k);
  const methods = Object.getOwnPropertyNames(Tensor.prototype);
  const missing = [...new Set([...exported, ...Object.keys(F), ...methods])].filter((name) => !(name in OPS) && !(name in NOT_OPS));
  assert.deepEqual(missing, []);
  const stale = Object.keys(NOT_OPS).filter((name) => !exported.includes(name) && !methods.includes(name));
  assert.deepEqual(stale, [], 'exclusions that name nothing');
});

test('each op refuses bad input with an Error naming the op, the value and the expectation', () => {
  let count = 0;
  for (const [op, info] of Object.entries(OPS)) {
    for (const [call, message] of info.bad ?? []) {
      assert.throws(call, (e: unknown) => e instanceof Error && message.test(e.message), `${op}: expected ${String(message)}`);
      count++;
    }
  }
  assert.ok(count >= 25, `${count} bad-input cases`);
});

test('every op refuses a non-tensor first argument with an Error that names the op', () => {
  // The op names its messages as the table does, except where the table key is a variant of a shared op.
  const wrong: string[] = [];
  for (const [op, info] of Object.entries(OPS)) {
    const c = fx.cases.find((k) => k.op === op)!;
    const args = c.args.map((a) => load(a));
    args[0] = 'not a tensor' as unknown as Tensor;
    try {
      info.call(args, c.kw as Kw);
      wrong.push(`${op}: no error`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!(e instanceof Error) || !message.startsWith(`${op}: `) || !/must be a Tensor/.test(message)) wrong.push(`${op}: ${message}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('int64 and bool tensors print as PyTorch prints them', () => {
  assert.equal(String(tensor([3, 1, 2], { dtype: 'int64' })), 'tensor([3, 1, 2])');
  assert.equal(
    String(
      tensor(
        [
          [1, -10],
          [3, 4],
        ],
        { dtype: 'int64' },
      ),
    ),
    'tensor([[  1, -10],\n        [  3,   4]])',
  );
  assert.equal(String(tensor([1, 0], { dtype: 'bool' })), 'tensor([ True, False])');
  assert.equal(String(tensor([], { dtype: 'int64' })), 'tensor([], dtype=int64)');
  assert.equal(
    String(
      argmax(
        tensor([
          [1, 5, 2],
          [7, 0, 7],
        ]),
        1,
      ),
    ),
    'tensor([1, 0])',
  );
});

test('wasm ≡ reference: every float32 sample gives the same forward and gradients on both backends', {
  skip: !backendInfo().wasm.available,
}, () => {
  const before = getBackend();
  try {
    for (const c of fx.cases.filter((k) => k.dtype === 'float32')) {
      const info = OPS[c.op];
      const results = (['reference', 'wasm'] as const).map((backend) => {
        setBackend(backend);
        const args = c.args.map((a, i) => load(a, c.grad[i]));
        const { kinks: _, ...kw } = c.kw;
        const y = info.call(args, kw as Kw);
        const grads =
          c.grads === undefined
            ? []
            : grad(
                y,
                args.filter((_, i) => c.grad[i]),
                { gradOutputs: [load(c.cotangent!)], allowUnused: true },
              );
        return [y, ...grads];
      });
      results[0].forEach((t, i) => {
        if (t === null) return;
        assertClose(results[1][i]!, t.data, 1e-5, `${label(c)} result ${i}`);
      });
    }
  } finally {
    setBackend(before);
  }
});
