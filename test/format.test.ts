// String(t) against PyTorch's str(t), and Python's float formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, Tensor, type DType, type GradFn } from '../src/index.js';
import { formatFixed, formatScientific } from '../src/tensor/format.js';
import { fixture } from './helpers.js';

interface PrintCase {
  shape: number[];
  dtype: DType;
  requiresGrad: boolean;
  data: number[];
  str: string;
  gradFnName?: string;
}

const cases = fixture<{ cases: PrintCase[] }>('print_cases.json').cases;

function fakeNode(name: string): GradFn {
  return { name, inputs: [], released: false, apply: () => [], release: () => undefined };
}

test(`String(t) equals PyTorch's str(t) on ${cases.length} tensors`, () => {
  for (const c of cases) {
    const t = tensor(c.data, { shape: c.shape, dtype: c.dtype, requiresGrad: c.requiresGrad && c.gradFnName === undefined });
    if (c.gradFnName !== undefined) {
      t.requiresGrad = true;
      t.gradFn = fakeNode(c.gradFnName);
    }
    const expected = c.str.replace('dtype=torch.float64', 'dtype=float64');
    assert.equal(String(t), expected, `shape ${JSON.stringify(c.shape)} ${c.dtype}`);
    assert.equal(t.toString(), expected);
  }
});

test('Python float formatting: round-half-even on the exact binary value', () => {
  assert.equal(formatFixed(1.90625, 4), '1.9062'); // toFixed(4) gives 1.9063
  assert.equal(formatFixed(1.96875, 4), '1.9688');
  assert.equal(formatFixed(3.09375, 4), '3.0938');
  assert.equal(formatFixed(0.5, 0), '0');
  assert.equal(formatFixed(1.5, 0), '2');
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(-0, 0), '-0');
  assert.equal(formatFixed(-0.00001, 4), '-0.0000');
  assert.equal(formatFixed(1.0005, 3), '1.000'); // 1.0005 is just below the tie in binary
  assert.equal(formatFixed(123456789.125, 2), '123456789.12');
  assert.equal(formatScientific(1e-5, 4), '1.0000e-05');
  assert.equal(formatScientific(12345, 4), '1.2345e+04');
  assert.equal(formatScientific(99998.5, 4), '9.9998e+04'); // tie to even
  assert.equal(formatScientific(99999.5, 4), '1.0000e+05'); // tie to even, carrying into the exponent
  assert.equal(formatScientific(99999.51, 4), '1.0000e+05');
  assert.equal(formatScientific(-2.5e-300, 4), '-2.5000e-300');
  assert.equal(formatScientific(0, 4), '0.0000e+00');
  assert.equal(formatScientific(5e-324, 4), '4.9407e-324');
  assert.equal(formatScientific(1e100, 4), '1.0000e+100');
  assert.equal(formatFixed(Number.NaN, 4), 'nan');
  assert.equal(formatScientific(-Infinity, 4), '-inf');
});

test('console.log prints like PyTorch (util.inspect hook)', async () => {
  const { inspect } = await import('node:util');
  const t = tensor([1, 2, 3]);
  assert.equal(inspect(t), 'tensor([1., 2., 3.])');
  assert.ok(t instanceof Tensor);
});
