// `convgrad train` and `convgrad predict`: a short run with --json, the weights it saves evaluated by
// predict, the terminal progress bar, Ctrl-C (stop, save, exit 130), and bad flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrain } from '../src/cli/train.js';
import { loadTrained, runPredict } from '../src/cli/predict.js';
import { FASHION_MNIST_CLASSES, renderConfusion } from '../src/cli/data.js';
import type { CliIO } from '../src/cli/common.js';
import { runExplain } from '../src/cli/explain.js';
import { F, load, save, tensor, type nn } from '../src/index.js';

const main = new URL('../src/cli/main.js', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'convgrad-train-'));

test('convgrad train --json: a short run on the digits, then convgrad predict on the weights it saved', () => {
  const out = join(dir, 'digits.safetensors');
  const r = cli('train', '--epochs', '3', '--json', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1]) as {
    testAccuracy: number;
    testLoss: number;
    epochs: number;
    seconds: number;
    imagesPerSecond: number;
    history: { epoch: number; testAccuracy: number }[];
  };
  assert.equal(lines.length, 1, 'without a terminal, --json prints only the summary');
  assert.equal(summary.epochs, 3);
  assert.equal(summary.history.length, 3);
  assert.ok(summary.testAccuracy > 0.8 && summary.testAccuracy <= 1, String(summary.testAccuracy));
  assert.ok(summary.seconds > 0 && summary.imagesPerSecond > 0 && summary.testLoss > 0);
  assert.deepEqual(load(out).metadata, { model: 'lenet', dataset: 'digits', height: '8', width: '8', epochs: '3' });
  const p = cli('predict', out, '--json');
  assert.equal(p.status, 0, p.stderr);
  const predicted = JSON.parse(p.stdout) as { testAccuracy: number; confusion: number[][] };
  assert.equal(predicted.testAccuracy, summary.testAccuracy);
  assert.equal(
    predicted.confusion.flat().reduce((a, b) => a + b, 0),
    360,
  );
  const text = cli('predict', out);
  assert.match(text.stdout, /lenet on digits: test accuracy \d+\.\d\d%/);
  assert.match(text.stdout, /confusion matrix \(rows: true class, columns: predicted\)/);
});

test('convgrad train with its defaults reaches ≥ 97 % test accuracy on the digits', () => {
  const r = cli('train', '--json');
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { testAccuracy: number; epochs: number };
  assert.equal(summary.epochs, 20);
  assert.ok(summary.testAccuracy >= 0.97, `test accuracy ${summary.testAccuracy}`);
});

test('without a terminal: one plain line per epoch and the confusion matrix; on a terminal: a live progress bar', async () => {
  const plain = cli('train', '--epochs', '2', '--model', 'mlp');
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(
    plain.stdout,
    /^epoch 1\/2 {2}train loss \d\.\d{4} {2}acc \d+\.\d\d% {2}test loss \d\.\d{4} {2}acc \d+\.\d\d% {2}\d+ img\/s/m,
  );
  assert.ok(!plain.stdout.includes('\r'), 'no carriage returns without a terminal');
  assert.match(plain.stdout, /confusion matrix/);
  let written = '';
  let t = 0;
  const io: CliIO = { out: (s) => (written += s), isTTY: true, stopRequested: () => false, now: () => (t += 50) };
  assert.equal(await runTrain(['--epochs', '1', '--model', 'mlp'], io), 0);
  assert.match(written, /\repoch 1\/1 \[=*> *\] \d+\/45 {2}loss \d\.\d{4} {2}acc \d+\.\d% {2}\d+ img\/s {2}ETA \d+s/);
  assert.match(written, /\repoch 1\/1 \[=+>\] 45\/45/);
});

test('a stop request (Ctrl-C) ends the run cleanly after saving the weights, with exit code 130', async () => {
  const out = join(dir, 'stopped.safetensors');
  let batches = 0;
  let written = '';
  const io: CliIO = { out: (s) => (written += s), isTTY: false, stopRequested: () => ++batches > 5, now: () => performance.now() };
  assert.equal(await runTrain(['--epochs', '3', '--out', out, '--json'], io), 130);
  assert.ok(existsSync(out));
  const summary = JSON.parse(written.trim().split('\n').pop()!) as { stopped: boolean; epochs: number };
  assert.equal(summary.stopped, true);
  assert.equal(summary.epochs, 0);
});

test('a real SIGINT stops the command, which saves what was asked and exits with 130', async () => {
  const out = join(dir, 'sigint.safetensors');
  const child = spawn(process.execPath, [main, 'train', '--epochs', '200', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let sent = false;
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // Once: a second Ctrl-C exits at once, without saving.
      if (!sent && stdout.includes('epoch 1/200')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', resolve);
  });
  assert.equal(code, 130, stdout);
  assert.match(stdout, /stopped in epoch \d+ after \d+ of \d+ batches/);
  assert.ok(existsSync(out), 'weights saved');
});

test('bad flags are refused with exit code 2 and a message naming the flag and value', () => {
  for (const [args, message] of [
    [['--epochs', '0'], /convgrad train: --epochs "0" is invalid; expected an integer from 1 to 10000/],
    [['--dataset', 'cifar'], /convgrad train: --dataset "cifar" is invalid; expected one of digits, fashion-mnist/],
    [['--lr', '-1'], /convgrad train: --lr "-1" is invalid; expected a positive number/],
    [
      ['--seed', '99999999999999999999'],
      /convgrad train: --seed "99999999999999999999" is invalid; expected a non-negative integer below 2\^53/,
    ],
    [['--optimiser', 'sgd'], /convgrad train: unknown option --optimiser/],
    [['--json=false'], /convgrad train: --json takes no value \(got "--json=false"\); leave it out to turn it off/],
    [['--data', '/nowhere', '--dataset', 'fashion-mnist'], /datasets.idx: \/nowhere\/train-images-idx3-ubyte\(\.gz\) is missing/],
  ] as [string[], RegExp][]) {
    const r = cli('train', ...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
  const p = cli('predict', join(dir, 'missing.safetensors'));
  assert.equal(p.status, 2);
  assert.match(p.stderr, /load: cannot read .*missing.safetensors/);
});

test('a diverging run stops at the first non-finite loss, naming the epoch and batch, and saves nothing (issue 20, item 5)', async () => {
  const out = join(dir, 'diverged.safetensors');
  const io: CliIO = { out: () => undefined, isTTY: false, stopRequested: () => false, now: () => performance.now() };
  await assert.rejects(
    runTrain(['--epochs', '1', '--lr', '10', '--optimizer', 'sgd', '--out', out], io),
    /convgrad train: the loss is NaN at epoch 1, batch \d+ of 45: training diverged \(try a smaller --lr; --continue-on-nan keeps going\); the weights were not saved/,
  );
  assert.ok(!existsSync(out), 'no weights written');
  // With --continue-on-nan the run goes on as before (and ends with exit code 0).
  assert.equal(await runTrain(['--epochs', '1', '--lr', '10', '--optimizer', 'sgd', '--continue-on-nan'], io), 0);
  const cli = spawnSync(process.execPath, [main, 'train', '--epochs', '1', '--lr', '10', '--optimizer', 'sgd'], { encoding: 'utf8' });
  assert.equal(cli.status, 2);
  assert.match(cli.stderr, /training diverged/);
});

test('Ctrl-C stops after the current batch whatever the batch size (issue 20, item 1)', async () => {
  // One batch per epoch: the stop used to be checked every 4 batches of an epoch, so never.
  const out = join(dir, 'one-batch.safetensors');
  const child = spawn(process.execPath, [main, 'train', '--batch-size', '1437', '--epochs', '100', '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let sent = false;
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && /epoch 1\//.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', resolve);
  });
  assert.equal(code, 130, stdout);
  assert.match(stdout, /stopped (in epoch \d+ after 1 of 1 batches|while evaluating epoch \d+)/);
  assert.ok(!/epoch 100\/100/.test(stdout), 'not every epoch ran');
  assert.ok(existsSync(out), 'the first Ctrl-C still saves');
});

test('a second Ctrl-C exits at once, during the final evaluation, without saving (issue 20, item 1)', {
  skip: !existsSync('/usr/share/datasets/fashion-mnist') && "needs Debian's dataset-fashion-mnist",
}, async () => {
  // Fashion-MNIST: the final evaluation of 10,000 images takes long enough to be interrupted.
  const out = join(dir, 'twice.safetensors');
  const child = spawn(process.execPath, [main, 'train', '--dataset', 'fashion-mnist', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.once('data', (d: Buffer) => {
      stdout += d.toString();
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGINT'), 150);
    });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', resolve);
  });
  assert.equal(code, 130);
  assert.ok(!stdout.includes('saved the weights'), stdout);
  assert.ok(!existsSync(out), 'nothing saved');
});

test('convgrad predict stops at a Ctrl-C between batches with exit code 130 (issue 20, item 1)', async () => {
  const out = join(dir, 'for-predict.safetensors');
  assert.equal(cli('train', '--epochs', '1', '--out', out).status, 0);
  let written = '';
  const io: CliIO = { out: (s) => (written += s), isTTY: false, stopRequested: () => true, now: () => performance.now() };
  assert.equal(await runPredict([out], io), 130);
  assert.equal(written, '');
});

test('--out is checked before training; saving is atomic, with a file-size limit or a killed writer (issue 20, item 2)', async () => {
  for (const [out, message] of [
    ['/proc/x.safetensors', /convgrad train: --out: cannot write \/proc\/x\.safetensors: /],
    [dir, /convgrad train: --out: .* is a directory; expected a file path/],
    ['', /convgrad train: --out: file="" must be a path/],
    [join(dir, 'no-such-dir', 'w.safetensors'), /convgrad train: --out: cannot write .*no-such-dir\/w\.safetensors: ENOENT/],
  ] as const) {
    const r = cli('train', '--dataset', 'fashion-mnist', '--out', out);
    assert.equal(r.status, 2, out);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing trained');
  }
  // A good file, then a write of 400 kB under a 100 kB file-size limit: the error names the file, the good one stays.
  const good = join(dir, 'good.safetensors');
  save({ a: tensor([1, 2, 3]) }, good);
  const index = new URL('../src/index.js', import.meta.url).pathname;
  const script = `import(${JSON.stringify(index)}).then((c) => c.save({ big: c.zeros([100000]) }, ${JSON.stringify(good)}))`;
  const limited = spawnSync('bash', ['-c', `ulimit -f 100; exec "${process.execPath}" -e '${script}'`], { encoding: 'utf8' });
  assert.notEqual(limited.status, 0);
  assert.match(limited.stderr, /save: cannot write .*good\.safetensors: .*\(any earlier .*good\.safetensors is unchanged\)/);
  assert.deepEqual(Array.from(load(good).tensors.a.data), [1, 2, 3]);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
  // A writer killed while it writes 160 MB: the file is the old one or the whole new one, never a part.
  const big = `import(${JSON.stringify(index)}).then((c) => { process.stdout.write('go\\n'); c.save({ big: c.zeros([40000000]) }, ${JSON.stringify(good)}); })`;
  const child = spawn(process.execPath, ['-e', big], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  const after = load(good).tensors;
  assert.ok('a' in after ? Array.from(after.a.data).join() === '1,2,3' : after.big.numel === 40000000, 'old or complete');
});

test('a closed stdout (… | head -1) stops the run, saves the weights and ends quietly with 141 (issue 20, item 3)', async () => {
  const out = join(dir, 'piped.safetensors');
  const child = spawn(process.execPath, [main, 'train', '--epochs', '50', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 141);
  assert.equal(stderr, '', 'no error printed');
  assert.ok(load(out).tensors['0.weight'] !== undefined, 'weights saved');
});

test('an empty training or test set is refused, naming the data, for train and predict (issue 20, item 8)', () => {
  const idx = (n: number, images: boolean): Buffer => {
    const head = images ? [0, 0, 8, 3, 0, 0, 0, n, 0, 0, 0, 2, 0, 0, 0, 2] : [0, 0, 8, 1, 0, 0, 0, n];
    return Buffer.concat([Buffer.from(head), Buffer.alloc(images ? n * 4 : n)]);
  };
  const write = (sub: string, train: number, testCount: number): string => {
    const d = join(dir, sub);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'train-images-idx3-ubyte'), idx(train, true));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), idx(train, false));
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), idx(testCount, true));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), idx(testCount, false));
    return d;
  };
  const noTrain = write('empty-train', 0, 2);
  let r = cli('train', '--dataset', 'fashion-mnist', '--data', noTrain, '--model', 'mlp');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /convgrad train: the training set of .*empty-train has no images; expected at least one/);
  const noTest = write('empty-test', 2, 0);
  r = cli('train', '--dataset', 'fashion-mnist', '--data', noTest, '--model', 'mlp');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /convgrad train: the test set of .*empty-test has no images/);
  const weights = join(dir, 'any.safetensors');
  save({ a: tensor([1]) }, weights);
  r = cli('predict', weights, '--dataset', 'fashion-mnist', '--data', noTest);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /convgrad predict: the test set of .*empty-test has no images/);
  // A path that is a directory names the file.
  const asDir = join(dir, 'dir-as-file');
  mkdirSync(join(asDir, 'train-images-idx3-ubyte'), { recursive: true });
  r = cli('train', '--dataset', 'fashion-mnist', '--data', asDir);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot read .*dir-as-file\/train-images-idx3-ubyte: EISDIR/);
});

test('train --help, -h, predict --help and --version print and exit 0; the Fashion-MNIST confusion matrix names its classes (issue 21, item 5)', () => {
  for (const args of [
    ['train', '--help'],
    ['train', '-h'],
    ['train', '--epochs', '3', '--help'],
  ]) {
    const r = cli(...args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /^usage: convgrad train \[options\]/);
  }
  const p = cli('predict', '--help');
  assert.equal(p.status, 0);
  assert.match(p.stdout, /^usage: convgrad predict FILE\.safetensors/);
  for (const flag of ['--version', 'version', '-v']) {
    const v = cli(flag);
    assert.equal(v.status, 0);
    assert.equal(
      v.stdout,
      `convgrad ${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}\n`,
    );
  }
  const m = [
    [5, 1],
    [2, 7],
  ];
  assert.equal(
    renderConfusion(m, ['T-shirt/top', 'Trouser']),
    'confusion matrix (rows: true class, columns: predicted)\n                    0   1\n   0 T-shirt/top    5   1\n   1 Trouser        2   7\n',
  );
  assert.equal(FASHION_MNIST_CLASSES.length, 10);
});

test("--checkpoint and --resume: a run stopped anywhere (mid-epoch, after an epoch's last batch, while evaluating) and resumed ends with the weights of the run that never stopped, bit for bit", async () => {
  const quiet = (stopAt = Number.POSITIVE_INFINITY): { io: CliIO; text: () => string } => {
    let calls = 0;
    let written = '';
    return {
      io: { out: (s) => (written += s), isTTY: false, stopRequested: () => ++calls >= stopAt, now: () => performance.now() },
      text: () => written,
    };
  };
  const run = ['--epochs', '3', '--batch-size', '256', '--optimizer', 'sgd', '--seed', '4'];
  const straightOut = join(dir, 'straight.safetensors');
  const straight = quiet();
  assert.equal(await runTrain([...run, '--out', straightOut, '--json'], straight.io), 0);
  const expected = load(straightOut).tensors;
  const expectedHistory = (JSON.parse(straight.text().trim()) as { history: { trainLoss: number; testAccuracy: number }[] }).history;
  // 6 batches per epoch, then one evaluation batch: stop requests are counted after each.
  for (const [stopAt, said] of [
    [3, /stopped in epoch 1 after 3 of 6 batches/],
    [6, /stopped in epoch 1 after 6 of 6 batches/],
    [7, /stopped while evaluating epoch 1/],
    [16, /stopped in epoch 3 after 2 of 6 batches/],
  ] as const) {
    const ckpt = join(dir, `ckpt-${stopAt}.safetensors`);
    const first = quiet(stopAt);
    assert.equal(await runTrain([...run, '--checkpoint', ckpt], first.io), 130);
    assert.match(first.text(), said);
    assert.match(first.text(), new RegExp(`continue with convgrad train --resume ${ckpt.replace(/[.]/g, '\\.')}`));
    // Resumed twice for one case: stopped again one batch into the resumed run.
    if (stopAt === 3) {
      const again = quiet(2);
      assert.equal(await runTrain(['--resume', ckpt], again.io), 130);
      assert.match(again.text(), /resuming .* at epoch 1, batch 3 of 6\n.*stopped in epoch 1 after 5 of 6 batches/s);
    }
    const out = join(dir, `resumed-${stopAt}.safetensors`);
    const resumed = quiet();
    assert.equal(await runTrain(['--resume', ckpt, '--out', out, '--json'], resumed.io), 0);
    const got = load(out).tensors;
    for (const [k, t] of Object.entries(expected)) assert.deepEqual([...got[k].data], [...t.data], `stop at ${stopAt}: ${k}`);
    const history = (JSON.parse(resumed.text().trim()) as { history: { trainLoss: number; testAccuracy: number }[] }).history;
    assert.deepEqual(
      history.map((h) => [h.trainLoss, h.testAccuracy]),
      expectedHistory.map((h) => [h.trainLoss, h.testAccuracy]),
      `stop at ${stopAt}: the epochs' losses and accuracies`,
    );
    // predict reads a checkpoint as it reads weights.
    const p = quiet();
    assert.equal(await runPredict([ckpt, '--json'], p.io), 0);
  }
  const ckpt = join(dir, 'ckpt-3.safetensors');
  const done = quiet();
  assert.equal(await runTrain(['--resume', ckpt], done.io), 0);
  assert.match(done.text(), /holds a finished run \(3 epochs\); nothing to resume/);
  await assert.rejects(
    runTrain(['--resume', ckpt, '--epochs', '5'], quiet().io),
    /convgrad train: --epochs cannot be given with --resume: a resumed run keeps the options it started with/,
  );
  await assert.rejects(
    runTrain(['--resume', straightOut], quiet().io),
    /convgrad train: --resume .*straight\.safetensors: not a checkpoint of convgrad train \(made with --checkpoint\)/,
  );
});

test('convgrad explain --weights: an element of a trained conv layer on a batch of test images equals the gradient autograd gives that batch', async () => {
  const weights = join(dir, 'for-explain.safetensors');
  assert.equal(
    await runTrain(['--epochs', '1', '--out', weights], { out: () => {}, isTTY: false, stopRequested: () => false, now: () => 0 }),
    0,
  );
  let written = '';
  const io = { out: (s: string) => (written += s), isTTY: false, env: {} };
  assert.equal(await runExplain(['--weights', weights, '--layer', '3', '--images', '8:24', '--element', 'w:2,1,0,2', '--json'], io), 0);
  const doc = JSON.parse(written) as {
    layer: string;
    images: number[];
    lossValue: number;
    weight: { index: number[]; value: number; autograd: number; terms: { x: number; dy: number }[] }[];
  };
  assert.equal(doc.layer, '3');
  assert.deepEqual(doc.images, [8, 24]);
  // By hand: the same model, weights and 16 images; cross-entropy; backward; conv2's weight gradient.
  const { model, test: testSet } = await loadTrained('test', weights);
  model.eval();
  const loss = F.crossEntropy(model.forward(testSet.images.slice(0, 8, 24)), testSet.labels.slice(0, 8, 24));
  loss.backward();
  const conv2 = model.children()[3] as nn.Conv2d;
  const want = conv2.weight.grad!.get(2, 1, 0, 2);
  const size = doc.weight[0].terms.reduce((s, t) => s + Math.abs(t.x * t.dy), 0);
  assert.equal(doc.weight[0].terms.length, 16 * 4 * 4); // one product per output position of the batch
  assert.ok(Math.abs(doc.weight[0].value - want) <= 1e-6 * size, `${doc.weight[0].value} vs ${want}`);
  assert.ok(Math.abs(doc.lossValue - loss.item()) <= 1e-6, `${doc.lossValue} vs ${loss.item()}`);
  // Text: the summary line and the summarized equation of the element.
  written = '';
  assert.equal(await runExplain(['--weights', weights, '--layer', '0', '--element', 'b:3'], io), 0);
  assert.match(
    written,
    /^layer "0" of lenet \(.*for-explain\.safetensors\), digits test images 0:32: cross-entropy \d\.\d{6}, \d+ of 32 right/,
  );
  assert.match(written, /… and \d+ more terms summing to/);
  await assert.rejects(
    runExplain(['--weights', weights, '--layer', '1'], io),
    /explainLayer: layer="1" is a ReLU, not a convolution; the model's conv layers are "0", "3"/,
  );
  await assert.rejects(
    runExplain(['--weights', weights, '--layer', '3', '--kernel-size', '3'], io),
    /--kernel-size cannot be used with --weights; with --weights the configuration comes from the layer/,
  );
  await assert.rejects(
    runExplain(['--weights', weights, '--layer', '3', '--images', '300:400'], io),
    /--images "300:400" is invalid; expected A:B with 0 ≤ A < B ≤ 360/,
  );
  await assert.rejects(runExplain(['--weights', weights], io), /--weights needs --layer NAME/);
});

test('convgrad train --data DIR trains on an image folder (classes from its subfolders, --image-size), and predict reads it back', async () => {
  const { PNG } = (await import('pngjs' as string)) as {
    PNG: { sync: { write(p: { width: number; height: number; data: Buffer }): Buffer } };
  };
  const root = mkdtempSync(join(tmpdir(), 'convgrad-folder-'));
  // Two classes anyone can tell apart: bright on the left, bright on the right (10×12 RGB, noisy).
  let state = 7;
  const noise = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % 40;
  };
  for (const [cls, left] of [
    ['left', true],
    ['right', false],
  ] as const) {
    mkdirSync(join(root, cls));
    for (let k = 0; k < 12; k++) {
      const data = Buffer.alloc(10 * 12 * 4);
      for (let y = 0; y < 10; y++)
        for (let x = 0; x < 12; x++) {
          const bright = x < 6 === left ? 200 : 30;
          for (let c = 0; c < 3; c++) data[(y * 12 + x) * 4 + c] = bright + noise();
          data[(y * 12 + x) * 4 + 3] = 255;
        }
      writeFileSync(join(root, cls, `${k}.png`), PNG.sync.write({ width: 12, height: 10, data }));
    }
  }
  const out = join(dir, 'folder.safetensors');
  let written = '';
  const io: CliIO = { out: (s) => (written += s), isTTY: false, stopRequested: () => false, now: () => performance.now() };
  assert.equal(await runTrain(['--data', root, '--image-size', '8', '--epochs', '8', '--batch-size', '4', '--json', '--out', out], io), 0);
  const summary = JSON.parse(written.trim()) as { testAccuracy: number; epochs: number };
  assert.equal(summary.epochs, 8);
  assert.ok(summary.testAccuracy >= 0.8, `test accuracy ${summary.testAccuracy}`);
  const meta = load(out).metadata;
  assert.equal(meta.dataset, 'folder');
  assert.deepEqual(JSON.parse(meta.classes), ['left', 'right']);
  assert.equal(meta.channels, '3');
  written = '';
  assert.equal(await runPredict([out], io), 0);
  assert.match(written, /^lenet on folder: test accuracy [\d.]+%/);
  assert.match(written, /0 left /);
  await assert.rejects(
    runTrain(['--data', root, '--epochs', '1', '--dataset', 'folder', '--image-size', '0'], io),
    /--image-size "0" is invalid/,
  );
  await assert.rejects(runTrain(['--dataset', 'folder'], io), /--dataset folder needs --data DIR/);
});
