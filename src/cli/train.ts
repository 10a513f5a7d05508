// `convgrad train`: flags → a training run with progress on a terminal, plain lines elsewhere, a JSON
// summary with --json, weights and checkpoints in safetensors, and --resume. (predict.ts: `convgrad
// predict`; data.ts: the data sets and evaluation; common.ts: IO and flag parsing.)
import type { Tensor } from '../tensor/tensor.js';
import { manualSeed, Generator } from '../tensor/random.js';
import { tidy } from '../tensor/resident.js';
import { crossEntropy } from '../ops/index.js';
import { DataLoader } from '../data/dataset.js';
import { SGD } from '../optim/sgd.js';
import { Adam, AdamW } from '../optim/adam.js';
import { checkWritable, load, save } from '../io/safetensors.js';
import { CosineAnnealingLR } from '../optim/lr_scheduler.js';
import { loadCheckpoint, saveCheckpoint, type JsonValue } from '../io/checkpoint.js';
import { setNumThreads, getNumThreads, threadsReady } from '../kernels/wasm/runtime.js';
import { buildModel, MODELS, type ModelName } from './models.js';
import { oneOf, parseFlags, positiveInt, stoppedCode, yieldToEvents, type CliIO } from './common.js';
import { checkNotEmpty, DATASETS, evaluate, holdsIdx, loadDataset, renderConfusion, type DatasetName } from './data.js';

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

const DEFAULTS: Record<DatasetName, { epochs: number; batchSize: number; lr: number }> = {
  folder: { epochs: 10, batchSize: 32, lr: 0.003 },
  digits: { epochs: 20, batchSize: 32, lr: 0.005 },
  'fashion-mnist': { epochs: 5, batchSize: 64, lr: 0.003 },
};

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

interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
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
  if (o.resume !== null) {
    // The run's options from its checkpoint; a --data given now (the folder moved) wins over the recorded one.
    const saved = resumeOptions(o.resume);
    o = { ...o, ...saved, data: o.data ?? saved.data };
  }
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
        batch++;
        // In tidy(): the step's activations stay in the kernels' memory and are freed after it.
        const value = tidy(() => {
          const logits: Tensor = model.forward(x);
          const loss = crossEntropy(logits, y);
          const v = loss.item();
          // A diverged run stops before the step, so no weights turn non-finite and nothing is saved.
          if (!Number.isFinite(v) && !o.continueOnNan) {
            if (io.isTTY) io.out(`\r${' '.repeat(100)}\r`);
            throw new Error(
              `convgrad train: the loss is ${v} at epoch ${epoch}, batch ${batch} of ${loader.length}: training diverged ` +
                `(try a smaller --lr; --continue-on-nan keeps going); the weights were not saved`,
            );
          }
          opt.zeroGrad();
          loss.backward();
          opt.step();
          const predicted = logits.argmax(1).data;
          for (let i = 0; i < predicted.length; i++) if (predicted[i] === y.data[i]) correct++;
          return v;
        });
        seen += y.numel;
        lossSum += value * y.numel;
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
