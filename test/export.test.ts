// PyTorch export (issue 22, item 4): exportPyTorch writes the very files that Debian's PyTorch ran
// (test/fixtures/export/*.py, scripts/write-export-fixture.mjs then scripts/gen_fixtures.py --only export):
// their build() after torch.manual_seed(0) gives logits equal to convgrad's (1e-5), and their load() reads
// convgrad's safetensors. `convgrad export FILE --pytorch model.py` writes one beside trained weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPyTorch, manualSeed, nn, noGrad, rand } from '../src/index.js';
import { runExport } from '../src/cli/export.js';
import { runTrain } from '../src/cli/train.js';
import { exportModels } from './export_models.js';
import { fixture } from './helpers.js';

const fx = fixture<{ cases: Record<string, { loadsItsWeights: boolean; input: number[]; logits: number[]; shape: number[] }> }>(
  'export_cases.json',
).cases;

for (const [name, make] of Object.entries(exportModels)) {
  test(`exportPyTorch(${name}) writes the file PyTorch ran, and PyTorch's logits are convgrad's`, () => {
    const source = exportPyTorch(make(), { weights: `${name}.safetensors`, description: `The ${name} of test/export_models.ts` });
    assert.equal(source, readFileSync(new URL(`../../test/fixtures/export/${name}.py`, import.meta.url), 'utf8'));
    const c = fx[name];
    assert.equal(c.loadsItsWeights, true, 'its load() read a safetensors file into build()');
    const model = make();
    model.eval();
    manualSeed(1);
    const x = rand([4, 1, 8, 8]);
    assert.deepEqual([...x.data], c.input.map(Math.fround));
    const logits = noGrad(() => model.forward(x));
    assert.deepEqual(logits.shape, c.shape);
    c.logits.forEach((v, i) =>
      assert.ok(Math.abs(logits.data[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `logit ${i}: ${logits.data[i]} vs PyTorch ${v}`),
    );
  });
}

test('exportPyTorch refuses what it cannot write; convgrad export --pytorch writes a file beside trained weights', async () => {
  class Custom extends nn.Module {
    forward(x: never): never {
      return x;
    }
  }
  assert.throws(() => exportPyTorch(new Custom()), /exportPyTorch: model must be an nn\.Sequential .*; got a Custom/);
  assert.throws(
    () => exportPyTorch(new nn.Sequential(new nn.ModuleList([]) as never)),
    /module "0" is a ModuleList, which the exporter does not know/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'convgrad-export-'));
  const weights = join(dir, 'w.safetensors');
  assert.equal(
    await runTrain(['--epochs', '1', '--out', weights], { out: () => {}, isTTY: false, stopRequested: () => false, now: () => 0 }),
    0,
  );
  let written = '';
  const py = join(dir, 'model.py');
  assert.equal(await runExport([weights, '--pytorch', py], { out: (s) => (written += s) }), 0);
  const source = readFileSync(py, 'utf8');
  assert.match(source, /^# lenet for digits \(8×8, 10 classes\), exported by convgrad from w\.safetensors/);
  assert.match(source, /nn\.Conv2d\(1, 16, kernel_size=\(3, 3\), stride=\(1, 1\), padding=\(1, 1\)\)/);
  assert.match(source, /def load\(path="w\.safetensors"\)/);
  assert.match(written, /wrote .*model\.py: python3 model\.py/);
  await assert.rejects(
    runExport([weights], { out: () => {} }),
    /convgrad export: say what to write: --pytorch FILE\.py and\/or --onnx FILE\.onnx/,
  );
});
