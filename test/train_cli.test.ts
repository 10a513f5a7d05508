// `convgrad train` and `convgrad predict`: a short run with --json, the weights it saves evaluated by
// predict, the terminal progress bar, Ctrl-C (stop, save, exit 130), and bad flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrain, type CliIO } from '../src/cli/train.js';
import { load } from '../src/index.js';

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
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('epoch 1/200')) child.kill('SIGINT');
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
