// A seeded, time-bounded fuzz of the public API and the CLI (issue 12): random shapes (empty ones too),
// options and values for the convolutions (every option, both backends compared), padding, shape ops
// and factories; random flags for the CLI; the training stack's constructors, options, data sets and
// file bytes (issue 20). Each call returns a finite result equal across backends, or
// throws an Error whose message names the op; never a TypeError/RangeError from inside, a crash, a hang,
// or a library that stops working for the next call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  DataLoader,
  F,
  Generator,
  TensorDataset,
  arange,
  backendInfo,
  full,
  getBackend,
  nn,
  ones,
  optim,
  randn,
  setBackend,
  tensor,
  zeros,
  type Tensor,
} from '../src/index.js';
import { deserialize, serialize } from '../src/io/safetensors.js';
import { parseIdx } from '../src/data/idx.js';
import { lcg, randInt } from './helpers.js';

const seed = Number(process.env.FUZZ_SEED ?? 7);
const pick = <T>(next: () => number, list: readonly T[]): T => list[Math.floor(next() * list.length)];
const named = (e: unknown): boolean => e instanceof Error && e.constructor === Error && /^[a-zA-Z0-9]+(\.[a-zA-Z]+)?: /.test(e.message);

/** Runs f on both backends: the same result (or the same error) on each. */
function bothBackends(f: () => Tensor): { ok: boolean; detail: string } {
  const results: (Tensor | Error)[] = [];
  for (const b of ['reference', 'wasm'] as const) {
    setBackend(b);
    try {
      results.push(f());
    } catch (e) {
      if (!named(e)) return { ok: false, detail: `${b}: ${(e as Error).constructor.name}: ${(e as Error).message}` };
      results.push(e as Error);
    }
  }
  const [r, w] = results;
  if (r instanceof Error || w instanceof Error) {
    const same = r instanceof Error && w instanceof Error && r.message === w.message;
    return { ok: same, detail: same ? '' : `backends disagree: ${String(r)} vs ${String(w)}` };
  }
  if (r.shape.join() !== w.shape.join()) return { ok: false, detail: `shapes ${r.shape} vs ${w.shape}` };
  let scale = 0;
  for (let i = 0; i < r.numel; i++) scale = Math.max(scale, Math.abs(r.data[i]));
  for (let i = 0; i < r.numel; i++) {
    if (!Number.isFinite(r.data[i]) || !Number.isFinite(w.data[i])) return { ok: false, detail: `non-finite output at ${i}` };
    if (Math.abs(r.data[i] - w.data[i]) > 1e-4 * (scale + 1)) return { ok: false, detail: `element ${i}: ${r.data[i]} vs ${w.data[i]}` };
  }
  return { ok: true, detail: '' };
}

test('fuzz: thousands of random convolutions, pads, shape ops and factories: equal backends or an Error naming the op', {
  skip: !backendInfo().wasm.available,
}, () => {
  const next = lcg(seed);
  const gen = new Generator().manualSeed(seed);
  const before = getBackend();
  const failures: string[] = [];
  const start = performance.now();
  let count = 0;
  try {
    while ((count < 2000 || performance.now() - start < 1000) && performance.now() - start < 15000) {
      count++;
      const dims = randInt(next, 1, 3);
      const transposed = next() < 0.3;
      const groups = pick(next, [1, 1, 2, 3, 0]);
      const cin = randInt(next, 0, 4);
      const cout = randInt(next, 0, 4);
      const k = Array.from({ length: dims }, () => randInt(next, 0, 4));
      const size = Array.from({ length: dims }, () => randInt(next, 0, 7));
      const batch = pick(next, [null, 0, 1, 2]);
      const x = randn(batch === null ? [cin, ...size] : [batch, cin, ...size], { generator: gen });
      const wShape = transposed
        ? [cin, Math.max(groups, 1) === 0 ? cout : Math.floor(cout / Math.max(groups, 1)), ...k]
        : [cout, Math.floor(cin / Math.max(groups, 1)), ...k];
      const w = randn(wShape, { generator: gen });
      const b = next() < 0.5 ? randn([cout], { generator: gen }) : null;
      const stride = randInt(next, 0, 3);
      const dilation = randInt(next, 0, 2);
      const label = `${transposed ? 'convTranspose' : 'conv'}${dims}d x=[${x.shape}] w=[${w.shape}] s=${stride} d=${dilation} g=${groups}`;
      // Options are drawn once, outside the calls, so both backends see the same ones.
      const tPadding = randInt(next, 0, 2);
      const outputPadding = randInt(next, 0, 1);
      const padding = pick(next, [0, 1, 2, 'same', 'valid'] as const);
      const paddingMode = pick(next, ['zeros', 'reflect', 'replicate', 'circular'] as const);
      const conv = transposed
        ? () =>
            [F.convTranspose1d, F.convTranspose2d, F.convTranspose3d][dims - 1](x, w, b, {
              stride,
              dilation,
              groups,
              padding: tPadding,
              outputPadding,
            })
        : () => [F.conv1d, F.conv2d, F.conv3d][dims - 1](x, w, b, { stride, dilation, groups, padding, paddingMode });
      const r = bothBackends(conv);
      if (!r.ok) failures.push(`${label}: ${r.detail}`);
      // Padding, shape ops and factories with random arguments.
      const others: [string, () => unknown][] = [
        [
          'pad',
          () =>
            F.pad(
              x,
              Array.from({ length: 2 * randInt(next, 0, 3) }, () => randInt(next, -3, 3)),
              pick(next, ['constant', 'reflect', 'replicate', 'circular'] as const),
            ),
        ],
        ['reshape', () => x.reshape(Array.from({ length: randInt(next, 0, 3) }, () => randInt(next, -1, 6)))],
        ['permute', () => x.permute(Array.from({ length: x.ndim }, () => randInt(next, -2, x.ndim)))],
        ['slice', () => x.slice(randInt(next, -4, 4), randInt(next, -8, 8), randInt(next, -8, 8), randInt(next, 0, 3))],
        ['zeros', () => zeros(Array.from({ length: randInt(next, 0, 3) }, () => randInt(next, -1, 4)))],
        ['arange', () => arange(randInt(next, -5, 5), randInt(next, -5, 5), pick(next, [1, -1, 0, 0.5, 2]))],
        ['full', () => full([randInt(next, 0, 3)], pick(next, [1, NaN, -Infinity, 0.25]))],
      ];
      for (const [op, f] of others) {
        try {
          f();
        } catch (e) {
          if (!named(e)) failures.push(`${op}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    setBackend(before);
  }
  assert.ok(count >= 2000, `${count} rounds`);
  assert.deepEqual(failures.slice(0, 8), []);
  // Still working afterwards.
  assert.equal(String(F.conv1d(ones([1, 1, 3]), ones([1, 1, 2]))), 'tensor([[[2., 2.]]])');
});

test('fuzz: random flags for the CLI exit 0 or 2 with a message, never a stack trace', () => {
  const next = lcg(seed + 1);
  const main = new URL('../src/cli/main.js', import.meta.url).pathname;
  const flags = [
    ['--input-size', () => pick(next, ['4x4', '0x3', '3', '2x2x2', 'abc', '9999999x9999999', '-1'])],
    ['--kernel-size', () => pick(next, ['3', '0', '2x1', 'x'])],
    ['--stride', () => pick(next, ['1', '2', '0', '-3'])],
    ['--padding', () => pick(next, ['0', '1', 'same', 'valid', 'wide'])],
    ['--groups', () => pick(next, ['1', '2', '0'])],
    ['--dilation', () => pick(next, ['1', '2', '0'])],
    ['--element', () => pick(next, ['w:0,0,0,0', 'x:0,0,1,1', 'b:0', 'w:9,9,9,9', 'q:1'])],
    ['--padding-mode', () => pick(next, ['zeros', 'reflect', 'mirror'])],
    ['--seed', () => pick(next, ['0', '99999999999999999999', 'x'])],
  ] as const;
  for (let i = 0; i < 24; i++) {
    const args = ['explain'];
    for (const [flag, value] of flags) if (next() < 0.35) args.push(flag, value());
    if (next() < 0.2) args.push('--bias');
    if (next() < 0.2) args.push('--transposed');
    if (next() < 0.5) args.push('--json');
    const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60000, maxBuffer: 1 << 28 });
    assert.ok(r.status === 0 || r.status === 2, `${args.join(' ')} → status ${r.status}: ${r.stderr.slice(0, 300)}`);
    if (r.status === 2) {
      assert.match(r.stderr, /^(convgrad|explain|conv\w*|pad)[ :]/, `${args.join(' ')}: ${r.stderr.slice(0, 300)}`);
      assert.ok(!/\n\s+at /.test(r.stderr), `${args.join(' ')} printed a stack trace: ${r.stderr.slice(0, 300)}`);
    }
  }
});

test('fuzz: the training stack (optimizers, schedulers, data loaders, losses, modules, state dicts, safetensors and IDX bytes): a result or an Error naming the call', () => {
  const next = lcg(seed + 2);
  const gen = new Generator().manualSeed(seed + 2);
  const values: readonly unknown[] = [
    undefined,
    null,
    0,
    -1,
    0.5,
    1,
    2,
    3,
    NaN,
    Infinity,
    'x',
    'false',
    true,
    false,
    [],
    {},
    [1, 2],
    1e300,
  ];
  const any = (): never => pick(next, values) as never;
  const options = (keys: readonly string[]): never => {
    const o: Record<string, unknown> = {};
    for (const k of keys) if (next() < 0.4) o[k] = any();
    if (next() < 0.15) o[pick(next, ['weight_decay', 'batch_size', 'foo', 'ignore_index', 'step_size'])] = any();
    return o as never;
  };
  const failures: string[] = [];
  const attempt = (label: string, f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      if (!named(e)) failures.push(`${label}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
  };
  const goodBytes = serialize({ w: randn([2, 3], { generator: gen }), n: arange(3, undefined, 1, { dtype: 'int64' }) }, { model: 'lenet' });
  const idxBytes = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
  for (let round = 0; round < 400; round++) {
    const p = randn([2, 3], { generator: gen }).requiresGrad_();
    p.grad = next() < 0.8 ? randn([2, 3], { generator: gen }) : null;
    attempt('SGD', () => new optim.SGD([p], options(['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'])).step());
    attempt('Adam', () => new optim.Adam([p], options(['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'])).step());
    attempt('AdamW', () => new optim.AdamW([{ params: [p], ...(options(['lr', 'eps']) as object) }]).step());
    attempt('StepLR', () =>
      new optim.lrScheduler.StepLR(new optim.SGD([p], { lr: 0.1 }), options(['stepSize', 'gamma', 'lastEpoch'])).step(),
    );
    attempt(
      'CosineAnnealingLR',
      () => new optim.lrScheduler.CosineAnnealingLR(new optim.SGD([p], { lr: 0.1 }), options(['tMax', 'etaMin'])),
    );
    const n = randInt(next, 0, 5);
    attempt('DataLoader', () => {
      for (const b of new DataLoader(
        new TensorDataset(randn([n, 1, 2, 2], { generator: gen }), zeros([n], { dtype: 'int64' })),
        options(['batchSize', 'shuffle', 'dropLast', 'generator']),
      ))
        void b.x;
    });
    const logits = randn([3, 4], { generator: gen });
    const target = tensor([randInt(next, -1, 4), 0, randInt(next, 0, 3)], { dtype: 'int64' });
    attempt('crossEntropy', () => F.crossEntropy(logits, target, options(['weight', 'reduction', 'ignoreIndex', 'labelSmoothing'])));
    attempt('nllLoss', () => F.nllLoss(logits, target, options(['reduction', 'ignoreIndex'])));
    attempt('Conv2d', () => new nn.Conv2d(any(), any(), any(), options(['stride', 'padding', 'bias', 'groups'])));
    attempt('Linear', () => new nn.Linear(any(), any(), options(['bias'])));
    attempt('BatchNorm2d', () => new nn.BatchNorm2d(any(), options(['eps', 'momentum', 'affine', 'trackRunningStats'])));
    attempt('MaxPool2d', () => new nn.MaxPool2d(any(), options(['stride', 'padding', 'dilation', 'ceilMode'])));
    attempt('AvgPool2d', () => new nn.AvgPool2d(any(), options(['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'])));
    attempt('Dropout', () => new nn.Dropout(any(), options(['generator'])).forward(logits));
    const bn = new nn.BatchNorm2d(2);
    attempt('loadStateDict', () =>
      bn.loadStateDict(
        {
          ...bn.stateDict(),
          [pick(next, ['weight', 'running_var', 'num_batches_tracked', 'extra'])]: pick(next, [
            tensor([any() as number]),
            ones([2]),
            any(),
          ]),
        } as never,
        options(['strict']),
      ),
    );
    // Random byte damage to a good file and to an IDX file.
    const bytes = goodBytes.slice(0, randInt(next, 0, goodBytes.length));
    for (let i = 0; i < 3; i++) if (bytes.length > 0) bytes[randInt(next, 0, bytes.length - 1)] = randInt(next, 0, 255);
    attempt('deserialize', () => deserialize(bytes));
    const idx = idxBytes.slice(0, randInt(next, 0, idxBytes.length));
    if (idx.length > 0 && next() < 0.5) idx[randInt(next, 0, idx.length - 1)] = randInt(next, 0, 255);
    attempt('parseIdx', () => parseIdx(idx, 'fuzz.idx', 3));
  }
  assert.deepEqual(failures.slice(0, 8), []);
});
