// A seeded, time-bounded fuzz of the public API and the CLI (issue 12): random shapes (empty ones too),
// options and values for the convolutions (every option, both backends compared), padding, shape ops
// and factories; random flags for the CLI. Each call returns a finite result equal across backends, or
// throws an Error whose message names the op; never a TypeError/RangeError from inside, a crash, a hang,
// or a library that stops working for the next call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { F, Generator, arange, backendInfo, full, getBackend, ones, randn, setBackend, zeros, type Tensor } from '../src/index.js';
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
