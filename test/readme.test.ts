// The README's example runs and prints what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('README example', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has a ts example');
  const index = new URL('../src/index.js', import.meta.url).href;
  const code = block[1].replace("from 'convgrad'", `from '${index}'`);
  const file = join(mkdtempSync(join(tmpdir(), 'convgrad-readme-')), 'example.mjs');
  writeFileSync(file, code);
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
  assert.ok(out.startsWith('tensor([[[[1.6875, 2.4375, 1.9688],'), out);
  assert.match(out, /^tensor\(\[\[\[\[/m);
});

test('README "Train a CNN" example trains the digits CNN to a good test accuracy', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /## Train a CNN[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has a training example');
  const index = new URL('../src/index.js', import.meta.url).href;
  const code = block[1].replace("from 'convgrad'", `from '${index}'`);
  const file = join(mkdtempSync(join(tmpdir(), 'convgrad-readme-')), 'train.mjs');
  writeFileSync(file, code);
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
  const m = /test accuracy (\d+\.\d)%/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m[1]) >= 85, out);
});
