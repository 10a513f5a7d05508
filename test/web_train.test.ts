// The training explorer (web/train.html, issue 19, item 5) in Debian's Chromium, headless: it trains the
// digits CNN 50 steps (wasm threads under COOP/COEP), pauses, and a click on conv1's dw[0,0,1,1] gives an
// explanation whose sum equals the gradient shown; a dy cell's chain-rule step sums to autograd's, and its
// next step can be followed. A screenshot is saved to build/web-train.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFiles, skipWithoutChromium } from './browser.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const site = join(projectRoot, 'site');

test('the training explorer: 50 steps, pause, explain conv1 dw[0,0,1,1] (its sum is the gradient shown), follow dy up the chain', {
  skip: skipWithoutChromium,
  timeout: 180_000,
}, async () => {
  assert.ok(existsSync(join(site, 'train.html')), 'site/train.html is missing: `npm run build:web` builds it (npm test does)');
  const server = await serveFiles(site);
  const browser = await launchChromium();
  const problems: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${server.base}train.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
    assert.match((await page.getByTestId('backend').textContent()) ?? '', /WebAssembly SIMD, \d+ threads/);

    await page.getByTestId('run').click();
    await page.waitForFunction(() => Number(document.getElementById('status')?.dataset.step) >= 50, undefined, { timeout: 120_000 });
    await page.getByTestId('run').click();
    await page.waitForFunction(() => document.getElementById('status')?.dataset.running === 'false');
    const step = Number(await page.getByTestId('status').getAttribute('data-step'));
    assert.ok(step >= 50, `paused at step ${step}`);
    assert.match((await page.getByTestId('curves').innerHTML()) ?? '', /<polyline points="[\d.,\s]+"/);

    const cell = page.locator('[data-testid="dw1-cell"][data-index="0,0,1,1"]');
    const shownInCell = Number(await cell.getAttribute('data-value'));
    await cell.click();
    const sum = page.getByTestId('explain-sum');
    await sum.waitFor();
    const value = Number(await sum.getAttribute('data-value'));
    const shown = Number(await sum.getAttribute('data-shown'));
    assert.equal(shown, shownInCell, 'the explanation explains the gradient in the cell');
    assert.ok(Math.abs(value - shown) <= 1e-5 * Math.max(1e-3, Math.abs(shown)), `Σ terms ${value} vs the gradient shown ${shown}`);
    assert.match((await sum.textContent()) ?? '', /^Σ of the 2048 products x̃·dy = .* ✓ the gradient shown/);
    assert.equal(await page.getByTestId('explain-image').count(), 32, 'one picture per image of the batch');
    // The step did not move: explaining pauses between computing a gradient and applying it.
    assert.equal(Number(await page.getByTestId('status').getAttribute('data-step')), step);

    // A dy element: its chain-rule step sums to autograd's; the next step up can be followed.
    await page.locator('[data-testid="dy-cell"]').first().click();
    const chain = page.getByTestId('chain');
    assert.match(
      (await chain.textContent()) ?? '',
      /∂E\/∂y\[0,0,0,0\] = Σ over the ops that read it[\s\S]*through ReluBackward0[\s\S]*✓ autograd/,
    );
    const next = page.getByTestId('chain-next');
    if ((await next.count()) > 0) {
      await next.first().click();
      assert.match((await chain.textContent()) ?? '', /∂E\/∂o\[[\d,]+\] = Σ over the ops that read it[\s\S]*✓ autograd/);
    }
    // Training goes on after an explanation, from where it paused.
    await page.getByTestId('step-once').click();
    assert.equal(Number(await page.getByTestId('status').getAttribute('data-step')), step + 1);
    mkdirSync(join(projectRoot, 'build'), { recursive: true });
    await page.screenshot({ path: join(projectRoot, 'build', 'web-train.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.close();
  }
});
