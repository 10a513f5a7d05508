// The explainer's SVG renders in Chromium: a screenshot is taken and the highlighted cells are
// found in the rendered pixels. CI installs Debian's chromium (.ci/run); elsewhere the test is
// skipped when no Chromium is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, skipWithoutChromium } from './browser.js';
import { explain } from '../src/index.js';
import { renderSvg } from '../src/explain/render_svg.js';

test('the SVG renders in Chromium with the term cells highlighted', { skip: skipWithoutChromium }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convgrad-chromium-'));
  const svgFile = join(dir, 'explain.svg');
  writeFileSync(svgFile, renderSvg(explain(), { kind: 'w', index: [0, 0, 0, 0] }));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    await page.goto(pathToFileURL(svgFile).href);
    assert.equal(await page.evaluate(() => document.documentElement.tagName), 'svg', 'Chromium parsed the file as SVG');
    // Screenshots are taken of an HTML page showing the SVG as an image, as a browser user sees it.
    const html = join(dir, 'index.html');
    writeFileSync(html, '<!doctype html><body style="margin:0"><img id="svg" src="explain.svg"></body>');
    await page.goto(pathToFileURL(html).href);
    await page.waitForFunction(() => (document.getElementById('svg') as HTMLImageElement).complete);
    const png = join(dir, 'explain.png');
    const shot = await page.locator('#svg').screenshot({ path: png });
    assert.ok(statSync(png).size > 5000, 'a real screenshot');
    // Count the highlight colour (#ffb300) in the screenshot's pixels.
    const orange = await page.evaluate(
      async (url) => {
        const img = new Image();
        img.src = url;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] === 255 && data[i + 1] === 179 && data[i + 2] === 0) n++;
        return n;
      },
      `data:image/png;base64,${shot.toString('base64')}`,
    );
    // 17 highlighted cells of 32×32 pixels each, less the text drawn on them.
    assert.ok(orange > 17 * 32 * 32 * 0.8, `highlighted pixels: ${orange}`);
  } finally {
    await browser.close();
  }
});
