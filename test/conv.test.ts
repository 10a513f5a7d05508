// Every convolution option against PyTorch: forward, the three gradients, double backward, node names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, grad, type Tensor, type DType, type IntOrTuple, type PaddingArg, type PaddingMode } from '../src/index.js';
import { assertClose, fixture, make } from './helpers.js';

interface ConvCase {
  dims: number;
  transposed: boolean;
  dtype: DType;
  xShape: number[];
  wShape: number[];
  bShape: number[] | null;
  options: {
    stride: number[];
    dilation: number[];
    groups: number;
    padding: PaddingArg;
    paddingMode?: PaddingMode;
    outputPadding?: IntOrTuple;
  };
  x: number[];
  w: number[];
  b: number[] | null;
  dy: number[];
  y: { shape: number[]; data: number[] };
  dx: number[];
  dw: number[];
  db: number[] | null;
  gradFn: string;
  vx: number[];
  vw: number[];
  ggx: number[] | null;
  ggw: number[] | null;
  ggdy: number[] | null;
}

export function runCase(c: ConvCase): { y: Tensor; x: Tensor; w: Tensor; b: Tensor | null } {
  const x = make(c.x, c.xShape, c.dtype, true);
  const w = make(c.w, c.wShape, c.dtype, true);
  const b = c.b === null || c.bShape === null ? null : make(c.b, c.bShape, c.dtype, true);
  const o = c.options;
  let y: Tensor;
  if (c.transposed) {
    const fn = [F.convTranspose1d, F.convTranspose2d, F.convTranspose3d][c.dims - 1];
    y = fn(x, w, b, {
      stride: o.stride,
      padding: o.padding as IntOrTuple,
      outputPadding: o.outputPadding,
      groups: o.groups,
      dilation: o.dilation,
    });
  } else {
    const fn = [F.conv1d, F.conv2d, F.conv3d][c.dims - 1];
    y = fn(x, w, b, { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups, paddingMode: o.paddingMode });
  }
  return { y, x, w, b };
}

export function checkCase(c: ConvCase, label: string): void {
  const rtol = c.dtype === 'float64' ? 1e-10 : 1e-4;
  const { y, x, w, b } = runCase(c);
  assert.deepEqual(y.shape, c.y.shape, `${label}: output shape`);
  assert.equal(y.dtype, c.dtype);
  assertClose(y, c.y.data, rtol, `${label}: forward`);
  const dy = make(c.dy, c.y.shape, c.dtype, true);
  const inputs = b === null ? [x, w] : [x, w, b];
  const grads = grad(y, inputs, { gradOutputs: [dy], createGraph: true });
  assertClose(grads[0]!, c.dx, rtol, `${label}: dx`);
  assertClose(grads[1]!, c.dw, rtol, `${label}: dw`);
  if (b !== null) assertClose(grads[2]!, c.db!, rtol, `${label}: db`);
  // Double backward: s = ⟨dx, vx⟩ + ⟨dw, vw⟩, differentiated with respect to x, w and dy.
  const vx = make(c.vx, c.xShape, c.dtype);
  const vw = make(c.vw, c.wShape, c.dtype);
  const s = grads[0]!.mul(vx).sum().add(grads[1]!.mul(vw).sum());
  const gg = grad(s, [x, w, dy], { allowUnused: true });
  const rtol2 = c.dtype === 'float64' ? 1e-9 : 1e-4;
  const zeroIfNull = (t: Tensor | null, n: number): ArrayLike<number> => (t === null ? new Float64Array(n) : t.data);
  if (c.ggx !== null) assertClose(zeroIfNull(gg[0], c.ggx.length), c.ggx, rtol2, `${label}: d²/dx`);
  if (c.ggw !== null) assertClose(zeroIfNull(gg[1], c.ggw.length), c.ggw, rtol2, `${label}: d²/dw`);
  if (c.ggdy !== null) assertClose(zeroIfNull(gg[2], c.ggdy.length), c.ggdy, rtol2, `${label}: d²/ddy`);
}

const cases = fixture<{ cases: ConvCase[] }>('conv_cases.json').cases;

test('fixtures cover every option', () => {
  const seen = new Set<string>();
  for (const c of cases) {
    seen.add(`${c.dims}d`);
    seen.add(c.transposed ? 'transposed' : 'regular');
    seen.add(c.dtype);
    if (c.options.groups > 1) seen.add('groups');
    if (c.options.stride.some((s) => s > 1)) seen.add('stride');
    if (c.options.dilation.some((d) => d > 1)) seen.add('dilation');
    if (c.b !== null) seen.add('bias');
    if (typeof c.options.padding === 'string') seen.add(c.options.padding);
    if (c.options.paddingMode !== undefined) seen.add(c.options.paddingMode);
    if (c.xShape.length === c.dims + 1) seen.add('unbatched');
    if (Array.isArray(c.options.outputPadding) && c.options.outputPadding.some((p) => p > 0)) seen.add('outputPadding');
  }
  for (const k of [
    '1d',
    '2d',
    '3d',
    'transposed',
    'regular',
    'float32',
    'float64',
    'groups',
    'stride',
    'dilation',
    'bias',
    'same',
    'valid',
    'zeros',
    'reflect',
    'replicate',
    'circular',
    'unbatched',
    'outputPadding',
  ]) {
    assert.ok(seen.has(k), `no fixture case exercises ${k}`);
  }
});

cases.forEach((c, i) => {
  const desc = `${c.transposed ? 'convTranspose' : 'conv'}${c.dims}d ${c.dtype} x=${JSON.stringify(c.xShape)} w=${JSON.stringify(c.wShape)} ${JSON.stringify(c.options)} bias=${c.b !== null}`;
  test(`PyTorch case ${i}: ${desc}`, () => checkCase(c, `case ${i}`));
});

test('grad_fn of a conv output is ConvolutionBackward0, of its input gradient ConvolutionBackwardBackward0', () => {
  const c = cases.find(
    (k) => !k.transposed && k.xShape.length === k.dims + 2 && k.options.paddingMode === 'zeros' && k.options.padding !== 'same',
  )!;
  const { y, x } = runCase(c);
  assert.equal(y.gradFn?.name, 'ConvolutionBackward0');
  assert.match(String(y), /grad_fn=<ConvolutionBackward0>\)$/);
  const [dx] = grad(y.sum(), [x], { createGraph: true });
  assert.equal(dx!.gradFn?.name, 'ConvolutionBackwardBackward0');
});
