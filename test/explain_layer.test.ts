// explainLayer (issue 19, item 2): a conv layer's gradients explained inside three nets (plain, with
// BatchNorm, with a residual block; float32 and float64; train and eval), against PyTorch 1.13's own
// gradients at that step and the layer's dy from retain_grad (test/fixtures/layer_cases.json, made by
// scripts/training_fixtures.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F,
  explainChain,
  explainLayer,
  elementEquation,
  renderChain,
  manualSeed,
  nn,
  tensor,
  type ExplainElement,
  type Tensor,
} from '../src/index.js';
import { fixture } from './helpers.js';

interface LayerCase {
  net: 'plain' | 'batchnorm' | 'residual';
  dtype: 'float32' | 'float64';
  shape: number[];
  layer: string;
  mode: 'train' | 'eval';
  input: number[];
  target: number[];
  elements: ExplainElement[];
  values: number[];
  dy: number[];
  loss: number;
}

class ResidualBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  constructor(c: number, dtype: 'float32' | 'float64') {
    super();
    this.conv1 = new nn.Conv2d(c, c, 3, { padding: 1, dtype });
    this.bn1 = new nn.BatchNorm2d(c, { dtype });
    this.conv2 = new nn.Conv2d(c, c, 3, { padding: 1, dtype });
    this.bn2 = new nn.BatchNorm2d(c, { dtype });
  }
  forward(x: Tensor): Tensor {
    return F.relu(x.add(this.bn2.forward(this.conv2.forward(F.relu(this.bn1.forward(this.conv1.forward(x)))))));
  }
}

class ResidualNet extends nn.Module {
  stem: nn.Conv2d;
  block: ResidualBlock;
  fc: nn.Linear;
  constructor(dtype: 'float32' | 'float64') {
    super();
    this.stem = new nn.Conv2d(1, 4, 3, { padding: 1, dtype });
    this.block = new ResidualBlock(4, dtype);
    this.fc = new nn.Linear(4, 3, { dtype });
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(F.adaptiveAvgPool2d(this.block.forward(F.relu(this.stem.forward(x))), 1).flatten(1));
  }
}

function net(name: LayerCase['net'], dtype: 'float32' | 'float64'): nn.Module {
  // As the fixture: built in float32 (PyTorch's initial draws), then converted.
  if (name === 'residual') return dtype === 'float64' ? new ResidualNet('float32').double() : new ResidualNet('float32');
  const m =
    name === 'plain'
      ? new nn.Sequential(
          new nn.Conv2d(1, 4, 3, { padding: 1 }),
          new nn.ReLU(),
          new nn.MaxPool2d(2),
          new nn.Conv2d(4, 6, 3),
          new nn.ReLU(),
          new nn.Flatten(),
          new nn.Linear(24, 3),
        )
      : new nn.Sequential(
          new nn.Conv2d(1, 4, 3, { padding: 1, bias: false }),
          new nn.BatchNorm2d(4),
          new nn.ReLU(),
          new nn.Conv2d(4, 3, 3, { stride: 2 }),
          new nn.Flatten(),
          new nn.Linear(27, 3),
        );
  return dtype === 'float64' ? m.double() : m;
}

const cases = fixture<{ cases: LayerCase[] }>('layer_cases.json').cases;

for (const c of cases) {
  test(`explainLayer: ${c.net} net, layer ${c.layer}, ${c.dtype}, ${c.mode}: the explained elements and dy equal PyTorch's`, () => {
    manualSeed(11);
    const model = net(c.net, c.dtype);
    if (c.mode === 'eval') model.eval();
    const input = tensor(c.input, { dtype: c.dtype }).view(...c.shape);
    const target = tensor(c.target, { dtype: 'int64' });
    const before = model.parameters().map((p) => p.grad);
    const e = explainLayer(model, { input, target, layer: c.layer, elements: c.elements });
    const tol = c.dtype === 'float64' ? 1e-12 : 1e-6;
    // Relative to the element, or (for an element near zero) to the largest of its tensor: float32 sums in
    // another order differ by a few units in the last place of the largest terms, not of the smallest result.
    const dyScale = Math.max(...c.dy.map(Math.abs));
    const near = (a: number, b: number, what: string, scale = 0): void =>
      assert.ok(Math.abs(a - b) <= tol * Math.max(Math.abs(b), scale), `${what}: ${a} vs PyTorch ${b}`);
    near(e.lossValue, c.loss, 'loss');
    assert.equal(e.layer, c.layer);
    assert.equal(e.dy.numel, c.dy.length);
    c.dy.forEach((v, i) => near(e.dy.data[i], v, `dy[${i}]`, dyScale));
    const lists = { w: e.weight, b: e.bias, x: e.input } as const;
    c.elements.forEach((el, i) => {
      const entry = lists[el.kind].find((x) => x.index.join() === el.index.join());
      assert.ok(entry, `${el.kind}${JSON.stringify(el.index)} explained`);
      // A sum is compared relative to Σ|terms| (its condition): a bias before BatchNorm sums to 0 in exact
      // arithmetic, and PyTorch's float sum leaves rounding noise of that size.
      const size = (entry.terms as { x?: number; w?: number; dy: number }[]).reduce((s, t) => s + Math.abs((t.x ?? t.w ?? 1) * t.dy), 0);
      near(entry.value, c.values[i], `Σ terms of ${el.kind}${JSON.stringify(el.index)}`, size);
      near(entry.autograd, c.values[i], `autograd ${el.kind}${JSON.stringify(el.index)}`, size);
      assert.ok(entry.terms.length > 0);
    });
    // The explanation renders as explain's does, and the parameters' .grad are untouched.
    assert.match(elementEquation(e, { kind: c.elements[0].kind, index: [...c.elements[0].index] }), /=/);
    assert.deepEqual(
      model.parameters().map((p) => p.grad),
      before,
    );
  });
}

test('explainLayer names what is wrong: an unknown layer, a layer that is not a convolution, a loss that does not use it', () => {
  manualSeed(0);
  const model = net('plain', 'float32');
  const input = tensor(new Array(64).fill(0.5)).view(1, 1, 8, 8);
  const target = tensor([1], { dtype: 'int64' });
  assert.throws(
    () => explainLayer(model, { input, target, layer: 'conv9' }),
    /explainLayer: layer="conv9" is not a module of the model; its conv layers are "0", "3"/,
  );
  assert.throws(() => explainLayer(model, { input, target, layer: '1' }), /explainLayer: layer="1" is a ReLU, not a convolution/);
  assert.throws(
    () => explainLayer(model, { input, target, layer: '3', loss: () => tensor(1, { requiresGrad: true }) }),
    /explainLayer: the loss does not depend on layer "3"'s output/,
  );
  assert.throws(() => explainLayer(model, { input, target, layer: '3', lossFn: 'mse' } as never), /explainLayer: unknown option 'lossFn'/);
  // The default element set ('worked'): one of each kind, equal to autograd.
  const e = explainLayer(model, { input, target, layer: '3' });
  for (const entry of [...e.weight, ...e.bias, ...e.input])
    assert.ok(Math.abs(entry.value - entry.autograd) <= 1e-6 * Math.max(1, Math.abs(entry.autograd)));
});

test('a long sum: the equation writes the largest products and "… and N more terms summing to s"; the JSON keeps every term', () => {
  manualSeed(2);
  const model = net('plain', 'float32');
  const input = tensor(Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i))).view(3, 1, 8, 8);
  const e = explainLayer(model, {
    input,
    target: tensor([0, 1, 2], { dtype: 'int64' }),
    layer: '0',
    elements: [
      { kind: 'w', index: [1, 0, 1, 1] },
      { kind: 'b', index: [2] },
    ],
  });
  assert.equal(e.weight[0].terms.length, 3 * 8 * 8);
  const text = elementEquation(e, { kind: 'w', index: [1, 0, 1, 1] });
  const m = /\+ … and 182 more terms summing to (-?[\d.e-]+) = (-?[\d.e-]+)$/.exec(text);
  assert.ok(m, text);
  assert.ok(text.length < 400, `${text.length} characters`);
  // The ten written products and the rest add up to the value.
  const written = [...text.matchAll(/(-?[\d.e-]+)·(-?[\d.e-]+)/g)].map((p) => Number(p[1]) * Number(p[2]));
  assert.equal(written.length, 10);
  const products = e.weight[0].terms.map((t) => Math.abs(t.x * t.dy)).sort((a, b) => b - a);
  assert.ok(Math.abs(Math.abs(written[0]) - products[0]) <= 1e-4 * products[0], 'the largest product comes first');
  assert.ok(
    Math.abs(written.reduce((a, b) => a + b, 0) + Number(m[1]) - Number(m[2])) <= 1e-4 * Math.max(1e-6, Math.abs(Number(m[2]))) + 1e-7,
  );
  assert.match(elementEquation(e, { kind: 'b', index: [2] }), /… and 182 more terms summing to/);
});

test("explainChain: an element of a conv layer's dy through the ops that read it, walked up to the loss; each step sums to autograd's and PyTorch's value", () => {
  for (const c of cases.filter((k) => k.mode === 'train')) {
    manualSeed(11);
    const model = net(c.net, c.dtype);
    const input = tensor(c.input, { dtype: c.dtype }).view(...c.shape);
    const e = explainLayer(model, { input, target: tensor(c.target, { dtype: 'int64' }), layer: c.layer, elements: [c.elements[0]] });
    const tol = c.dtype === 'float64' ? 1e-12 : 1e-6;
    const dyScale = Math.max(...c.dy.map(Math.abs));
    // The largest dy element, so the walk passes through live paths.
    let at = 0;
    c.dy.forEach((v, i) => {
      if (Math.abs(v) > Math.abs(c.dy[at])) at = i;
    });
    const shape = e.graph.output.shape;
    const index = shape.map((_, d) => Math.floor(at / shape.slice(d + 1).reduce((p, n) => p * n, 1)) % shape[d]);
    let step = explainChain(e.graph.loss, e.graph.output, index);
    assert.ok(Math.abs(step.autograd - c.dy[at]) <= tol * dyScale, `${c.net}/${c.layer}: autograd ${step.autograd} vs PyTorch ${c.dy[at]}`);
    const ops: string[] = [];
    for (let hops = 0; hops < 30; hops++) {
      const size = step.consumers.flatMap((k) => k.terms).reduce((s, k) => s + Math.abs(k.local * k.upstream), 0);
      assert.ok(
        Math.abs(step.value - step.autograd) <= tol * Math.max(size, Math.abs(step.autograd)),
        `${c.net}: ${step.value} vs ${step.autograd}`,
      );
      ops.push(step.consumers.map((k) => k.op).join('+'));
      // Up one op: the term with the largest product.
      const best = step.consumers
        .flatMap((k) => k.terms.map((term) => ({ k, term })))
        .sort((a, b) => Math.abs(b.term.local * b.term.upstream) - Math.abs(a.term.local * a.term.upstream))[0];
      if (best === undefined || best.k.output === e.graph.loss) break;
      step = explainChain(e.graph.loss, best.k.output, best.term.index);
    }
    assert.ok(ops.length > 2, ops.join(' → '));
    // The walk reaches the loss (cross-entropy's last node).
    assert.match(ops[ops.length - 1], /NllLossBackward0|MeanBackward|LogSoftmaxBackward0/, ops.join(' → '));
    if (c.net === 'batchnorm' && c.layer === '0') {
      assert.match(ops[0], /BatchNorm/, ops.join(' → '));
      const text = renderChain(explainChain(e.graph.loss, e.graph.output, index), 'y');
      assert.match(text, /^∂E\/∂y\[\d+,\d+,\d+,\d+\] = Σ over the ops that read it/);
      assert.match(text, /through NativeBatchNormBackward0 \(output \[4, 4, 7, 7\]\): 196 terms \(the 20 largest by magnitude\)/);
      assert.match(text, /… and 176 more terms summing to/);
      assert.match(text, /✓ autograd/);
    }
    if (c.net === 'residual' && c.layer === 'block.conv1') assert.ok(ops.join(' ').includes('Add'), ops.join(' → '));
  }
  assert.throws(
    () => explainChain(tensor([1, 2]), tensor([1]), [0]),
    /explainChain: loss must be a single-element tensor that requires grad/,
  );
});
