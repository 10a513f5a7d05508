// The interactive page (web/, built to site/ by `npm run build:web`) in Debian's Chromium, headless:
// it loads without console errors, the seed's experiment 5 shows dw[0,0,0,0] = 1.6875 and explains
// it as 54/32, option changes update every number (equal to the library's autograd in Node), invalid
// settings show the library's error, the keyboard alone can explain a cell, an accessibility check
// passes, and 20 random configurations give the numbers explain() gives in Node. A screenshot is saved
// to build/web-page.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, serveFiles, skipWithoutChromium } from './browser.js';
import { elementEquation, explain, tensor, type Explanation } from '../src/index.js';
import { DEFAULT_STATE, explainConfig, presetState, toHash, type PageState } from '../web/state.js';
import { lcg, randInt } from './helpers.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const site = join(projectRoot, 'site');

/** The library's own numbers for a page state, in Node. */
function nodeExplain(s: PageState, elements: { kind: 'w' | 'b' | 'x'; index: number[] }[] = []): Explanation {
  return explain({ ...explainConfig(s, (values, shape) => tensor(values, { shape })), elements });
}

/** Every gradient cell the page shows: tensor → index → value. */
async function pageGradients(page: Page): Promise<Record<string, Record<string, number>>> {
  return page.evaluate(() => {
    const out: Record<string, Record<string, number>> = {};
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid="grad-cell"]')) {
      const tensor = el.dataset.tensor!;
      out[tensor] ??= {};
      out[tensor][el.dataset.index!] = Number(el.dataset.value);
    }
    return out;
  });
}

/** The page's dw, db, dx equal the library's (every element, at the depth slice shown for 3-D). */
function assertSameGradients(shown: Record<string, Record<string, number>>, e: Explanation, what: string): void {
  const pairs: [string, typeof e.dw | null][] = [
    ['dw', e.dw],
    ['db', e.db],
    ['dx', e.dx],
  ];
  for (const [name, t] of pairs) {
    if (t === null) {
      assert.equal(shown[name], undefined, `${what}: the page shows ${name}, the layer has none`);
      continue;
    }
    const cells = shown[name] ?? {};
    const entries = Object.entries(cells);
    const expectCount = e.config.dims === 3 && name !== 'db' ? t.numel / t.shape[2] : t.numel;
    assert.equal(entries.length, expectCount, `${what}: ${name} shows ${entries.length} cells, expected ${expectCount}`);
    for (const [index, v] of entries) {
      const at = index
        .split(',')
        .map(Number)
        .reduce((o, i, d) => o * t.shape[d] + i, 0);
      const expected = t.data[at];
      assert.ok(
        Math.abs(v - expected) <= 1e-6 * Math.max(1, Math.abs(expected)),
        `${what}: ${name}[${index}] = ${v} on the page, ${expected} in Node`,
      );
    }
  }
}

async function goto(page: Page, base: string, s: PageState): Promise<void> {
  await page.evaluate((hash) => {
    location.hash = hash === '' ? '#' : hash;
  }, toHash(s));
  // The page marks the state it last drew (body[data-rendered]): wait for this one's, not the last.
  await page.waitForFunction((hash) => document.body.dataset.rendered === hash, toHash(s));
  void base;
}

/** Relative luminance contrast of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string): number => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('the interactive page: seed 5, options, errors, keyboard, accessibility, 20 random configurations', {
  skip: skipWithoutChromium,
  timeout: 240_000,
}, async () => {
  assert.ok(existsSync(join(site, 'index.html')), 'site/ is missing: `npm run build:web` builds it (npm test does)');
  const server = await serveFiles(site);
  const base = server.base;
  const browser = await launchChromium();
  const problems: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(base);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000 });
    assert.match(
      (await page.getByTestId('backend').textContent()) ?? '',
      /Backend: WebAssembly SIMD.*2 threads/,
      'the page says which backend it uses (threads under COOP/COEP)',
    );

    // The preset "seed 5": dw[0,0,0,0] = 1.6875, and clicking it writes the 54/32 derivation.
    await page.getByTestId('preset').selectOption('seed5');
    const cell = page.locator('[data-testid="grad-cell"][data-tensor="dw"][data-index="0,0,0,0"]');
    assert.equal((await cell.textContent())?.trim(), '1.6875');
    await cell.click();
    const explanation = page.getByTestId('explanation');
    const text = (await explanation.textContent()) ?? '';
    assert.ok(
      text.includes('∂E/∂w[0,0,0,0] = (0 + 0 + 0 + 0 + 0 + 1 + 2 + 3 + 0 + 5 + 6 + 7 + 0 + 9 + 10 + 11) / 32 = 54 / 32 = 1.6875'),
      text,
    );
    assert.match(text, /✓ autograd \(backward\(\)\) computes 1\.6875/);
    // Its terms light up: the 16 padded-input cells it multiplied and the 16 outputs of channel 0.
    assert.equal(await page.locator('[data-view="xp"] .cell.term').count(), 16);
    assert.equal(await page.locator('[data-view="y"] .cell.term').count(), 16);
    assert.deepEqual(await pageGradients(page).then((g) => Object.keys(g).sort()), ['dw', 'dx']);
    assertSameGradients(await pageGradients(page), nodeExplain(presetState('seed5')), 'seed 5');
    mkdirSync(join(projectRoot, 'build'), { recursive: true });
    await page.screenshot({ path: join(projectRoot, 'build', 'web-page.png'), fullPage: true });

    // Stride, dilation, padding mode: every number changes to the library's autograd values.
    const before = await pageGradients(page);
    const changes: [string, string, Partial<PageState>][] = [
      ['stride', '2', { stride: '2' }],
      ['dilation', '2', { dilation: '2' }],
      ['padding-mode', 'reflect', { paddingMode: 'reflect' }],
    ];
    let s = presetState('seed5');
    for (const [id, value, change] of changes) {
      const control = page.getByTestId(id);
      if ((await control.evaluate((el) => el.tagName)) === 'SELECT') await control.selectOption(value);
      else await control.fill(value).then(() => control.dispatchEvent('change'));
      s = { ...s, ...change };
      await page.waitForFunction((hash) => location.hash === hash && document.body.dataset.rendered === hash, toHash(s));
      assertSameGradients(await pageGradients(page), nodeExplain(s), `after ${id} = ${value}`);
    }
    assert.notDeepEqual(await pageGradients(page), before);
    // The configuration lives in the URL: a reload shows the same numbers.
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    assertSameGradients(await pageGradients(page), nodeExplain(s), 'after a reload');

    // The sliding window: each step lights one output cell, the kernel's taps and the window they read.
    await page.getByTestId('preset').selectOption('seed5');
    await page.getByTestId('step').click();
    assert.equal(await page.locator('[data-view="y"] .cell.window').count(), 1);
    assert.equal(await page.locator('[data-view="w"] .cell.window').count(), 9);
    assert.equal(await page.locator('[data-view="xp"] .cell.window').count(), 9);
    await page.getByTestId('step').click();
    assert.equal(await page.locator('[data-view="y"] .cell.window[data-index="0,0,0,1"]').count(), 1, 'the second step is y[0,0,0,1]');
    await page.getByTestId('play').click();
    assert.equal(await page.getByTestId('play').getAttribute('aria-pressed'), 'true');
    await page.getByTestId('play').click();
    assert.equal(await page.getByTestId('play').getAttribute('aria-pressed'), 'false');

    // Editable input cells: a changed cell changes the gradients, as the library computes them.
    await page.getByTestId('input').selectOption('custom');
    const edit = page.locator('[data-view="x"] input.cell[data-index="0,0,1,1"]');
    await edit.fill('-7.5');
    await edit.dispatchEvent('change');
    const custom = {
      ...presetState('seed5'),
      input: 'custom' as const,
      cells: Array.from({ length: 16 }, (_, i) => (i === 5 ? -7.5 : i + 1)),
    }; // editing starts from the input shown
    await page.waitForFunction((hash) => location.hash === hash && document.body.dataset.rendered === hash, toHash(custom));
    assertSameGradients(await pageGradients(page), nodeExplain(custom), 'an edited input cell');

    // An invalid setting shows the library's error in place.
    await page.getByTestId('preset').selectOption('seed1');
    await page.getByTestId('kernel-size').fill('9');
    await page.getByTestId('kernel-size').dispatchEvent('change');
    const error = page.getByTestId('error');
    await error.waitFor({ state: 'visible' });
    let expected = '';
    try {
      nodeExplain({ ...presetState('seed1'), kernelSize: '9' });
    } catch (e) {
      expected = (e as Error).message;
    }
    assert.ok(expected.length > 0);
    assert.equal(await error.textContent(), expected);
    await page.getByTestId('groups').fill('2');
    await page.getByTestId('groups').dispatchEvent('change');
    assert.match((await error.textContent()) ?? '', /groups/);
    assert.ok(await page.getByTestId('preset').isVisible(), 'the controls stay');

    // Keyboard only: tab from the top of the page to a gradient cell, Enter explains it.
    await page.getByTestId('preset').selectOption('seed5');
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    let reached = '';
    for (let i = 0; i < 80 && reached === ''; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return a?.dataset.testid === 'grad-cell' ? `${a.dataset.tensor}:${a.dataset.index}` : '';
      });
    }
    assert.equal(reached, 'dw:0,0,0,0', 'Tab reaches the first gradient cell');
    // Inside a grid the arrow keys move (one tab stop per plane: Tab goes on to the next plane).
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    assert.match(
      (await explanation.textContent()) ?? '',
      /∂E\/∂w\[0,0,0,1\] = \(0 \+ 0 \+ 0 \+ 0 \+ 1 \+ 2 \+ 3 \+ 4 \+ 5 \+ 6 \+ 7 \+ 8 \+ 9 \+ 10 \+ 11 \+ 12\) \/ 32 = 78 \/ 32 = 2\.4375/,
    );

    // Accessibility: a language, a main landmark, a heading, a label for every control, a name and a
    // role for every cell, and text contrast of at least 4.5:1 on every cell and control.
    const a11y = await page.evaluate(() => {
      const issues: string[] = [];
      if (!document.documentElement.lang) issues.push('no lang');
      if (!document.querySelector('main')) issues.push('no main landmark');
      if (!document.querySelector('h1')) issues.push('no h1');
      for (const el of document.querySelectorAll<HTMLElement>('#controls input, #controls select')) {
        const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
        if (!label?.textContent?.trim() && !el.getAttribute('aria-label')) issues.push(`control ${el.id} has no label`);
      }
      for (const el of document.querySelectorAll<HTMLElement>('.cell')) {
        if (!el.getAttribute('aria-label')) issues.push(`cell ${el.dataset.key} has no name`);
        if (el.tagName !== 'BUTTON' && el.tagName !== 'INPUT' && !el.getAttribute('role'))
          issues.push(`cell ${el.dataset.key} has no role`);
      }
      const colours = [...document.querySelectorAll<HTMLElement>('.cell, #controls label, #error, .equation, h1, h2, h3, figcaption')].map(
        (el) => {
          const st = getComputedStyle(el);
          let bg = st.backgroundColor;
          for (let p = el.parentElement; p && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent'); p = p.parentElement)
            bg = getComputedStyle(p).backgroundColor;
          return { key: el.dataset.key ?? el.tagName, fg: st.color, bg: bg === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : bg };
        },
      );
      return { issues, colours };
    });
    assert.deepEqual(a11y.issues, []);
    for (const c of a11y.colours)
      assert.ok(contrast(c.fg, c.bg) >= 4.5, `${c.key}: contrast ${contrast(c.fg, c.bg).toFixed(2)} (${c.fg} on ${c.bg})`);

    // 20 random configurations, set through the URL: the page's numbers equal explain() in Node, and
    // one clicked cell's equation equals the library's.
    const next = lcg(2026);
    let checked = 0;
    for (let tries = 0; checked < 20 && tries < 200; tries++) {
      const dims = ([1, 2, 2, 2, 3] as const)[randInt(next, 0, 4)];
      const groups = randInt(next, 1, 2);
      const transposed = randInt(next, 0, 4) === 0;
      const size = Array.from({ length: dims }, () => randInt(next, dims === 3 ? 2 : 3, dims === 1 ? 9 : dims === 2 ? 6 : 4));
      const cfg: PageState = {
        ...DEFAULT_STATE,
        dims,
        inputSize: size.join('x'),
        batch: randInt(next, 1, 2),
        inChannels: groups * randInt(next, 1, 2),
        outChannels: groups * randInt(next, 1, 2),
        groups,
        kernelSize: String(randInt(next, 1, 3)),
        stride: String(randInt(next, 1, 2)),
        dilation: String(randInt(next, 1, 2)),
        padding: transposed ? String(randInt(next, 0, 1)) : (['0', '1', '2', 'same', 'valid'] as const)[randInt(next, 0, 4)],
        paddingMode: (['zeros', 'zeros', 'reflect', 'replicate', 'circular'] as const)[randInt(next, 0, 4)],
        bias: randInt(next, 0, 1) === 1,
        transposed,
        outputPadding: transposed ? String(randInt(next, 0, 1)) : '0',
        loss: randInt(next, 0, 1) === 1 ? 'sum' : 'mean',
        input: (['range', 'randn', 'ones'] as const)[randInt(next, 0, 2)],
        seed: randInt(next, 0, 99),
        slice: dims === 3 ? randInt(next, 0, 1) : 0,
      };
      let e: Explanation;
      try {
        e = nodeExplain(cfg);
      } catch {
        continue; // an invalid draw (e.g. the kernel larger than the padded input): draw again
      }
      await goto(page, base, cfg);
      assert.equal(await page.getByTestId('error').isVisible(), false, `no error for ${toHash(cfg)}`);
      assertSameGradients(await pageGradients(page), e, toHash(cfg));
      const cells = page.locator('[data-testid="grad-cell"]');
      const pick = randInt(next, 0, (await cells.count()) - 1);
      const target = cells.nth(pick);
      const tensorName = (await target.getAttribute('data-tensor'))!;
      const index = (await target.getAttribute('data-index'))!.split(',').map(Number);
      await target.click();
      const kind = tensorName === 'dw' ? 'w' : tensorName === 'db' ? 'b' : 'x';
      const one = nodeExplain(cfg, [{ kind, index }]);
      assert.equal(
        await page.getByTestId('equation').textContent(),
        elementEquation(one, { kind, index }),
        `${toHash(cfg)}: ${tensorName}[${index}]`,
      );
      checked++;
    }
    assert.equal(checked, 20);
    assert.deepEqual(problems, [], 'no console errors');
  } finally {
    await browser.close();
    server.close();
  }
});
