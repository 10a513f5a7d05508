// The seed's five experiments: padded inputs and weight gradients print character for character as
// in the note (shared/seed/conv-backward-notes.zh.md), whose values are exact because the weight
// gradient of out.mean() does not depend on the random weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { runSeedExperiment, SEED_EXPERIMENTS, seedReport } from '../src/cli/seed.js';

const PADDED_1CH = `tensor([[[[ 1.,  2.,  3.,  4.],
          [ 5.,  6.,  7.,  8.],
          [ 9., 10., 11., 12.],
          [13., 14., 15., 16.]]]])`;

const PADDED_2CH = `tensor([[[[ 1.,  2.,  3.,  4.],
          [ 5.,  6.,  7.,  8.],
          [ 9., 10., 11., 12.],
          [13., 14., 15., 16.]],

         [[17., 18., 19., 20.],
          [21., 22., 23., 24.],
          [25., 26., 27., 28.],
          [29., 30., 31., 32.]]]])`;

const PADDED_PAD1 = `tensor([[[[ 0.,  0.,  0.,  0.,  0.,  0.],
          [ 0.,  1.,  2.,  3.,  4.,  0.],
          [ 0.,  5.,  6.,  7.,  8.,  0.],
          [ 0.,  9., 10., 11., 12.,  0.],
          [ 0., 13., 14., 15., 16.,  0.],
          [ 0.,  0.,  0.,  0.,  0.,  0.]]]])`;

const GRADS = [
  `tensor([[[[ 3.5000,  4.5000,  5.5000],
          [ 7.5000,  8.5000,  9.5000],
          [11.5000, 12.5000, 13.5000]]]])`,
  `tensor([[[[1.7500, 2.2500, 2.7500],
          [3.7500, 4.2500, 4.7500],
          [5.7500, 6.2500, 6.7500]]],


        [[[1.7500, 2.2500, 2.7500],
          [3.7500, 4.2500, 4.7500],
          [5.7500, 6.2500, 6.7500]]]])`,
  `tensor([[[[ 3.5000,  4.5000,  5.5000],
          [ 7.5000,  8.5000,  9.5000],
          [11.5000, 12.5000, 13.5000]],

         [[19.5000, 20.5000, 21.5000],
          [23.5000, 24.5000, 25.5000],
          [27.5000, 28.5000, 29.5000]]]])`,
  `tensor([[[[ 1.7500,  2.2500,  2.7500],
          [ 3.7500,  4.2500,  4.7500],
          [ 5.7500,  6.2500,  6.7500]],

         [[ 9.7500, 10.2500, 10.7500],
          [11.7500, 12.2500, 12.7500],
          [13.7500, 14.2500, 14.7500]]],


        [[[ 1.7500,  2.2500,  2.7500],
          [ 3.7500,  4.2500,  4.7500],
          [ 5.7500,  6.2500,  6.7500]],

         [[ 9.7500, 10.2500, 10.7500],
          [11.7500, 12.2500, 12.7500],
          [13.7500, 14.2500, 14.7500]]]])`,
  // The note shows one blank line between the two blocks here, where PyTorch prints two (as in its
  // second experiment, and as PyTorch prints this same gradient today): we print PyTorch's.
  `tensor([[[[1.6875, 2.4375, 1.9688],
          [3.0000, 4.2500, 3.3750],
          [2.8125, 3.9375, 3.0938]]],


        [[[1.6875, 2.4375, 1.9688],
          [3.0000, 4.2500, 3.3750],
          [2.8125, 3.9375, 3.0938]]]])`,
];

const PADDED = [PADDED_1CH, PADDED_1CH, PADDED_2CH, PADDED_2CH, PADDED_PAD1];

SEED_EXPERIMENTS.forEach((e, i) => {
  test(`seed experiment ${i + 1}: ${e.inChannels}→${e.outChannels} channels, padding ${e.padding}`, () => {
    const r = runSeedExperiment(e);
    assert.equal(r.padded, PADDED[i]);
    assert.equal(r.grad, GRADS[i]);
    assert.match(r.out, /grad_fn=<ConvolutionBackward0>\)$/);
  });
});

test('the expected texts are the ones in the note (when shared/seed is beside the checkout)', (t) => {
  const note = new URL('../../../shared/seed/conv-backward-notes.zh.md', import.meta.url);
  if (!existsSync(note)) {
    t.skip('shared/seed is not beside this checkout');
    return;
  }
  const text = readFileSync(note, 'utf8');
  for (const s of [PADDED_1CH, PADDED_PAD1, ...GRADS.slice(0, 4)]) assert.ok(text.includes(s), `the note contains\n${s}`);
  assert.ok(text.includes(GRADS[4].replace('\n\n\n', '\n\n')), 'the note contains the last gradient (with one blank line)');
});

test('convgrad seed prints every experiment', () => {
  const report = seedReport();
  for (const g of GRADS) assert.ok(report.includes(g));
  const cli = new URL('../src/cli/main.js', import.meta.url);
  const out = execFileSync(process.execPath, [cli.pathname, 'seed'], { encoding: 'utf8' });
  for (const s of [...GRADS, PADDED_PAD1, PADDED_2CH]) assert.ok(out.includes(s));
  assert.equal((out.match(/# Experiment/g) ?? []).length, 5);
});

test('examples/seed.ts prints the same gradients', () => {
  const example = new URL('../examples/seed.js', import.meta.url);
  const out = execFileSync(process.execPath, [example.pathname], { encoding: 'utf8' });
  for (const s of [...GRADS, PADDED_1CH, PADDED_2CH, PADDED_PAD1]) assert.ok(out.includes(s));
});
