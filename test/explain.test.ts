// explain: every explained value equals the sum of its terms and autograd; term counts are right;
// weight and bias explanations equal PyTorch's gradients; the seed's numbers; the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explain, ones, type ExplainConfig, type Explanation, type PaddingMode, type IntOrTuple, type PaddingArg } from '../src/index.js';
import { renderText } from '../src/explain/render_text.js';
import { renderSvg } from '../src/explain/render_svg.js';
import { EXPLAIN_USAGE, parseExplainArgs } from '../src/cli/explain.js';
import { EXPLAIN_OPTIONS, type ExplainOption } from '../src/explain/schema.js';
import { assertClose, fixture, lcg, randInt } from './helpers.js';

function randomConfig(next: () => number): ExplainConfig {
  const dims = randInt(next, 1, 3);
  const transposed = next() < 0.3;
  const groups = randInt(next, 1, 2);
  const k = Array.from({ length: dims }, () => randInt(next, 1, dims === 3 ? 2 : 3));
  const stride = Array.from({ length: dims }, () => randInt(next, 1, 2));
  const dilation = Array.from({ length: dims }, () => randInt(next, 1, 2));
  const maxLen = [8, 5, 3][dims - 1];
  const modes: PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];
  const paddingMode = transposed ? 'zeros' : modes[randInt(next, 0, 3)];
  const r = next();
  const padding: PaddingArg =
    !transposed && r < 0.2 && stride.every((s) => s === 1)
      ? 'same'
      : !transposed && r < 0.3
        ? 'valid'
        : Array.from({ length: dims }, () => randInt(next, 0, 1));
  const outputPadding = transposed ? stride.map((s, i) => randInt(next, 0, Math.max(s, dilation[i]) - 1)) : undefined;
  const inputSize = k.map((kk, i) => {
    const span = dilation[i] * (kk - 1) + 1;
    const p = Array.isArray(padding) ? padding[i] : padding === 'same' ? span - 1 : 0;
    return randInt(next, Math.max(span - (Array.isArray(padding) ? 2 * p : p), Array.isArray(padding) ? p + 1 : 1, 1), maxLen);
  });
  return {
    inputSize,
    batch: randInt(next, 1, 2),
    inChannels: groups * randInt(next, 1, 2),
    outChannels: groups * randInt(next, 1, 2),
    kernelSize: k,
    stride,
    padding,
    dilation,
    groups,
    paddingMode,
    bias: next() < 0.5,
    transposed,
    outputPadding,
    loss: next() < 0.5 ? 'mean' : 'sum',
    input: (['range', 'randn', 'ones'] as const)[randInt(next, 0, 2)],
    seed: randInt(next, 0, 1000),
    dtype: 'float64',
  };
}

function checkAgreement(e: Explanation, label: string): void {
  for (const list of [e.weight, e.bias, e.input] as { index: number[]; value: number; autograd: number; terms: unknown[] }[][]) {
    for (const el of list) {
      assert.ok(
        Math.abs(el.value - el.autograd) <= 1e-12 * Math.max(1, Math.abs(el.autograd)),
        `${label}: ${el.index} value ${el.value} vs autograd ${el.autograd}`,
      );
    }
  }
  e.weight.forEach((el) =>
    assert.equal(
      el.value,
      el.terms.reduce((s, t) => s + t.x * t.dy, 0),
    ),
  );
  e.bias.forEach((el) =>
    assert.equal(
      el.value,
      el.terms.reduce((s, t) => s + t.dy, 0),
    ),
  );
  e.input.forEach((el) =>
    assert.equal(
      el.value,
      el.terms.reduce((s, t) => s + t.w * t.dy, 0),
    ),
  );
}

test('every explained value equals the sum of its terms and autograd to 1e-12 (100 random configurations, float64)', () => {
  const next = lcg(21);
  let checked = 0;
  for (let i = 0; i < 100; i++) {
    const config = randomConfig(next);
    let e: Explanation;
    try {
      e = explain(config);
    } catch (err) {
      // A configuration PyTorch rejects (e.g. a kernel larger than the padded input) must say so clearly.
      assert.match((err as Error).message, /expected|must/);
      continue;
    }
    checkAgreement(e, JSON.stringify(config));
    const r = e.config;
    const outPositions = r.outputSize.reduce((p, n) => p * n, 1);
    const inPositions = r.inputSize.reduce((p, n) => p * n, 1);
    // dw: one term per output position of its output channel (per input position for a transposed conv); db: one per output position.
    for (const el of e.weight) assert.equal(el.terms.length, r.batch * (r.transposed ? inPositions : outPositions));
    for (const el of e.bias) assert.equal(el.terms.length, r.batch * outPositions);
    checked++;
  }
  assert.ok(checked >= 80, `only ${checked} configurations were valid`);
});

test('dx term counts: with unit weights, unit input and loss sum, autograd itself counts the (weight, output) pairs', () => {
  const next = lcg(5);
  for (let i = 0; i < 40; i++) {
    const config = randomConfig(next);
    if (config.transposed) continue;
    const probe = explain({ ...config, loss: 'sum' });
    const counted = explain({
      ...config,
      loss: 'sum',
      input: 'ones',
      weight: ones(probe.w.shape as number[], { dtype: 'float64' }),
      bias: false,
    });
    for (const el of counted.input)
      assert.equal(el.terms.length, el.autograd, `dx${JSON.stringify(el.index)} of ${JSON.stringify(config)}`);
    // With zero padding, the weight's terms that read real input are counted by autograd the same way.
    if (config.paddingMode === 'zeros')
      for (const el of counted.weight) assert.equal(el.terms.filter((t) => t.input !== null).length, el.autograd);
  }
});

interface ExplainCase {
  dims: number;
  transposed: boolean;
  batch: number;
  inChannels: number;
  outChannels: number;
  inputSize: number[];
  kernelSize: number[];
  options: {
    stride: number[];
    dilation: number[];
    groups: number;
    padding: PaddingArg;
    paddingMode?: PaddingMode;
    outputPadding?: IntOrTuple;
  };
  loss: 'mean' | 'sum';
  dw: number[];
  db: number[];
}

test('weight and bias explanations equal PyTorch on input range with loss mean/sum', () => {
  const cases = fixture<{ cases: ExplainCase[] }>('explain_cases.json').cases;
  assert.ok(cases.length >= 30);
  for (const c of cases) {
    const e = explain({
      inputSize: c.inputSize,
      batch: c.batch,
      inChannels: c.inChannels,
      outChannels: c.outChannels,
      kernelSize: c.kernelSize,
      stride: c.options.stride,
      dilation: c.options.dilation,
      groups: c.options.groups,
      padding: c.options.padding,
      paddingMode: c.options.paddingMode,
      outputPadding: c.options.outputPadding,
      transposed: c.transposed,
      bias: true,
      loss: c.loss,
      input: 'range',
      dtype: 'float64',
    });
    const label = JSON.stringify(c.options);
    assertClose(
      e.weight.map((el) => el.value),
      c.dw,
      1e-10,
      `dw ${label}`,
    );
    assertClose(
      e.bias.map((el) => el.value),
      c.db,
      1e-10,
      `db ${label}`,
    );
  }
});

test("the seed's experiments explained: w[0,0,0,0] of the last reads 54 / 32 = 1.6875", () => {
  const e = explain();
  const el = e.weight[0];
  assert.deepEqual(el.index, [0, 0, 0, 0]);
  assert.equal(el.terms.length, 16);
  assert.equal(
    el.terms.reduce((s, t) => s + t.x, 0),
    54,
  );
  assert.equal(el.value, 1.6875);
  assert.equal(el.autograd, 1.6875);
  assert.equal(el.terms.filter((t) => t.input === null).length, 7);
  const text = renderText(e, { kind: 'w', index: [0, 0, 0, 0] });
  assert.match(text, /= 54 \/ 32 = 1\.6875/);
  assert.match(text, /✓ autograd 1\.6875/);
  assert.match(text, /\[ 0\.\]\[ 1\.\]\[ 2\.\]\[ 3\.\] {2}4\. {3}0\./);
  assert.equal(e.weight.find((w) => w.index.join() === '1,0,1,1')!.value, 4.25);
  // The first four: padding 0 (the weight gradients the note prints).
  const expected = [
    [{ inChannels: 1, outChannels: 1 }, [3.5, 4.5, 5.5, 7.5, 8.5, 9.5, 11.5, 12.5, 13.5]],
    [{ inChannels: 1, outChannels: 2 }, [1.75, 2.25, 2.75, 3.75, 4.25, 4.75, 5.75, 6.25, 6.75]],
    [
      { inChannels: 2, outChannels: 1 },
      [3.5, 4.5, 5.5, 7.5, 8.5, 9.5, 11.5, 12.5, 13.5, 19.5, 20.5, 21.5, 23.5, 24.5, 25.5, 27.5, 28.5, 29.5],
    ],
    [
      { inChannels: 2, outChannels: 2 },
      [1.75, 2.25, 2.75, 3.75, 4.25, 4.75, 5.75, 6.25, 6.75, 9.75, 10.25, 10.75, 11.75, 12.25, 12.75, 13.75, 14.25, 14.75],
    ],
  ] as const;
  for (const [channels, dw] of expected) {
    const x = explain({ ...channels, padding: 0 });
    assert.deepEqual(
      x.weight.slice(0, dw.length).map((w) => w.value),
      dw,
    );
    assert.deepEqual(
      x.weight.map((w) => w.value),
      x.weight.map((w) => w.autograd),
    );
  }
});

test('reflect, replicate and circular padding: terms name the real element each padded cell copies', () => {
  const e = explain({
    inputSize: [4],
    inChannels: 1,
    outChannels: 1,
    kernelSize: 3,
    padding: 1,
    paddingMode: 'reflect',
    loss: 'sum',
    dtype: 'float64',
  });
  // x = [1, 2, 3, 4], reflect-padded [2, 1, 2, 3, 4, 3]: w[0] meets 2, 1, 2, 3.
  assert.deepEqual(
    e.weight[0].terms.map((t) => t.x),
    [2, 1, 2, 3],
  );
  assert.deepEqual(
    e.weight[0].terms.map((t) => t.input),
    [
      [0, 0, 1],
      [0, 0, 0],
      [0, 0, 1],
      [0, 0, 2],
    ],
  );
  const dx1 = e.input[1];
  assert.equal(dx1.terms.length, 4); // three reads in place plus one through the left copy
  assert.ok(dx1.terms.some((t) => t.padded![2] === 0));
  checkAgreement(e, 'reflect');
  const c = explain({
    inputSize: [4],
    inChannels: 1,
    outChannels: 1,
    kernelSize: 3,
    padding: 1,
    paddingMode: 'circular',
    loss: 'sum',
    dtype: 'float64',
  });
  assert.deepEqual(
    c.weight[0].terms.map((t) => t.x),
    [4, 1, 2, 3],
  );
});

test('text output: colour or brackets, NO_COLOR respected by the CLI', () => {
  const e = explain();
  const esc = String.fromCharCode(27);
  assert.ok(renderText(e, null, { color: true }).includes(`${esc}[1;30;43m`));
  assert.ok(!renderText(e, null, { color: false }).includes(`${esc}[`));
  const full = renderText(e, null);
  assert.match(full, /dw \(conv\.weight\.grad\):\ntensor\(\[\[\[\[1\.6875, 2\.4375, 1\.9688\],/);
  assert.match(full, /worked element of dx/);
});

const cli = new URL('../src/cli/main.js', import.meta.url).pathname;
const run = (args: string[], env: Record<string, string> = {}): string =>
  execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('convgrad explain --element and --json', () => {
  const text = run(['explain', '--element', 'w:0,0,0,0'], { NO_COLOR: '1' });
  assert.match(text, /54 \/ 32 = 1\.6875/);
  assert.match(text, /✓ autograd 1\.6875/);
  const doc = JSON.parse(run(['explain', '--json'])) as {
    config: { inputSize: number[] };
    loss: { kind: string };
    weight: { index: number[]; value: number; autograd: number; terms: { x: number; dy: number }[] }[];
    bias: unknown[];
    input: { terms: { w: number; dy: number }[] }[];
  };
  assert.deepEqual(doc.config.inputSize, [4, 4]);
  assert.equal(doc.loss.kind, 'mean');
  assert.equal(doc.weight.length, 18);
  assert.equal(doc.weight[0].value, 1.6875);
  assert.equal(doc.weight[0].terms.length, 16);
  assert.ok('x' in doc.weight[0].terms[0] && 'dy' in doc.weight[0].terms[0]);
  assert.ok('w' in doc.input[0].terms[0] && 'dy' in doc.input[0].terms[0]);
  const one = JSON.parse(run(['explain', '--json', '--bias', '--element', 'b:1', '--loss', 'sum'])) as {
    weight: unknown[];
    bias: { value: number; terms: { dy: number }[] }[];
  };
  assert.equal(one.weight.length, 0);
  assert.equal(one.bias[0].value, 16);
  assert.equal(one.bias[0].terms.length, 16);
  const t = run([
    'explain',
    '--input-size',
    '5x4',
    '--kernel-size',
    '3x2',
    '--stride',
    '2',
    '--padding',
    '0',
    '--in-channels',
    '2',
    '--out-channels',
    '4',
    '--groups',
    '2',
    '--bias',
    '--transposed',
    '--output-padding',
    '1',
    '--element',
    'x:0,1,2,1',
  ]);
  assert.match(t, /✓ autograd/);
});

test('CLI errors name the flag and the expectation', () => {
  const fails = (args: string[], pattern: RegExp): void => {
    assert.throws(
      () => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: 'pipe' }),
      (err: { stderr: string; status: number }) => {
        assert.equal(err.status, 2);
        assert.match(err.stderr, pattern);
        return true;
      },
    );
  };
  fails(['explain', '--kernel-size', 'abc'], /--kernel-size "abc" is invalid; expected 1-3 non-negative integers/);
  fails(['explain', '--element', 'w:9,9,9,9'], /element w:9,9,9,9 is not in w of shape \[2, 1, 3, 3\]/);
  fails(['explain', '--element', 'q:1'], /--element "q:1" is invalid/);
  fails(['explain', '--frobnicate'], /unknown option "--frobnicate"/);
  fails(['explain', '--groups', '3'], /groups=3 must divide in_channels=1/);
  fails(['explain', '--element', 'b:0'], /no bias/);
  fails(['explain', '--loss', 'max'], /--loss "max" is invalid; expected one of mean, sum/);
  assert.deepEqual(parseExplainArgs(['--padding', 'same']).config.padding, 'same');
  assert.deepEqual(parseExplainArgs(['--stride=2x1']).config.stride, [2, 1]);
});

test('--svg writes a standalone SVG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convgrad-svg-'));
  const file = join(dir, 'w.svg');
  run(['explain', '--element', 'w:1,0,2,2', '--svg', file]);
  const svg = readFileSync(file, 'utf8');
  assert.ok(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.match(svg, /dw\[1, 2, 2\]|dw\[1, 0, 2, 2\]/);
  assert.equal((svg.match(/fill="#ffb300"/g) ?? []).length, 16 + 1); // 16 term cells + the dw cell
  for (const dims of [[7], [3, 3, 3]]) {
    const s = renderSvg(explain({ inputSize: dims, kernelSize: 2, padding: 1, paddingMode: 'replicate' }), {
      kind: 'x',
      index: dims
        .map(() => 0)
        .concat([0, 0])
        .slice(0, dims.length + 2),
    });
    assert.match(s, /<\/svg>\n$/);
  }
});

test('elementEquation writes one element as a sum with its numbers, for each loss and gradient', async () => {
  const { elementEquation, tensor } = await import('../src/index.js');
  const w0 = { kind: 'w' as const, index: [0, 0, 0, 0] };
  // The seed's experiment 5 (mean loss): the 16 padded cells the weight met, over M = 32.
  assert.equal(
    elementEquation(explain({ elements: [w0] }), w0),
    '∂E/∂w[0,0,0,0] = (0 + 0 + 0 + 0 + 0 + 1 + 2 + 3 + 0 + 5 + 6 + 7 + 0 + 9 + 10 + 11) / 32 = 54 / 32 = 1.6875',
  );
  // Sum loss: no division; the bias: one per output position.
  assert.equal(
    elementEquation(explain({ loss: 'sum', elements: [w0] }), w0),
    '∂E/∂w[0,0,0,0] = 0 + 0 + 0 + 0 + 0 + 1 + 2 + 3 + 0 + 5 + 6 + 7 + 0 + 9 + 10 + 11 = 54',
  );
  const b0 = { kind: 'b' as const, index: [1] };
  assert.equal(elementEquation(explain({ bias: true, elements: [b0] }), b0), '∂E/∂b[1] = 16 / 32 = 0.5');
  assert.equal(elementEquation(explain({ bias: true, loss: 'sum', elements: [b0] }), b0), '∂E/∂b[1] = 16 · 1 = 16');
  // An input element under ones weights: the 18 weights that read x[0,0,1,1] (9 per output channel), over 32.
  const x11 = { kind: 'x' as const, index: [0, 0, 1, 1] };
  const e = explain({ weight: ones([2, 1, 3, 3]), elements: [x11] });
  assert.equal(elementEquation(e, x11), `∂E/∂x[0,0,1,1] = (${Array(18).fill(1).join(' + ')}) / 32 = 18 / 32 = 0.5625`);
  // Negative terms after the first are subtracted, as a learner writes the sum.
  const neg = explain({ weight: ones([2, 1, 3, 3]).mul(-1), elements: [x11] });
  assert.equal(elementEquation(neg, x11), `∂E/∂x[0,0,1,1] = (-1${' - 1'.repeat(17)}) / 32 = -18 / 32 = -0.5625`);
  // A given dy: each product written as x·dy.
  const dy = tensor(
    Array.from({ length: 32 }, (_, i) => (i === 5 ? 2 : 0)),
    { shape: [1, 2, 4, 4] },
  );
  assert.equal(
    elementEquation(explain({ dy, elements: [w0] }), w0),
    `∂E/∂w[0,0,0,0] = ${Array.from({ length: 16 }, (_, i) => `${[0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11][i]}·${i === 5 ? 2 : 0}`).join(' + ')} = 2`,
  );
  // An element that was not explained is refused by name.
  assert.throws(() => elementEquation(explain({ elements: [] }), w0), /element w:0,0,0,0 was not explained/);
});

test('the explain schema drives the CLI: every option has its flag in the help, and its default parses to what explain() assumes', () => {
  const base = explain({ elements: [] });
  for (const o of EXPLAIN_OPTIONS as readonly ExplainOption[]) {
    assert.ok(EXPLAIN_USAGE.includes(`  ${o.flag}`), `${o.flag} in the help`);
    // Options of transposed convolutions only are checked on one.
    const transposed = 'transposed' in o && o.transposed === true;
    const args = [...(o.kind === 'switch' ? [] : [o.flag, o.default]), ...(transposed ? ['--transposed'] : [])];
    const { config } = parseExplainArgs(args);
    const e = explain({ ...config, elements: [] });
    const expected = transposed ? explain({ transposed: true, elements: [] }).config : base.config;
    assert.deepEqual(e.config, expected, `${o.flag} ${o.default} is the default`);
  }
  // A value that is not one: the CLI names the flag and what it expected.
  assert.throws(
    () => parseExplainArgs(['--stride', '2x']),
    /convgrad explain: --stride "2x" is invalid; expected 1-3 non-negative integers/,
  );
  assert.throws(
    () => parseExplainArgs(['--padding-mode', 'mirror']),
    /--padding-mode "mirror" is invalid; expected one of zeros, reflect, replicate, circular/,
  );
  assert.throws(() => explain({ strides: 2 } as never), /explain: unknown option 'strides'; expected one of inputSize, batch/);
});
