// The API reference (site/api/, TypeDoc over src/index.ts, written by `node scripts/web.mjs build`, which
// npm test runs and which fails on any undocumented export or broken {@link}): every export the package
// has at run time has its page, every page of a function, class or namespace carries its doc comment, and
// every link between the pages leads to a file that exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as convgrad from '../src/index.js';

const api = join(fileURLToPath(new URL('../../', import.meta.url)), 'site', 'api');

function built(): void {
  assert.ok(existsSync(join(api, 'index.html')), 'site/api is missing: `node scripts/web.mjs build` builds it (npm test does)');
}

/** The page TypeDoc writes for an export at `path` (e.g. 'nn.Conv2d'), in whichever kind's folder it is. */
function pageOf(path: string): string | null {
  for (const kind of ['classes', 'functions', 'variables', 'modules']) {
    const file = join(api, kind, `${path}.html`);
    if (existsSync(file)) return file;
  }
  return null;
}

/**
 * Whether the reference documents the export at `path`: its own page, or (for a name a namespace re-exports
 * from the top level, such as datasets.DataLoader) an entry on the namespace's page linking to that page.
 */
function documented(path: string): boolean {
  if (pageOf(path) !== null) return true;
  const dot = path.lastIndexOf('.');
  if (dot < 0) return false;
  const parent = pageOf(path.slice(0, dot));
  const name = path.slice(dot + 1);
  const target = pageOf(name);
  if (parent === null || target === null) return false;
  const entry = new RegExp(`id="${name.toLowerCase()}"[\\s\\S]*?<span>${name}</span><span>\\s*→\\s*</span><a href="([^"]+)"`);
  const link = entry.exec(readFileSync(parent, 'utf8'));
  return link !== null && normalize(join(dirname(parent), link[1])) === target;
}

/** Runtime exports of a namespace object, with their dotted paths (namespaces walked one level down). */
function exportsOf(ns: object, prefix: string, depth: number): string[] {
  const names: string[] = [];
  for (const [name, value] of Object.entries(ns)) {
    const path = prefix + name;
    names.push(path);
    const isNamespace = typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null;
    if (isNamespace && depth > 0) names.push(...exportsOf(value, `${path}.`, depth - 1));
  }
  return names;
}

test('every run-time export of the package has a page in the API reference', () => {
  built();
  const names = exportsOf(convgrad, '', 2);
  assert.ok(names.includes('nn.Conv2d') && names.includes('optim.lrScheduler.StepLR'), 'the walk reaches nested namespaces');
  // F re-exports the top-level ops: TypeDoc documents each once, at the top level.
  const missing = names.filter((n) => !n.startsWith('F.') && !documented(n.replace(/^datasets\.transforms/, 'transforms')));
  assert.deepEqual(missing, [], `exports without a page: ${missing.join(', ')}`);
});

test('each function, class and namespace page shows its doc comment', () => {
  built();
  const bare: string[] = [];
  for (const kind of ['classes', 'functions', 'modules']) {
    for (const file of readdirSync(join(api, kind))) {
      const html = readFileSync(join(api, kind, file), 'utf8');
      if (!html.includes('class="tsd-comment tsd-typography"')) bare.push(`${kind}/${file}`);
    }
  }
  assert.deepEqual(bare, []);
  const conv2d = readFileSync(join(api, 'functions', 'conv2d.html'), 'utf8');
  assert.match(conv2d, /2-d convolution, as PyTorch/);
  assert.match(conv2d, /href="\.\.\/interfaces\/ConvOptions\.html"/, 'the options type is linked');
});

test('every relative link in the API reference leads to a file that exists', () => {
  built();
  const pages: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.html')) pages.push(join(dir, entry.name));
    }
  };
  walk(api);
  assert.ok(pages.length > 200, `${pages.length} pages`);
  const broken = new Set<string>();
  let checked = 0;
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    for (const [, href] of html.matchAll(/href="([^"#]+)(?:#[^"]*)?"/g)) {
      if (/^[a-z]+:/i.test(href)) continue; // https: and the like: outside the reference
      checked++;
      const target = normalize(join(dirname(page), decodeURIComponent(href)));
      if (!target.startsWith(api) || !existsSync(target)) broken.add(`${page.slice(api.length + 1)} → ${href}`);
    }
  }
  assert.ok(checked > 1000, `${checked} links checked`);
  assert.deepEqual([...broken], []);
});
