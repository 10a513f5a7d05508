// The data sets `convgrad train`, `predict` and `explain --weights` use: the built-in digits, Fashion-MNIST
// (or any MNIST-format files) and image folders; and the evaluation of a model on one (loss, accuracy,
// confusion matrix with class names).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/mode.js';
import { crossEntropy } from '../ops/index.js';
import { DataLoader, randomSplit, type TensorDataset } from '../data/dataset.js';
import { imageFolder } from '../data/image_folder.js';
import { Resize } from '../data/transforms.js';
import { digits } from '../data/digits.js';
import { fashionMnist } from '../data/idx.js';
import type { Sequential } from '../nn/container.js';
import { yieldToEvents } from './common.js';

export type DatasetName = 'digits' | 'fashion-mnist' | 'folder';
export const DATASETS = ['digits', 'fashion-mnist', 'folder'] as const;

/** Whether a folder holds MNIST-format (IDX) files. */
export function holdsIdx(dir: string): boolean {
  try {
    return readdirSync(dir).some((f) => f.startsWith('train-images-idx3-ubyte'));
  } catch {
    return false; // missing: the loader says so, naming the folder
  }
}

export interface LoadedData {
  train: TensorDataset;
  test: TensorDataset;
  /** Class names where they are not the labels themselves (Fashion-MNIST's, a folder's). */
  classes: readonly string[] | null;
  classCount: number;
}

export async function loadDataset(name: DatasetName, dir: string | null, imageSize: number | null = null, seed = 0): Promise<LoadedData> {
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
export function checkNotEmpty(set: TensorDataset, which: string, command: string, source: string): void {
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
