// Image folders (issue 22, item 1): a folder of PNG (gray, RGB, RGBA, palette) and JPEG (RGB, gray) files in
// three classes loads with torchvision's ImageFolder's classes, sample order, labels and ToTensor pixels
// (test/fixtures/image_folder_cases.json and test/fixtures/images, made with PIL by scripts/training_fixtures.py).
// PNG pixels are exact; JPEG decoders may differ by a level or two (jpeg-js here, libjpeg in PIL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataLoader, datasets, transforms } from '../src/index.js';
import { fixture } from './helpers.js';

interface Fixture {
  classes: string[];
  classToIdx: Record<string, number>;
  samples: { path: string; label: number; shape: number[]; data: number[] }[];
  grayscale: number[][];
}
const fx = fixture<Fixture>('image_folder_cases.json');
const folder = fileURLToPath(new URL('../../test/fixtures/images', import.meta.url));

test("imageFolder reads torchvision's classes, order, labels and pixels (RGB as its loader converts; grayscale as PIL's 'L')", async () => {
  const ds = await datasets.imageFolder(folder);
  assert.deepEqual(ds.classes, fx.classes);
  assert.deepEqual(ds.classToIdx, fx.classToIdx);
  assert.deepEqual(
    ds.samples.map(([p, l]) => [p, l]),
    fx.samples.map((s) => [s.path, s.label]),
  );
  assert.deepEqual(
    [...ds.labels.data],
    fx.samples.map((s) => s.label),
  );
  assert.deepEqual(ds.images.shape, [fx.samples.length, 3, 5, 6]);
  const plane = 3 * 5 * 6;
  fx.samples.forEach((s, i) => {
    const jpeg = /\.jpe?g$/.test(s.path);
    let worst = 0;
    s.data.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(ds.images.data[i * plane + k] - v));
    });
    // PNG: exact. JPEG: within 3 levels of 255 (the IDCT and chroma upsampling differ between decoders).
    assert.ok(jpeg ? worst <= 3 / 255 + 1e-7 : worst === 0, `${s.path}: largest difference ${worst * 255} levels`);
  });
  const gray = await datasets.imageFolder(folder, { mode: 'L' });
  assert.deepEqual(gray.images.shape, [fx.samples.length, 1, 5, 6]);
  fx.grayscale.forEach((want, i) => {
    const jpeg = /\.jpe?g$/.test(fx.samples[i].path);
    want.forEach((v, k) =>
      assert.ok(Math.abs(gray.images.data[i * 30 + k] - v) <= (jpeg ? 3 / 255 + 1e-7 : 0), `${fx.samples[i].path}[${k}]`),
    );
  });
});

test('imageFolder with a transform, through a DataLoader; clear errors for what it cannot read', async () => {
  const ds = await datasets.imageFolder(folder, { transform: new transforms.Resize([8, 8]) });
  assert.deepEqual(ds.images.shape, [fx.samples.length, 3, 8, 8]);
  const [x, y] = [...new DataLoader(ds, { batchSize: 4 })][0];
  assert.deepEqual(x.shape, [4, 3, 8, 8]);
  assert.deepEqual(
    [...y.data],
    fx.samples.slice(0, 4).map((s) => s.label),
  );

  const dir = mkdtempSync(join(tmpdir(), 'convgrad-images-'));
  await assert.rejects(datasets.imageFolder(join(dir, 'missing')), /imageFolder: cannot read .*missing: ENOENT/);
  await assert.rejects(datasets.imageFolder(dir), /imageFolder: .* has no subfolders; expected one per class/);
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'broken.png'), 'not a png');
  await assert.rejects(datasets.imageFolder(dir), /imageFolder: cannot decode a\/broken\.png: /);
  const mixed = mkdtempSync(join(tmpdir(), 'convgrad-images-'));
  mkdirSync(join(mixed, 'one'));
  cpSync(join(folder, 'dog', 'b.png'), join(mixed, 'one', 'b.png'));
  cpSync(join(folder, 'cat', 'x.png'), join(mixed, 'one', 'c.png'));
  const fine = await datasets.imageFolder(mixed);
  assert.equal(fine.length, 2);
  await assert.rejects(datasets.imageFolder(folder, { mode: 'CMYK' as never }), /imageFolder: mode="CMYK" must be 'RGB' or 'L'/);
});
