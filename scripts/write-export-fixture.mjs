// Writes test/fixtures/export/*.py: three models as exportPyTorch writes them (built after manualSeed(0)).
// Then `/usr/bin/python3 scripts/gen_fixtures.py --only export` runs each file with Debian's PyTorch and
// records its logits (test/fixtures/export_cases.json); test/export.test.ts checks that the exporter still
// writes these very files and that convgrad's logits equal PyTorch's. Needs the test build (npx tsc -p tsconfig.test.json) first.
import { writeFileSync } from 'node:fs';
import { exportPyTorch } from '../build/src/index.js';
import { exportModels } from '../build/test/export_models.js';

for (const [name, make] of Object.entries(exportModels)) {
  const file = new URL(`../test/fixtures/export/${name}.py`, import.meta.url).pathname;
  writeFileSync(file, exportPyTorch(make(), { weights: `${name}.safetensors`, description: `The ${name} of test/export_models.ts` }));
  console.log('wrote', file);
}
