// The README's example runs and prints what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the first ts block of the README after `marker`, importing the built library; returns its output. */
function runReadmeBlock(marker: RegExp, name: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = new RegExp(`${marker.source}[\\s\\S]*?\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(block, `README has a ts example after ${String(marker)}`);
  const index = new URL('../src/index.js', import.meta.url).href;
  const code = block[1].replace("from 'convgrad'", `from '${index}'`);
  const file = join(mkdtempSync(join(tmpdir(), 'convgrad-readme-')), name);
  writeFileSync(file, code);
  return execFileSync(process.execPath, [file], { encoding: 'utf8' });
}

test('README example', () => {
  const out = runReadmeBlock(/## Example/, 'example.mjs');
  assert.ok(out.startsWith('tensor([[[[1.6875, 2.4375, 1.9688],'), out);
  assert.match(out, /^tensor\(\[\[\[\[/m);
});

test('README "Train a CNN" example trains the digits CNN to a good test accuracy', () => {
  const out = runReadmeBlock(/## Train a CNN/, 'train.mjs');
  const m = /test accuracy (\d+\.\d)%/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m[1]) >= 85, out);
});
