// `convgrad train` and `convgrad predict`: flags → a training run (or an evaluation) with progress on a
// terminal, plain lines elsewhere, a JSON summary with --json, and weights in safetensors.
import type { Tensor } from '../tensor/tensor.js';
import { manualSeed, Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/mode.js';
import { crossEntropy } from '../ops/index.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataLoader, randomSplit, type TensorDataset } from '../data/dataset.js';
import { imageFolder } from '../data/image_folder.js';
import { Resize } from '../data/transforms.js';
import { digits } from '../data/digits.js';
import { fashionMnist } from '../data/idx.js';
import { SGD } from '../optim/sgd.js';
import { Adam, AdamW } from '../optim/adam.js';
import { checkWritable, load, save } from '../io/safetensors.js';
import { CosineAnnealingLR } from '../optim/lr_scheduler.js';
import { loadCheckpoint, saveCheckpoint, type JsonValue } from '../io/checkpoint.js';
import { setNumThreads, getNumThreads, threadsReady } from '../kernels/wasm/runtime.js';
import type { Sequential } from '../nn/container.js';
import { buildModel, MODELS, type ModelName } from './models.js';

export const TRAIN_USAGE = `usage: convgrad train [options]

Trains a CNN and reports the test accuracy after each epoch. Defaults: the built-in digits (8×8),
lenet, Adam with a cosine-annealed learning rate; digits: 20 epochs, batch 32, lr 0.005; fashion-mnist: 5 epochs, batch 64, lr 0.003.

  --dataset digits|fashion-mnist|folder   (digits; --data decides when given alone)
  --data DIR               MNIST-format files (fashion-mnist: /usr/share/datasets/fashion-mnist), or an image
                           folder: one subfolder per class (DIR/train and DIR/test when present)
  --image-size N           resize a folder's images to N×N (else they must share one size)
  --model lenet|mlp        (lenet)
  --epochs N  --batch-size B  --lr LR
  --optimizer sgd|adam|adamw (adam; sgd uses momentum 0.9)
  --seed S                 weights and shuffles as after torch.manual_seed(S) (0)
  --threads T              wasm threads (all cores)
  --out FILE.safetensors   save the trained weights (also on Ctrl-C)
  --checkpoint FILE        save the whole training state after every epoch and on Ctrl-C
  --resume FILE            continue a run from its checkpoint, ending as if it had never stopped
                           (its options come from the checkpoint; it keeps saving to FILE)
  --json                   end with one JSON line: testAccuracy, testLoss, epochs, seconds, imagesPerSecond, history
  --continue-on-nan        keep training past a non-finite loss (by default the run stops there: exit 2)

usage: convgrad predict FILE.safetensors [--dataset digits|fashion-mnist] [--data DIR] [--model lenet|mlp] [--json]

Evaluates saved weights on the test set: accuracy and confusion matrix.`;

type DatasetName = 'digits' | 'fashion-mnist' | 'folder';
const DATASETS = ['digits', 'fashion-mnist', 'folder'] as const;
type OptimizerName = 'sgd' | 'adam' | 'adamw';

export interface TrainOptions {
  dataset: DatasetName;
  data: string | null;
  model: ModelName;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  seed: number;
  threads: number | null;
  out: string | null;
  json: boolean;
  /** Keep training past a non-finite loss (by default the run stops there, naming the epoch and batch). */
  continueOnNan: boolean;
  /** Where the training state goes after every epoch and on a stop (null: nowhere). */
  checkpoint: string | null;
  /** A checkpoint to continue from. */
  resume: string | null;
  /** An image folder's images are resized to this square size (null: they must share one). */
  imageSize: number | null;
}

/** The options that define a run: a resumed run takes them from its checkpoint. */
const RUN_OPTIONS = ['dataset', 'data', 'model', 'epochs', 'batchSize', 'lr', 'optimizer', 'seed', 'continueOnNan', 'imageSize'] as const;
type RunOptions = Pick<TrainOptions, (typeof RUN_OPTIONS)[number]>;
/** The flags a resumed run may still take (the rest are the checkpoint's). */
const RESUME_FLAGS = ['--resume', '--data', '--threads', '--out', '--json', '--checkpoint'];

/** Where a run stands, as a checkpoint records it: the epoch in progress and how far it got. */
interface Position {
  /** The epoch in progress (1-based; epochs + 1 when the run is complete). */
  epoch: number;
  /** 'train': `batch` batches of the epoch done (the loader's generator as at the epoch's start); 'evaluate': trained, not yet evaluated. */
  phase: 'train' | 'evaluate';
  batch: number;
  lossSum: number;
  correct: number;
  seen: number;
  history: EpochRecord[];
}

export interface CliIO {
  out(s: string): void;
  isTTY: boolean;
  /** Whether the user asked to stop (Ctrl-C) or the output was closed; the loops check it between batches. */
  stopRequested(): boolean;
  /** Whether the output was closed (a pipe whose reader ended): the run stops, saves and ends quietly. */
  outputClosed?(): boolean;
  now(): number;
}

/** The exit code of a run stopped early: 130 for Ctrl-C (128 + SIGINT), 141 for a closed output (128 + SIGPIPE). */
const stoppedCode = (io: CliIO): number => (io.outputClosed?.() ? 141 : 130);

/** Lets the event loop run (Ctrl-C, a closed pipe, progress output): the loops are otherwise synchronous. */
const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const DEFAULTS: Record<DatasetName, { epochs: number; batchSize: number; lr: number }> = {
  folder: { epochs: 10, batchSize: 32, lr: 0.003 },
  digits: { epochs: 20, batchSize: 32, lr: 0.005 },
  'fashion-mnist': { epochs: 5, batchSize: 64, lr: 0.003 },
};

function parseFlags(
  args: readonly string[],
  command: string,
  allowed: readonly string[],
  positional = 0,
): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  const booleans = new Set(['--json', '--continue-on-nan']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      if (rest.length >= positional) throw new Error(`convgrad ${command}: unexpected argument ${JSON.stringify(a)}`);
      rest.push(a);
      continue;
    }
    const [flag, inline] = a.split('=', 2);
    if (!allowed.includes(flag)) throw new Error(`convgrad ${command}: unknown option ${flag}; expected one of ${allowed.join(', ')}`);
    if (booleans.has(flag)) {
      if (inline !== undefined)
        throw new Error(`convgrad ${command}: ${flag} takes no value (got ${JSON.stringify(a)}); leave it out to turn it off`);
      flags.set(flag, 'true');
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`convgrad ${command}: ${flag} needs a value`);
    flags.set(flag, value);
  }
  return { flags, rest };
}

function positiveInt(command: string, flag: string, v: string, max = 1e9): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max)
    throw new Error(`convgrad ${command}: ${flag} ${JSON.stringify(v)} is invalid; expected an integer from 1 to ${max}`);
  return Number(v);
}

function oneOf<T extends string>(command: string, flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new Error(`convgrad ${command}: ${flag} ${JSON.stringify(v)} is invalid; expected one of ${allowed.join(', ')}`);
  return v as T;
}

export function parseTrain(args: readonly string[]): TrainOptions {
  const allowed = [
    '--dataset',
    '--data',
    '--model',
    '--epochs',
    '--batch-size',
    '--lr',
    '--optimizer',
    '--seed',
    '--threads',
    '--out',
    '--json',
    '--continue-on-nan',
    '--checkpoint',
    '--resume',
    '--image-size',
  ];
  const { flags } = parseFlags(args, 'train', allowed);
  if (flags.has('--resume')) {
    const other = [...flags.keys()].find((f) => !RESUME_FLAGS.includes(f));
    if (other !== undefined)
      throw new Error(
        `convgrad train: ${other} cannot be given with --resume: a resumed run keeps the options it started with (only ${RESUME_FLAGS.slice(1).join(', ')} may be given)`,
      );
  }
  // --data DIR alone: MNIST-format files (Fashion-MNIST) when DIR holds them, else an image folder.
  const dataDir = flags.get('--data') ?? null;
  const inferred = dataDir === null ? 'digits' : holdsIdx(dataDir) ? 'fashion-mnist' : 'folder';
  const dataset = oneOf('train', '--dataset', flags.get('--dataset') ?? inferred, DATASETS);
  if (dataset === 'folder' && dataDir === null)
    throw new Error('convgrad train: --dataset folder needs --data DIR (one subfolder per class)');
  const d = DEFAULTS[dataset];
  const lrText = flags.get('--lr');
  let lr = d.lr;
  if (lrText !== undefined) {
    lr = Number(lrText);
    if (!/^[0-9.eE+-]+$/.test(lrText) || !Number.isFinite(lr) || lr <= 0)
      throw new Error(`convgrad train: --lr ${JSON.stringify(lrText)} is invalid; expected a positive number`);
  }
  const seedText = flags.get('--seed') ?? '0';
  if (!/^\d+$/.test(seedText) || !Number.isSafeInteger(Number(seedText)))
    throw new Error(`convgrad train: --seed ${JSON.stringify(seedText)} is invalid; expected a non-negative integer below 2^53`);
  const out = flags.get('--out') ?? null;
  return {
    dataset,
    data: flags.get('--data') ?? null,
    model: oneOf('train', '--model', flags.get('--model') ?? 'lenet', MODELS),
    epochs: flags.has('--epochs') ? positiveInt('train', '--epochs', flags.get('--epochs')!, 10000) : d.epochs,
    batchSize: flags.has('--batch-size') ? positiveInt('train', '--batch-size', flags.get('--batch-size')!, 1 << 20) : d.batchSize,
    lr,
    optimizer: oneOf('train', '--optimizer', flags.get('--optimizer') ?? 'adam', ['sgd', 'adam', 'adamw'] as const),
    seed: Number(seedText),
    threads: flags.has('--threads') ? positiveInt('train', '--threads', flags.get('--threads')!, 256) : null,
    out,
    json: flags.has('--json'),
    continueOnNan: flags.has('--continue-on-nan'),
    checkpoint: flags.get('--checkpoint') ?? flags.get('--resume') ?? null,
    resume: flags.get('--resume') ?? null,
    imageSize: flags.has('--image-size') ? positiveInt('train', '--image-size', flags.get('--image-size')!, 1024) : null,
  };
}

/** Whether a folder holds MNIST-format (IDX) files. */
function holdsIdx(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => f.startsWith('train-images-idx3-ubyte'));
  } catch {
    return false; // missing: the loader says so, naming the folder
  }
}

/** The run options recorded in a checkpoint (for --resume), checked as the flags are. */
function resumeOptions(file: string): RunOptions {
  const { metadata } = load(file);
  const fail = (why: string): never => {
    throw new Error(`convgrad train: --resume ${file}: ${why}`);
  };
  if (metadata.format !== 'convgrad.checkpoint' || metadata.run === undefined)
    fail('not a checkpoint of convgrad train (made with --checkpoint); a file of weights cannot resume a run');
  let run: Record<string, unknown> = {};
  try {
    run = JSON.parse(metadata.run) as Record<string, unknown>;
  } catch {
    fail('its run options are not JSON');
  }
  const args = [
    '--dataset',
    String(run.dataset),
    '--model',
    String(run.model),
    '--epochs',
    String(run.epochs),
    '--batch-size',
    String(run.batchSize),
    '--lr',
    String(run.lr),
    '--optimizer',
    String(run.optimizer),
    '--seed',
    String(run.seed),
    ...(run.continueOnNan === true ? ['--continue-on-nan'] : []),
    ...(typeof run.data === 'string' ? ['--data', run.data] : []),
    ...(typeof run.imageSize === 'number' ? ['--image-size', String(run.imageSize)] : []),
  ];
  try {
    const o = parseTrain(args);
    return Object.fromEntries(RUN_OPTIONS.map((k) => [k, o[k]])) as RunOptions;
  } catch (e) {
    return fail(`its run options are invalid: ${e instanceof Error ? e.message : String(e)}`);
  }
}

interface LoadedData {
  train: TensorDataset;
  test: TensorDataset;
  /** Class names where they are not the labels themselves (Fashion-MNIST's, a folder's). */
  classes: readonly string[] | null;
  classCount: number;
}

async function loadDataset(name: DatasetName, dir: string | null, imageSize: number | null = null, seed = 0): Promise<LoadedData> {
  if (name === 'digits') {
    if (dir !== null) throw new Error('convgrad: --data does not apply to the built-in digits');
    return { ...digits(), classes: null, classCount: 10 };
  }
  if (name === 'fashion-mnist')
    return { ...(dir === null ? fashionMnist() : fashionMnist(dir)), classes: FASHION_MNIST_CLASSES, classCount: 10 };
  // An image folder: its train/ and test/ (or val/) subfolders, or the whole folder split 80/20 (a seeded split).
  const options = { transform: imageSize === null ? null : new Resize([imageSize, imageSize]) };
  const sub = (n: string): string | null =>
    existsSync(join(dir!, n, '.')) && readdirSync(join(dir!, n)).length > 0 ? join(dir!, n) : null;
  const trainDir = sub('train');
  const testDir = sub('test') ?? sub('val');
  if (trainDir !== null && testDir !== null) {
    const [train, test] = await Promise.all([imageFolder(trainDir, options), imageFolder(testDir, options)]);
    if (train.classes.join('\n') !== test.classes.join('\n'))
      throw new Error(`convgrad: ${trainDir} has classes ${train.classes.join(', ')} but ${testDir} has ${test.classes.join(', ')}`);
    return { train, test, classes: train.classes, classCount: train.classes.length };
  }
  const all = await imageFolder(dir!, options);
  const nTest = Math.max(1, Math.round(all.length * 0.2));
  const [train, test] = randomSplit(all, [all.length - nTest, nTest], new Generator().manualSeed(seed));
  return { train, test, classes: all.classes, classCount: all.classes.length };
}

interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
}

/**
 * Mean cross-entropy, accuracy and confusion matrix (rows: true class, columns: predicted) of the model
 * on a data set, in batches of 1000 with the event loop let in between (a second Ctrl-C exits at once);
 * null when `stop` turns true between batches.
 */
export async function evaluate(
  model: Sequential,
  data: TensorDataset,
  classes = 10,
  stop: () => boolean = () => false,
): Promise<{ loss: number; accuracy: number; confusion: number[][] } | null> {
  model.eval();
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let loss = 0;
  let correct = 0;
  for (const { x, y } of new DataLoader(data, { batchSize: 1000 })) {
    noGrad(() => {
      const logits = model.forward(x);
      loss += crossEntropy(logits, y, { reduction: 'sum' }).item();
      const predicted = logits.argmax(1).data;
      for (let i = 0; i < predicted.length; i++) {
        confusion[y.data[i]][predicted[i]]++;
        if (predicted[i] === y.data[i]) correct++;
      }
    });
    await yieldToEvents();
    if (stop()) return null;
  }
  return { loss: loss / data.length, accuracy: correct / data.length, confusion };
}

/** Refuses a data set without images (its loss and accuracy would be 0/0). */
function checkNotEmpty(set: TensorDataset, which: string, command: string, source: string): void {
  if (set.length === 0) throw new Error(`convgrad ${command}: the ${which} set of ${source} has no images; expected at least one`);
}

/** Fashion-MNIST's class names, in label order (torchvision's FashionMNIST.classes). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** The class names of a data set's labels, or null where the labels are the classes (digits). */

/** The confusion matrix as text; with `names`, each row also names its class (columns keep the numbers). */
export function renderConfusion(confusion: number[][], names: readonly string[] | null = null): string {
  const width = Math.max(4, ...confusion.flat().map((v) => String(v).length + 1));
  const pad = (s: string | number): string => String(s).padStart(width);
  const nameWidth = names === null ? 0 : Math.max(...names.map((n) => n.length)) + 1;
  const label = (i: number): string => (names === null ? '' : ` ${(names[i] ?? '').padEnd(nameWidth - 1)}`);
  const lines = [
    'confusion matrix (rows: true class, columns: predicted)',
    `${pad('')}${' '.repeat(nameWidth)} ${confusion.map((_, j) => pad(j)).join('')}`,
  ];
  confusion.forEach((row, i) => lines.push(`${pad(i)}${label(i)} ${row.map(pad).join('')}`));
  return `${lines.join('\n')}\n`;
}

const fmtTime = (s: number): string =>
  s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;

function progressLine(epoch: number, epochs: number, i: number, n: number, loss: number, acc: number, rate: number, eta: number): string {
  const width = 24;
  const done = Math.round((width * i) / n);
  const bar = '='.repeat(Math.max(0, done - 1)) + (done > 0 ? '>' : '') + ' '.repeat(width - done);
  return `\repoch ${epoch}/${epochs} [${bar}] ${i}/${n}  loss ${loss.toFixed(4)}  acc ${(100 * acc).toFixed(1)}%  ${rate.toFixed(0)} img/s  ETA ${fmtTime(eta)} `;
}

/** Runs `convgrad train`; returns the exit code (130 when stopped by Ctrl-C, after saving). */
export async function runTrain(args: readonly string[], io: CliIO): Promise<number> {
  let o = parseTrain(args);
  if (o.resume !== null) o = { ...o, ...resumeOptions(o.resume), data: o.data ?? resumeOptions(o.resume).data };
  // Before any work: a path that cannot be written would otherwise lose the whole run at the end.
  if (o.out !== null) checkWritable(o.out, 'convgrad train: --out');
  if (o.checkpoint !== null) checkWritable(o.checkpoint, 'convgrad train: --checkpoint');
  if (o.threads !== null) setNumThreads(o.threads);
  const started = io.now();
  await threadsReady();
  const { train, test, classes, classCount } = await loadDataset(o.dataset, o.data, o.imageSize, o.seed);
  checkNotEmpty(train, 'training', 'train', o.data ?? o.dataset);
  checkNotEmpty(test, 'test', 'train', o.data ?? o.dataset);
  const [, channels, height, width] = train.images.shape;
  manualSeed(o.seed);
  const model = buildModel(o.model, height, width, classCount, channels);
  const params = model.parameters();
  const opt =
    o.optimizer === 'sgd'
      ? new SGD(params, { lr: o.lr, momentum: 0.9 })
      : o.optimizer === 'adam'
        ? new Adam(params, { lr: o.lr })
        : new AdamW(params, { lr: o.lr });
  // The learning rate anneals to 0 over the run (cosine), which steadies the last epochs.
  const schedule = new CosineAnnealingLR(opt, { tMax: o.epochs });
  const loaderGenerator = new Generator().manualSeed(o.seed);
  const loader = new DataLoader(train, { batchSize: o.batchSize, shuffle: true, generator: loaderGenerator });
  const say = (s: string): void => {
    if (!o.json || io.isTTY) io.out(s);
  };
  let at: Position = { epoch: 1, phase: 'train', batch: 0, lossSum: 0, correct: 0, seen: 0, history: [] };
  if (o.resume !== null) {
    const got = loadCheckpoint(o.resume, { model, optimizer: opt, scheduler: schedule, generators: { loader: loaderGenerator } });
    at = got.extra as unknown as Position;
    if (at.epoch > o.epochs) {
      say(`${o.resume} holds a finished run (${o.epochs} epochs); nothing to resume\n`);
    } else {
      const where =
        at.phase === 'evaluate' ? `before evaluating epoch ${at.epoch}` : `at epoch ${at.epoch}, batch ${at.batch} of ${loader.length}`;
      say(`resuming ${o.resume} ${where}\n`);
    }
  }
  const run = Object.fromEntries(RUN_OPTIONS.map((k) => [k, o[k]]));
  const meta: Record<string, string> = { model: o.model, dataset: o.dataset, height: String(height), width: String(width) };
  // An image folder's run records what predict needs to rebuild it: the folder, its classes, the size.
  if (o.dataset === 'folder')
    Object.assign(meta, {
      data: o.data!,
      classes: JSON.stringify(classes),
      channels: String(channels),
      imageSize: String(o.imageSize ?? ''),
    });
  // At the start of each epoch the loader's generator is copied here: a checkpoint taken mid-epoch
  // records it, so the resumed epoch draws the same shuffle and passes over the batches already done.
  const epochStart = new Generator().setState(loaderGenerator.getState());
  const saveState = (p: Position): void => {
    if (o.checkpoint === null) return;
    saveCheckpoint(
      o.checkpoint,
      {
        model,
        optimizer: opt,
        scheduler: schedule,
        epoch: p.history.length,
        generators: { loader: p.phase === 'train' ? epochStart : loaderGenerator },
        extra: p as unknown as JsonValue,
      },
      { ...meta, run: JSON.stringify(run) },
    );
  };
  say(
    `training ${o.model} on ${o.dataset} (${train.length} train, ${test.length} test images) with ${o.optimizer}, lr ${o.lr}, batch ${o.batchSize}, ${getNumThreads()} thread${getNumThreads() === 1 ? '' : 's'}\n`,
  );
  const history: EpochRecord[] = [...at.history];
  let images = 0;
  let trainSeconds = 0;
  let stopped = false;
  for (let epoch = at.epoch; epoch <= o.epochs && !stopped; epoch++) {
    const resumed = epoch === at.epoch ? at : null;
    const t0 = io.now();
    let seen = resumed?.seen ?? 0;
    let lossSum = resumed?.lossSum ?? 0;
    let correct = resumed?.correct ?? 0;
    let batch = 0;
    if (resumed?.phase !== 'evaluate') {
      model.train();
      epochStart.setState(loaderGenerator.getState());
      const skip = resumed?.batch ?? 0;
      let lastDraw = 0;
      for (const { x, y } of loader) {
        if (batch < skip) {
          batch++;
          continue; // done before the checkpoint: the same shuffle, drawn again, and passed over
        }
        const logits: Tensor = model.forward(x);
        const loss = crossEntropy(logits, y);
        const value = loss.item();
        batch++;
        // A diverged run stops before the step, so no weights turn non-finite and nothing is saved.
        if (!Number.isFinite(value) && !o.continueOnNan) {
          if (io.isTTY) io.out(`\r${' '.repeat(100)}\r`);
          throw new Error(
            `convgrad train: the loss is ${value} at epoch ${epoch}, batch ${batch} of ${loader.length}: training diverged ` +
              `(try a smaller --lr; --continue-on-nan keeps going); the weights were not saved`,
          );
        }
        opt.zeroGrad();
        loss.backward();
        opt.step();
        seen += y.numel;
        lossSum += value * y.numel;
        const predicted = logits.argmax(1).data;
        for (let i = 0; i < predicted.length; i++) if (predicted[i] === y.data[i]) correct++;
        const now = io.now();
        if (io.isTTY && (now - lastDraw > 100 || batch === loader.length)) {
          lastDraw = now;
          const elapsed = (now - t0) / 1000;
          io.out(
            progressLine(
              epoch,
              o.epochs,
              batch,
              loader.length,
              lossSum / seen,
              correct / seen,
              (seen - (resumed?.seen ?? 0)) / elapsed,
              (elapsed / (batch - skip)) * (loader.length - batch),
            ),
          );
        }
        // Let Ctrl-C (and the progress output) through after every batch: a stop comes after the current one.
        await yieldToEvents();
        if (io.stopRequested()) {
          stopped = true;
          break;
        }
      }
      const seconds = (io.now() - t0) / 1000;
      trainSeconds += seconds;
      images += seen - (resumed?.seen ?? 0);
      if (io.isTTY) io.out(`\r${' '.repeat(100)}\r`);
      if (stopped) {
        say(`stopped in epoch ${epoch} after ${batch} of ${loader.length} batches\n`);
        saveState({ epoch, phase: 'train', batch, lossSum, correct, seen, history });
        break;
      }
      schedule.step();
    }
    const t = await evaluate(model, test, classCount, () => io.stopRequested());
    if (t === null) {
      stopped = true;
      say(`stopped while evaluating epoch ${epoch}\n`);
      saveState({ epoch, phase: 'evaluate', batch: loader.length, lossSum, correct, seen, history });
      break;
    }
    const seconds = (io.now() - t0) / 1000;
    history.push({ epoch, trainLoss: lossSum / seen, trainAccuracy: correct / seen, testLoss: t.loss, testAccuracy: t.accuracy, seconds });
    say(
      `epoch ${epoch}/${o.epochs}  train loss ${(lossSum / seen).toFixed(4)}  acc ${((100 * correct) / seen).toFixed(2)}%  ` +
        `test loss ${t.loss.toFixed(4)}  acc ${(100 * t.accuracy).toFixed(2)}%  ${(seen / seconds).toFixed(0)} img/s  ${seconds.toFixed(1)}s\n`,
    );
    epochStart.setState(loaderGenerator.getState());
    saveState({ epoch: epoch + 1, phase: 'train', batch: 0, lossSum: 0, correct: 0, seen: 0, history });
  }
  // The final evaluation runs even after a stop (the weights are saved with their accuracy); a second Ctrl-C exits at once.
  const final = (await evaluate(model, test, classCount))!;
  if (o.out !== null) {
    save(model.stateDict(), o.out, { ...meta, epochs: String(history.length) });
    say(`saved the weights to ${o.out}\n`);
  }
  if (stopped && o.checkpoint !== null)
    say(`saved the training state to ${o.checkpoint}: continue with convgrad train --resume ${o.checkpoint}\n`);
  say(renderConfusion(final.confusion, classes));
  const seconds = (io.now() - started) / 1000;
  const summary = {
    testAccuracy: final.accuracy,
    testLoss: final.loss,
    epochs: history.length,
    seconds,
    imagesPerSecond: trainSeconds > 0 ? images / trainSeconds : 0,
    stopped,
    history,
  };
  if (o.json) io.out(`${JSON.stringify(summary)}\n`);
  else
    say(
      `test accuracy ${(100 * final.accuracy).toFixed(2)}% in ${seconds.toFixed(1)} s (${summary.imagesPerSecond.toFixed(0)} training images/s)\n`,
    );
  return stopped ? stoppedCode(io) : 0;
}

/** Runs `convgrad predict FILE`: builds the model named in the file (or --model), loads the weights, evaluates the test set. */
/** A model trained by `convgrad train`, from its weights or checkpoint file: built as the file's metadata names it (or as the flags say). */
export interface TrainedModel {
  model: Sequential;
  modelName: ModelName;
  dataset: DatasetName;
  train: TensorDataset;
  test: TensorDataset;
  classes: readonly string[] | null;
  classCount: number;
}

export async function loadTrained(
  command: string,
  path: string,
  overrides: { dataset?: string; data?: string; model?: string } = {},
): Promise<TrainedModel> {
  const file = load(path);
  const { metadata } = file;
  // A checkpoint holds the weights under model.*.
  const tensors =
    metadata.format === 'convgrad.checkpoint'
      ? Object.fromEntries(Object.entries(file.tensors).flatMap(([k, t]) => (k.startsWith('model.') ? [[k.slice(6), t]] : [])))
      : file.tensors;
  const dataset = oneOf(command, '--dataset', overrides.dataset ?? metadata.dataset ?? 'digits', DATASETS);
  const modelName = oneOf(command, '--model', overrides.model ?? metadata.model ?? 'lenet', MODELS);
  const imageSize = metadata.imageSize ? Number(metadata.imageSize) : null;
  const data = overrides.data ?? (dataset === 'folder' ? (metadata.data ?? null) : null);
  const { train, test, classes, classCount } = await loadDataset(dataset, data, imageSize);
  checkNotEmpty(test, 'test', command, overrides.data ?? dataset);
  const [, channels, height, width] = test.images.shape;
  const model = buildModel(modelName, height, width, classCount, channels);
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(
      `convgrad ${command}: ${path} does not hold ${modelName} weights for ${dataset}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return { model, modelName, dataset, train, test, classes, classCount };
}

export async function runPredict(args: readonly string[], io: CliIO): Promise<number> {
  const { flags, rest } = parseFlags(args, 'predict', ['--dataset', '--data', '--model', '--json'], 1);
  if (rest.length !== 1) throw new Error('convgrad predict: expected one FILE.safetensors');
  const { model, modelName, dataset, test, classes, classCount } = await loadTrained('predict', rest[0], {
    dataset: flags.get('--dataset'),
    data: flags.get('--data'),
    model: flags.get('--model'),
  });
  const r = await evaluate(model, test, classCount, () => io.stopRequested());
  if (r === null) return stoppedCode(io);
  if (flags.has('--json')) io.out(`${JSON.stringify({ testAccuracy: r.accuracy, testLoss: r.loss, confusion: r.confusion })}\n`);
  else
    io.out(
      `${modelName} on ${dataset}: test accuracy ${(100 * r.accuracy).toFixed(2)}%, test loss ${r.loss.toFixed(4)}\n${renderConfusion(r.confusion, classes)}`,
    );
  return 0;
}
