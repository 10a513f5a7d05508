// Gradients checked without PyTorch: gradcheck / gradgradcheck (finite differences in float64) over
// random small configurations of every option, and the VJP dot-product test in float32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F,
  grad,
  gradcheck,
  gradgradcheck,
  GradcheckError,
  Generator,
  randn,
  type Tensor,
  type DType,
  type PaddingMode,
} from '../src/index.js';
import { record } from '../src/autograd/node.js';
import { lcg, randInt } from './helpers.js';

interface Config {
  dims: number;
  transposed: boolean;
  x: number[];
  w: number[];
  bias: boolean;
  stride: number[];
  dilation: number[];
  groups: number;
  padding: number[] | 'same' | 'valid';
  paddingMode: PaddingMode;
  outputPadding: number[];
}

/** A random small configuration that PyTorch accepts. */
function randomConfig(next: () => number): Config {
  const dims = randInt(next, 1, 3);
  const transposed = next() < 0.3;
  const groups = randInt(next, 1, 2);
  const cin = groups * randInt(next, 1, 2);
  const cout = groups * randInt(next, 1, 2);
  const kMax = dims === 3 ? 2 : 3;
  const k = Array.from({ length: dims }, () => randInt(next, 1, kMax));
  const stride = Array.from({ length: dims }, () => randInt(next, 1, 2));
  const dilation = Array.from({ length: dims }, () => randInt(next, 1, 2));
  const batch = randInt(next, 1, 2);
  const maxLen = dims === 1 ? 7 : dims === 2 ? 5 : 3;
  if (transposed) {
    const padding = Array.from({ length: dims }, () => randInt(next, 0, 1));
    const outputPadding = stride.map((s, i) => randInt(next, 0, Math.max(s, dilation[i]) - 1));
    const size = k.map((kk, i) => {
      for (let L = randInt(next, 1, maxLen - 1); ; L++) {
        if ((L - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kk - 1) + outputPadding[i] + 1 > 0) return L;
      }
    });
    return {
      dims,
      transposed,
      x: [batch, cin, ...size],
      w: [cin, cout / groups, ...k],
      bias: next() < 0.5,
      stride,
      dilation,
      groups,
      padding,
      paddingMode: 'zeros',
      outputPadding,
    };
  }
  const modes: PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];
  const paddingMode = modes[randInt(next, 0, 3)];
  const r = next();
  const padding: Config['padding'] =
    r < 0.2 && stride.every((s) => s === 1) ? 'same' : r < 0.3 ? 'valid' : Array.from({ length: dims }, () => randInt(next, 0, 2));
  const size = k.map((kk, i) => {
    const span = dilation[i] * (kk - 1) + 1;
    const [lo, hi] =
      padding === 'same'
        ? [Math.floor((span - 1) / 2), span - 1 - Math.floor((span - 1) / 2)]
        : padding === 'valid'
          ? [0, 0]
          : [padding[i], padding[i]];
    const least = Math.max(
      1,
      span - lo - hi,
      paddingMode === 'reflect' ? Math.max(lo, hi) + 1 : 1,
      paddingMode === 'circular' ? Math.max(lo, hi) : 1,
    );
    return randInt(next, least, Math.max(least, maxLen));
  });
  return {
    dims,
    transposed,
    x: [batch, cin, ...size],
    w: [cout, cin / groups, ...k],
    bias: next() < 0.5,
    stride,
    dilation,
    groups,
    padding,
    paddingMode,
    outputPadding: [],
  };
}

function convFn(c: Config): (x: Tensor, w: Tensor, b?: Tensor) => Tensor {
  return (x, w, b) =>
    c.transposed
      ? [F.convTranspose1d, F.convTranspose2d, F.convTranspose3d][c.dims - 1](x, w, b ?? null, {
          stride: c.stride,
          padding: c.padding as number[],
          dilation: c.dilation,
          groups: c.groups,
          outputPadding: c.outputPadding,
        })
      : [F.conv1d, F.conv2d, F.conv3d][c.dims - 1](x, w, b ?? null, {
          stride: c.stride,
          padding: c.padding,
          dilation: c.dilation,
          groups: c.groups,
          paddingMode: c.paddingMode,
        });
}

function inputs(c: Config, dtype: DType, gen: Generator): Tensor[] {
  const x = randn(c.x, { dtype, generator: gen, requiresGrad: true });
  const w = randn(c.w, { dtype, generator: gen, requiresGrad: true });
  const outChannels = c.transposed ? c.w[1] * c.groups : c.w[0];
  return c.bias ? [x, w, randn([outChannels], { dtype, generator: gen, requiresGrad: true })] : [x, w];
}

test('gradcheck passes on 60 random configurations of every option (float64)', () => {
  const next = lcg(7);
  const gen = new Generator().manualSeed(7);
  for (let i = 0; i < 60; i++) {
    const c = randomConfig(next);
    assert.ok(gradcheck(convFn(c), inputs(c, 'float64', gen)), JSON.stringify(c));
  }
});

test('gradgradcheck passes on 15 random configurations (double backward through every option)', () => {
  const next = lcg(11);
  const gen = new Generator().manualSeed(11);
  for (let i = 0; i < 15; i++) {
    const c = randomConfig(next);
    assert.ok(gradgradcheck(convFn(c), inputs(c, 'float64', gen)), JSON.stringify(c));
  }
});

/** ⟨J·t, c⟩ by central differences with eps = 1 (exact for a linear map) against ⟨t, Jᵀ·c⟩ by backward. */
function vjpDotProduct(f: (v: Tensor) => Tensor, at: Tensor, gen: Generator): [number, number] {
  const t = randn(at.shape as number[], { dtype: at.dtype, generator: gen });
  const y = f(at);
  const c = randn(y.shape as number[], { dtype: at.dtype, generator: gen });
  const plus = f(at.detach().add(t)).detach();
  const minus = f(at.detach().sub(t)).detach();
  const jt = plus.sub(minus).div(2);
  const lhs = jt.mul(c).sum().item();
  const [g] = grad(y, [at], { gradOutputs: [c] });
  const rhs = g!.mul(t).sum().item();
  return [lhs, rhs];
}

test('VJP dot-product test in float32: conv is linear in x and in w, so eps = 1 is exact', () => {
  const next = lcg(3);
  const gen = new Generator().manualSeed(3);
  for (let i = 0; i < 40; i++) {
    const c = randomConfig(next);
    const [x, w] = inputs(c, 'float32', gen);
    const fn = convFn(c);
    for (const [lhs, rhs] of [vjpDotProduct((v) => fn(v, w), x, gen), vjpDotProduct((v) => fn(x, v), w, gen)]) {
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * (Math.abs(lhs) + 1), `${lhs} vs ${rhs} for ${JSON.stringify(c)}`);
    }
  }
});

test('gradcheck of elementwise ops, reductions and shape ops with broadcasting', () => {
  const gen = new Generator().manualSeed(5);
  const a = randn([2, 3], { dtype: 'float64', generator: gen, requiresGrad: true });
  const b = randn([3], { dtype: 'float64', generator: gen, requiresGrad: true });
  const pos = randn([2, 1], { dtype: 'float64', generator: gen })
    .mul(randn([2, 1], { dtype: 'float64', generator: gen }))
    .add(1.5)
    .detach()
    .requiresGrad_();
  assert.ok(
    gradcheck(
      (p, q) =>
        p
          .mul(q)
          .add(p.div(q.add(3)))
          .sub(q.pow(2))
          .neg(),
      [a, b],
    ),
  );
  assert.ok(gradcheck((p, q) => p.exp().mul(q).sum(1, true).log().mean(), [a.mul(0.1).detach().requiresGrad_(), pos]));
  assert.ok(gradcheck((p) => p.permute(1, 0).reshape(3, 2).transpose(0, 1).unsqueeze(0).squeeze(0).flatten().slice(0, 1, 5, 2), [a]));
  assert.ok(gradcheck((p) => p.select(1, -1).expand(4, 2).mean(0), [a]));
  assert.ok(gradcheck((p, q) => p.pow(q), [pos, randn([2, 3], { dtype: 'float64', generator: gen, requiresGrad: true })]));
  assert.ok(gradgradcheck((p, q) => p.mul(q).exp().sum(), [a, b]));
  assert.ok(gradcheck((p) => F.pad(p.unsqueeze(0), [2, 1], 'reflect').mul(p.sum()), [a]));
  assert.ok(gradgradcheck((p) => F.pad(p.unsqueeze(0), [1, 2, 0, 1], 'circular').pow(2), [a]));
});

test('gradcheck detects a wrong gradient', () => {
  const wrongSquare = (x: Tensor): Tensor => record(x.detach().mul(x.detach()), 'WrongBackward0', [x], (dy) => [dy.mul(x).mul(3)]);
  const x = randn([3], { dtype: 'float64', requiresGrad: true });
  assert.throws(
    () => gradcheck(wrongSquare, [x]),
    (e: unknown) => e instanceof GradcheckError && /Jacobian mismatch/.test(e.message),
  );
  assert.equal(gradcheck(wrongSquare, [x], { raiseException: false }), false);
});
