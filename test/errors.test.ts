// Every configuration PyTorch rejects throws a clear Error, before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, ones, randn, tensor, zeros, grad, type DType, type ConvOptionsType } from './errors_support.js';
import { fixture } from './helpers.js';

interface ErrorCase {
  op: string;
  arg: string;
  x: number[];
  w: number[];
  b?: number[];
  wDtype?: DType;
  options: Record<string, unknown>;
  torch: string;
}

const cases = fixture<{ cases: ErrorCase[] }>('error_cases.json').cases;

function call(c: ErrorCase): unknown {
  const x = randn(c.x);
  const w = randn(c.w, { dtype: c.wDtype ?? 'float32' });
  const b = c.b === undefined ? null : randn(c.b);
  const fns: Record<
    string,
    (x: ReturnType<typeof randn>, w: ReturnType<typeof randn>, b: ReturnType<typeof randn> | null, o: ConvOptionsType) => unknown
  > = {
    conv1d: F.conv1d,
    conv2d: F.conv2d,
    conv3d: F.conv3d,
    convTranspose1d: F.convTranspose1d,
    convTranspose2d: F.convTranspose2d,
    convTranspose3d: F.convTranspose3d,
  };
  return fns[c.op](x, w, b, c.options as ConvOptionsType);
}

for (const c of cases) {
  test(`${c.op} ${JSON.stringify(c.options)} x=${JSON.stringify(c.x)} w=${JSON.stringify(c.w)} throws naming ${c.arg} (PyTorch: ${c.torch})`, () => {
    assert.throws(
      () => call(c),
      (e: unknown) => {
        assert.ok(e instanceof Error, 'an Error');
        const m = e.message;
        assert.ok(m.startsWith(`${c.op}:`) || m.startsWith('pad:'), `message names the op: ${m}`);
        assert.ok(m.toLowerCase().includes(c.arg.toLowerCase()), `message names ${c.arg}: ${m}`);
        assert.ok(/expected|must|not supported|smaller|wraps/.test(m), `message says what was expected: ${m}`);
        return true;
      },
    );
  });
}

test('module constructors validate like PyTorch', () => {
  assert.throws(() => new nn.Conv2d(4, 2, 3, { groups: 3 }), /Conv2d: groups=3 must divide in_channels=4/);
  assert.throws(() => new nn.Conv2d(4, 3, 3, { groups: 2 }), /groups=2 must divide out_channels=3/);
  assert.throws(() => new nn.Conv2d(1, 1, 3, { padding: 'same', stride: 2 }), /padding='same' is not supported for strided convolutions/);
  assert.throws(() => new nn.Conv2d(1, 1, 3, { padding: 'full' as 'same' }), /padding='full'.*expected 'same' or 'valid'/);
  assert.throws(() => new nn.Conv2d(1, 1, 3, { paddingMode: 'mirror' as 'zeros' }), /paddingMode='mirror'/);
  assert.throws(
    () => new nn.ConvTranspose2d(1, 1, 3, { paddingMode: 'reflect' as 'zeros' }),
    /only 'zeros' padding mode is supported for ConvTranspose2d/,
  );
  assert.throws(() => new nn.Conv2d(0, 1, 3), /inChannels=0 is invalid; expected a positive integer/);
  assert.throws(() => new nn.Conv2d(1, 1, [3, 3, 3]), /kernelSize=\[3, 3, 3\] has 3 entries; expected one int or 2/);
  assert.throws(() => new nn.Conv1d(1, 1, 0), /kernelSize=0 is invalid; expected positive integers/);
  assert.throws(() => new nn.Conv2d(1, 1, 3, { dtype: 'float16' as DType }), /dtype='?float16'?.*expected 'float32' or 'float64'/);
  assert.throws(() => new nn.ConvTranspose2d(1, 1, 3, { stride: 2 }).forward(ones([1, 1, 3, 3]), [9, 9]), /outputSize=\[9, 9\] is invalid/);
});

test('unknown options are rejected, naming the option', () => {
  assert.throws(
    () => F.conv2d(randn([1, 1, 4, 4]), randn([1, 1, 3, 3]), null, { strides: 2 } as never),
    /conv2d: unknown option 'strides'; expected one of stride/,
  );
  assert.throws(
    () => F.convTranspose1d(randn([1, 1, 4]), randn([1, 1, 3]), null, { paddingMode: 'zeros' } as never),
    /unknown option 'paddingMode'/,
  );
  assert.throws(() => new nn.Conv2d(1, 1, 3, { kernel: 3 } as never), /Conv2d: unknown option 'kernel'/);
  assert.throws(() => new nn.ConvTranspose3d(1, 1, 3, { output_padding: 1 } as never), /ConvTranspose3d: unknown option 'output_padding'/);
});

test('tensor data errors', () => {
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  assert.throws(() => tensor([[1, 2], 3] as never), /ragged/);
  assert.throws(() => tensor([1, 'a'] as never), /not a number|expected a number/);
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /3 elements.*shape \[2, 2\]/);
  assert.throws(() => tensor([1], { dtype: 'int32' as DType }), /dtype=int32/);
  assert.throws(() => zeros([2, -1]), /shape=\[2, -1\]/);
});

test('autograd errors', () => {
  const x = randn([3], { requiresGrad: true });
  const y = x.mul(2);
  assert.throws(() => y.backward(), /gradient can be created implicitly only for scalar outputs/);
  assert.throws(() => y.backward(ones([2])), /gradient 0 has shape \[2\] but output 0 has shape \[3\]/);
  const z = x.mul(x).sum();
  z.backward();
  assert.throws(() => z.backward(), /a second time.*retainGraph/);
  assert.throws(() => grad(ones([1]), [x]), /does not require grad/);
  assert.throws(() => grad(x.sum(), [randn([2], { requiresGrad: true })]), /was not used/);
});

test('mixed dtypes are rejected by conv, promoted by elementwise ops', () => {
  const x = randn([1, 1, 5]);
  const w = randn([1, 1, 3], { dtype: 'float64' });
  assert.throws(() => F.conv1d(x, w), /conv1d: input has dtype float32 but weight has dtype float64; expected the same dtype/);
  assert.throws(() => F.conv1d(x, randn([1, 1, 3]), randn([1], { dtype: 'float64' })), /bias has dtype float64/);
  assert.equal(x.add(randn([1], { dtype: 'float64' })).dtype, 'float64');
});

test('F.pad errors', () => {
  const x = randn([1, 1, 4]);
  assert.throws(() => F.pad(x, [1]), /even length/);
  assert.throws(() => F.pad(x, [1, 1, 1, 1, 1, 1, 1, 1]), /pads 4 dimensions but the input has only 3/);
  assert.throws(() => F.pad(x, [4, 4], 'reflect'), /reflect padding \(4, 4\).*less than/);
  assert.throws(() => F.pad(x, [5, 0], 'circular'), /wraps around more than once/);
  assert.throws(() => F.pad(x, [1, 1], 'reflect', 1), /does not take value=1/);
  assert.throws(() => F.pad(randn([4]), [1, 1], 'reflect'), /needs a 2-d or 3-d input/);
  assert.throws(() => F.pad(x, [1, 1], 'wrap' as 'constant'), /mode="wrap"/);
  assert.throws(() => F.pad(x, [-5, 0]), /negative or empty size/);
});

test('transposed conv with output padding not below stride or dilation', () => {
  assert.throws(
    () => F.convTranspose2d(randn([1, 2, 3, 3]), randn([2, 1, 3, 3]), null, { stride: 2, outputPadding: 2 }),
    /convTranspose2d: outputPadding=2 in dimension 0 must be smaller than either stride=2 or dilation=1/,
  );
  assert.throws(() => F.convTranspose1d(randn([1, 1, 1]), randn([1, 1, 1]), null, { padding: 1 }), /output size .* is not positive/);
});
