// The explorer page without traps, and what learners asked for (issue 18): settings and shared links past
// the page's limits are refused before any work, saying how big they would be; switching dimensions keeps
// a valid setting; depth slices come into range; only terms light up; numbers whole and in PyTorch's
// notation; keyboard, screen reader and axe-core; dy as a grid and edited; the chain-rule line; a
// finite-difference check; one SGD step; the selection in the URL. First the page's state logic in Node,
// then the page itself in Chromium (a URL hash → the expected state).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, serveFiles, skipWithoutChromium } from './browser.js';
import { explain, tensor } from '../src/index.js';
import { DEFAULT_STATE, MAX_PAGE_CELLS, explainConfig, fromHash, withDims } from '../web/state.js';

const site = join(fileURLToPath(new URL('../../', import.meta.url)), 'site');
type Open = (hash?: string, width?: number) => Promise<Page>;

/**
 * Runs `body` over the built site in Chromium: open(hash, width) gives a fresh tab on that URL, ready (as a
 * shared link opens); afterwards no tab may have thrown. Closes the browser and the server whatever happens.
 */
async function onSite(body: (open: Open) => Promise<void>): Promise<void> {
  assert.ok(existsSync(join(site, 'index.html')), 'site/ is missing: `npm run build:web` builds it (npm test does)');
  const server = await serveFiles(site);
  const browser = await launchChromium();
  const problems: string[] = [];
  try {
    await body(async (hash = '', width = 1280) => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      page.on('pageerror', (e) => problems.push(`page error (${hash}): ${e.message}`));
      await page.goto(`${server.base}${hash}`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
      return page;
    });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.close();
  }
}

const config = (hash: string) => explainConfig(fromHash(hash), (values, shape) => tensor(values, { shape }));

test('page limits: what would hang the tab is refused before any work, saying how big it would be', () => {
  for (const [hash, message] of [
    ['#cin=1000000', /In channels 1000000 is outside the page's range 1–16/],
    ['#batch=50', /Batch 50 is outside the page's range 1–2/],
    [
      '#size=96x96&cin=8&cout=16&k=5',
      /this setting would draw [\d,]+ cells \(input 96×96, 8→16 channels, kernel 5×5\); the page draws at most 80,000/,
    ],
    ['#size=64x64&cin=8&cout=16&k=5', /would draw [\d,]+ cells/],
    ['#dims=1&size=20000', /would draw [\d,]+ cells \(input 20000, 1→2 channels, kernel 3\)/],
  ] as const) {
    const started = performance.now();
    assert.throws(() => config(hash), message, hash);
    assert.ok(performance.now() - started < 100, `${hash} is refused at once`);
  }
  // The largest setting the issue asks to stay quick still fits, and explains.
  const ok = config('#size=32x32&cin=8&cout=16&k=5');
  assert.ok(explain({ ...ok, elements: [] }).dw.numel === 16 * 8 * 25);
  assert.equal(MAX_PAGE_CELLS, 80_000);
});

test('switching dimensions keeps a setting that fits: 4x4 becomes 4 in 1-D, and a size too big for 2-D is refused, not drawn', () => {
  const oneD = withDims(DEFAULT_STATE, 1);
  assert.equal(oneD.inputSize, '4');
  assert.equal(explain({ ...explainConfig(oneD, (v, s) => tensor(v, { shape: s })), elements: [] }).config.dims, 1);
  const wide = withDims(fromHash('#dims=1&size=256&cin=8&cout=16&k=5'), 2);
  assert.equal(wide.inputSize, '256');
  assert.throws(() => explainConfig(wide, (v, s) => tensor(v, { shape: s })), /would draw [\d,]+ cells \(input 256×256/);
  const threeD = withDims({ ...DEFAULT_STATE, kernelSize: '3x2', stride: '1x2' }, 3);
  assert.deepEqual([threeD.kernelSize, threeD.stride, threeD.slice], ['3', '1', 0]);
  assert.equal(fromHash('#dims=3&size=3x3x3&slice=-5').slice, 0);
});

test('the page: a URL past the limits shows the reason at once; 1-D from the default works; slices out of range come into range', {
  skip: skipWithoutChromium,
  timeout: 120_000,
}, async () => {
  await onSite(async (open) => {
    // Each URL in a fresh tab, as a shared link opens.
    let page!: Page;
    const go = async (hash: string): Promise<void> => {
      page = await open(hash);
    };
    for (const [hash, message] of [
      ['#cin=1000000', /In channels 1000000 is outside the page's range 1–16/],
      ['#size=96x96&cin=8&cout=16&k=5', /would draw [\d,]+ cells/],
      ['#dims=1&size=20000', /would draw [\d,]+ cells/],
    ] as const) {
      const started = Date.now();
      await go(hash);
      const error = page.getByTestId('error');
      assert.match((await error.textContent()) ?? '', message, hash);
      assert.equal(await error.isVisible(), true);
      assert.equal(await page.getByTestId('summary').textContent(), '', `${hash}: no summary of another setting`);
      assert.ok(Date.now() - started < 20_000, `${hash} answers quickly`);
    }
    // Default → 1-D: a valid 1-D convolution, no error.
    await go('');
    await page.getByTestId('dims').selectOption('1');
    await page.waitForFunction(() => (document.getElementById('summary')?.textContent ?? '').startsWith('Conv1d'));
    assert.equal(await page.getByTestId('error').isVisible(), false);
    assert.equal(await page.getByTestId('input-size').inputValue(), '4');
    // 3-D slices: -5 reads as 0, 99 as the last.
    await go('#dims=3&size=3x3x3&slice=-5');
    assert.equal(await page.getByTestId('depth-slice').inputValue(), '0');
    await go('#dims=3&size=3x3x3&slice=99');
    assert.equal(await page.getByTestId('depth-slice').inputValue(), '2');
    assert.match(page.url(), /slice=2/);
  });
});

test('the page: only terms light up (transposed), Play keeps aria-pressed, empty sums and bias say so, groups name the channel, custom input starts from the seed', {
  skip: skipWithoutChromium,
  timeout: 120_000,
}, async (t) => {
  await onSite(async (open) => {
    // Each URL in a fresh tab, as a shared link opens.
    let page!: Page;
    const go = async (hash: string): Promise<void> => {
      page = await open(hash);
    };
    const click = (tensor: string, index: string) =>
      page.locator(`[data-testid="grad-cell"][data-tensor="${tensor}"][data-index="${index}"]`).click();
    const autograd = async (): Promise<string> => (await page.getByTestId('autograd').textContent()) ?? '';

    // Item 4: the transposed preset's dw[0,0,0,0] is (5 + 6 + 8 + 9)/72: 4 input cells light up, not 9.
    await go('');
    await page.getByTestId('preset').selectOption('transposed');
    await click('dw', '0,0,0,0');
    assert.equal(await page.locator('[data-view="x"] .cell.term').count(), 4);
    assert.match(await autograd(), /the 4 terms sum to/);
    await click('dx', '0,0,0,0');
    assert.equal(await page.locator('[data-view="w"] .cell.term').count(), 8, 'dx[0,0,0,0]: the 8 weights that reach an output');

    // Item 7: clicking a gradient cell leaves Play's aria-pressed alone.
    await page.getByTestId('play').click();
    await click('dw', '0,0,1,1');
    assert.equal(await page.getByTestId('play').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('[data-tensor="dw"][data-index="0,0,1,1"]').getAttribute('aria-pressed'), 'true');

    // Item 10: the stride remainder says no window reaches it; with bias the step line adds + b.
    await go('');
    await page.getByTestId('preset').selectOption('stride2');
    await click('dx', '0,0,4,4');
    assert.match(await autograd(), /the 0 terms sum to 0\. No window reaches this element/);
    await go('#bias=1');
    await page.getByTestId('step').click();
    assert.match((await page.locator('#step-info').textContent()) ?? '', /over its window \+ b\[0\] = /);
    // A lit padding cell keeps its dashed border.
    await go('');
    await page.getByTestId('preset').selectOption('seed5');
    await click('dw', '0,0,0,0');
    assert.equal(
      await page
        .locator('[data-view="xp"] .cell.pad.term')
        .first()
        .evaluate((el) => getComputedStyle(el).borderTopStyle),
      'dashed',
    );
    // Groups: kernel out 2, in 0 reads x channel 1.
    await page.getByTestId('preset').selectOption('groups2');
    assert.ok(((await page.locator('[data-view="w"]').textContent()) ?? '').includes('out 2, in 0 (x channel 1)'));
    // A custom input with no cells in the URL starts from the seed's 1, 2, 3, …
    await go('#input=custom');
    assert.equal(await page.locator('[data-view="x"] input').first().inputValue(), '1');

    // Item 6: a click at 32×32, 8→16, k5 (measured, not asserted: machines are shared).
    await go('#size=32x32&cin=8&cout=16&k=5');
    const ms = await page.evaluate(async () => {
      const cell = document.querySelector<HTMLElement>('[data-testid="grad-cell"][data-tensor="dw"][data-index="3,2,1,1"]')!;
      const t0 = performance.now();
      cell.click();
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      return performance.now() - t0;
    });
    t.diagnostic(`a click at 32×32, 8→16, k5 answers in ${ms.toFixed(0)} ms`);
    assert.match(await autograd(), /✓ autograd/);
  });
});

test('the page: every cell shows its whole number, one notation per tensor (PyTorch printing), at 1280 wide and on a phone', {
  skip: skipWithoutChromium,
  timeout: 120_000,
}, async () => {
  await onSite(async (open) => {
    for (const [hash, width] of [
      ['#size=10x10', 1280],
      ['#size=12x12&cin=3&cout=4', 1280],
      ['', 390],
    ] as const) {
      const page = await open(hash, width);
      if (width === 390) await page.getByTestId('preset').selectOption('transposed');
      const cells = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('#views .cell:not(input)')].map((el) => ({
          view: el.dataset.key!.split(':')[0],
          text: el.textContent ?? '',
          clipped: el.scrollWidth > el.clientWidth,
          // The text's own line boxes: more than one is a wrapped number.
          lines: (() => {
            const range = document.createRange();
            range.selectNodeContents(el);
            return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
          })(),
        })),
      );
      assert.ok(cells.length > 0);
      const clipped = cells.filter((c) => c.clipped || c.lines > 1);
      assert.deepEqual(clipped.slice(0, 3), [], `${hash || 'default'} at ${width}: ${clipped.length} cells clipped or wrapped`);
      for (const view of new Set(cells.map((c) => c.view))) {
        const texts = cells.filter((c) => c.view === view).map((c) => c.text);
        const sci = texts.filter((t) => /e[+-]\d\d$/.test(t)).length;
        assert.ok(sci === 0 || sci === texts.length, `${view}: one notation (${sci} of ${texts.length} in scientific)`);
      }
      await page.close();
    }
  });
});

test('the page with a keyboard and a screen reader, and axe-core: arrows inside a grid, one tab stop per plane, focus kept after an edit, lit cells named; 0 violations in five states', {
  skip: skipWithoutChromium,
  timeout: 120_000,
}, async () => {
  const axe = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url));
  await onSite(async (open) => {
    const violations = async (page: import('playwright-core').Page): Promise<string[]> => {
      await page.addScriptTag({ path: axe });
      return page.evaluate(async () => {
        const run = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run;
        return (await run()).violations.map((v) => `${v.id} (${v.nodes.length})`);
      });
    };
    // Keyboard: one tab stop per dw plane; arrows move within it; Enter explains.
    const page = await open(''); // the default is the seed's experiment 5
    const dw = page.locator('[data-testid="grad-cell"][data-tensor="dw"]');
    assert.equal(
      await page.locator('[data-testid="grad-cell"][data-tensor="dw"][tabindex="0"]').count(),
      2,
      'one tab stop in each of the two dw planes',
    );
    await dw.first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.index), '0,0,1,1');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).getAttribute('tabindex')), '0');
    // Lit cells say so in their labels.
    const lit = await page.locator('.cell.term[aria-label]').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
    assert.ok(lit.length > 0 && lit.every((l) => l?.endsWith(', a term of the selected sum')), lit.slice(0, 3).join(' | '));
    // Editing an input cell keeps the focus on it.
    const custom = await open('#input=custom');
    const first = custom.locator('[data-view="x"] input').first();
    await first.fill('7');
    await first.press('Enter');
    await custom.waitForFunction(() => (document.activeElement as HTMLElement | null)?.tagName === 'INPUT');
    assert.equal(await custom.evaluate(() => (document.activeElement as HTMLInputElement).value), '7');
    // axe-core: the default state, the details open, a phone, 3-D, an error.
    assert.deepEqual(await violations(await open('')), [], 'default');
    const details = await open('');
    await details.locator('#explanation details summary').click();
    assert.deepEqual(await violations(details), [], 'details open');
    assert.deepEqual(await violations(await open('', 390)), [], 'phone');
    assert.deepEqual(await violations(await open('#dims=3&size=3x3x3')), [], '3-D');
    assert.deepEqual(await violations(await open('#cin=1000000')), [], 'error');
    assert.deepEqual(await violations(await open('train.html')), [], 'training explorer');
    // On a phone a click brings the explanation into view.
    const phone = await open('', 390);
    await phone.locator('[data-testid="grad-cell"][data-tensor="dx"]').last().click();
    const box = await phone.getByTestId('explanation').boundingBox();
    assert.ok(box !== null && box.y < 900 && box.y + box.height > 0, 'the explanation is on screen');
  });
});

test('the page for learners: dy as a grid and edited by hand, the chain-rule line, a finite-difference check, one SGD step, the selected cell in the URL', {
  skip: skipWithoutChromium,
  timeout: 120_000,
}, async () => {
  await onSite(async (open) => {
    // The selected cell is in the URL, and a link opens on it.
    let page = await open('');
    await page.locator('[data-testid="grad-cell"][data-tensor="dx"][data-index="0,0,1,2"]').click();
    assert.match(page.url(), /sel=x%3A0%2C0%2C1%2C2|sel=x:0,0,1,2/);
    page = await open('#sel=x:0,0,1,2');
    assert.equal(await page.locator('[data-testid="grad-cell"][aria-pressed="true"]').getAttribute('data-index'), '0,0,1,2');
    assert.match(
      (await page.getByTestId('chain-rule').textContent()) ?? '',
      /∂E\/∂x\[0,0,1,2\] = Σ_y ∂E\/∂y · ∂y\/∂x\[0,0,1,2\] = Σ dy · w/,
    );

    // A finite difference agrees with autograd; one SGD step lowers E.
    await page.getByTestId('fd-check').click();
    const fd = page.getByTestId('finite-difference');
    assert.match((await fd.textContent()) ?? '', /✓ autograd/);
    await page.getByTestId('sgd').click();
    const sgd = page.getByTestId('sgd-step');
    assert.ok(
      Number(await sgd.getAttribute('data-after')) < Number(await sgd.getAttribute('data-before')),
      (await sgd.textContent()) ?? '',
    );

    // dy: a grid (all 1/32 under the mean); edited, dx shows its structure and still equals autograd.
    page = await open('');
    const dyCells = page.locator('[data-view="dy"] .cell');
    assert.equal(await dyCells.count(), 32);
    assert.deepEqual(new Set(await dyCells.allTextContents()), new Set(['0.0312']));
    await page.getByTestId('edit-dy').check();
    await page.waitForFunction(() => document.querySelectorAll('[data-view="dy"] input').length === 32);
    const first = page.locator('[data-view="dy"] input').first();
    await first.fill('5');
    await first.press('Enter');
    await page.waitForFunction(() => location.hash.includes('dy=5'));
    assert.match((await page.getByTestId('summary').textContent()) ?? '', /Conv2d/);
    await page.locator('[data-testid="grad-cell"][data-tensor="dx"][data-index="0,0,0,0"]').click();
    assert.match((await page.getByTestId('autograd').textContent()) ?? '', /^✓ autograd/);
    assert.match((await page.getByTestId('equation').textContent()) ?? '', /·5/); // the edited dy is a factor
    await page.getByTestId('fd-check').click();
    assert.match((await page.getByTestId('finite-difference').textContent()) ?? '', /✓ autograd/);
  });
});

test('the page in 3-D says which depths a sum reads and which are hidden; every preset name fits its box at 1280 wide', {
  skip: skipWithoutChromium,
  timeout: 120_000,
}, async () => {
  await onSite(async (open) => {
    const page = await open('#dims=3&size=3x3x3&slice=1');
    await page.locator('[data-testid="grad-cell"][data-tensor="dw"][data-index="0,0,1,1,1"]').click();
    assert.match(
      (await page.getByTestId('depth-note').textContent()) ?? '',
      /^3-D: the grids show depth 1\. The 27 outputs this sum reads lie at depths 0, 1, 2; 9 of them in the slice shown \(the others are hidden/,
    );
    await page.locator('[data-testid="grad-cell"][data-tensor="dx"][data-index="0,0,1,0,0"]').click();
    await page.getByTestId('depth-slice').fill('0');
    await page.getByTestId('depth-slice').press('Enter');
    await page.waitForFunction(() => (document.querySelector('[data-testid="depth-note"]')?.textContent ?? '').includes('show depth 0'));
    assert.match((await page.getByTestId('depth-note').textContent()) ?? '', /The selected x\[0,0,1,0,0\] is at depth 1\./);
    // Preset names: the select is at least as wide as its longest option's text.
    const fits = await page.evaluate(() => {
      const select = document.getElementById('preset') as HTMLSelectElement;
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = getComputedStyle(select).font;
      const widest = Math.max(...[...select.options].map((o) => ctx.measureText(o.text).width));
      return { widest, width: select.clientWidth };
    });
    assert.ok(fits.width >= fits.widest + 16, `the preset box is ${fits.width}px; its longest name needs ${fits.widest.toFixed(0)}px`);
  });
});

test('the backward animation: dx as dy through the flipped kernel, dw as x correlated with dy, element by element', {
  skip: skipWithoutChromium,
  timeout: 120_000,
}, async () => {
  await onSite(async (open) => {
    const page = await open('');
    const e = explain({
      elements: [
        { kind: 'x', index: [0, 0, 0, 0] },
        { kind: 'w', index: [0, 0, 0, 0] },
      ],
    });
    await page.getByTestId('pass').selectOption('dx');
    await page.getByTestId('step').click();
    const info = async (): Promise<string> => (await page.locator('#step-info').textContent()) ?? '';
    assert.match(await info(), /^dx\[0,0,0,0\] = Σ dy · w over the dy cells it reached, through the kernel flipped/);
    // The default (1→2 channels, 3×3, padding 1): x[0,0,0,0] reaches 4 outputs in each of the 2 channels.
    assert.equal(await page.locator('[data-view="dy"] .cell.window').count(), e.input[0].terms.filter((t) => t.output !== null).length);
    assert.equal(await page.locator('[data-view="w"] .cell.window').count(), 8);
    await page.getByTestId('pass').selectOption('dw');
    await page.getByTestId('step').click();
    assert.match(await info(), /^dw\[0,0,0,0\] = Σ x̃ · dy: dy slid over x̃ at this kernel offset/);
    assert.equal(await page.locator('[data-view="dy"] .cell.window').count(), e.weight[0].terms.length);
    assert.equal(await page.locator('[data-view="xp"] .cell.window').count(), 16);
    await page.getByTestId('step').click();
    assert.match(await info(), /^dw\[0,0,0,1\]/);
  });
});
