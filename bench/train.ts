// The training benchmark: LeNet-5 on Fashion-MNIST (Adam lr 1e-3, batch 64), 200 timed steps after 20
// warm-up steps, with 1 and all threads; PyTorch's same steps (scripts/bench_torch_train.py) when
// Debian's python3-torch is there; and where the time of a step goes (the five conv passes, timed on
// their own, against everything else).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { F, datasets, manualSeed, nn, noGrad, optim, randperm, setNumThreads, threadsReady, type Tensor } from '../src/index.js';
import { convKernels } from '../src/kernels/index.js';

const lenet5 = (): nn.Sequential =>
  new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120),
    new nn.ReLU(),
    new nn.Linear(120, 84),
    new nn.ReLU(),
    new nn.Linear(84, 10),
  );

export interface TrainBench {
  threads: number;
  trainImagesPerSecond: number;
  evalImagesPerSecond: number;
  stepMs: number;
  convMs: number;
}

/** Milliseconds per step of LeNet-5's five conv passes (conv1 forward and weight gradient; conv2 all three). */
function convMsPerStep(): number {
  const k = convKernels();
  const layers = [
    {
      batch: 64,
      groups: 1,
      xChannels: 1,
      yChannels: 6,
      xSize: [28, 28],
      ySize: [28, 28],
      kSize: [5, 5],
      stride: [1, 1],
      padding: [2, 2],
      dilation: [1, 1],
    },
    {
      batch: 64,
      groups: 1,
      xChannels: 6,
      yChannels: 16,
      xSize: [14, 14],
      ySize: [10, 10],
      kSize: [5, 5],
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
    },
  ];
  let total = 0;
  layers.forEach((g, i) => {
    const x = new Float32Array(64 * g.xChannels * g.xSize[0] * g.xSize[1]).map(Math.random);
    const w = new Float32Array(g.yChannels * g.xChannels * 25).map(Math.random);
    const y = new Float32Array(64 * g.yChannels * g.ySize[0] * g.ySize[1]);
    const passes: (() => void)[] = [() => k.convForward(x, w, y, g), () => k.convGradWeight(x, y, w.slice(), g)];
    if (i > 0) passes.push(() => k.convGradInput(y, w, x.slice(), g));
    for (const p of passes) {
      for (let r = 0; r < 5; r++) p();
      const t = performance.now();
      for (let r = 0; r < 30; r++) p();
      total += (performance.now() - t) / 30;
    }
  });
  return total;
}

export async function trainBench(
  steps = 200,
  warmup = 20,
): Promise<{
  ours: TrainBench[];
  torch: Record<string, { trainImagesPerSecond: number; evalImagesPerSecond: number }> | null;
  note: string;
}> {
  const dir = '/usr/share/datasets/fashion-mnist';
  if (!existsSync(dir)) return { ours: [], torch: null, note: `${dir} is missing: apt-get install dataset-fashion-mnist` };
  const { train, test } = datasets.fashionMnist(dir);
  const evalImages = test.images.slice(0, 0, 2000);
  const ours: TrainBench[] = [];
  for (const threads of [1, availableParallelism()]) {
    setNumThreads(threads);
    await threadsReady();
    manualSeed(0);
    const model = lenet5();
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const perm = randperm(train.length);
    const step = (i: number): void => {
      const at = (i * 64) % 59968;
      const idx = perm.slice(0, at, at + 64);
      const loss = F.crossEntropy(model.forward(train.images.indexSelect(0, idx)), train.labels.indexSelect(0, idx));
      opt.zeroGrad();
      loss.backward();
      opt.step();
    };
    for (let i = 0; i < warmup; i++) step(i);
    let t = performance.now();
    for (let i = 0; i < steps; i++) step(warmup + i);
    const trainMs = performance.now() - t;
    model.eval();
    t = performance.now();
    noGrad(() => {
      for (let i = 0; i < 2000; i += 1000) (model.forward(evalImages.slice(0, i, i + 1000)) as Tensor).argmax(1);
    });
    const evalMs = performance.now() - t;
    ours.push({
      threads,
      trainImagesPerSecond: (steps * 64) / (trainMs / 1000),
      evalImagesPerSecond: 2000 / (evalMs / 1000),
      stepMs: trainMs / steps,
      convMs: convMsPerStep(),
    });
  }
  let torch = null;
  let note = '';
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        new URL('../../scripts/bench_torch_train.py', import.meta.url).pathname,
        '--steps',
        String(steps),
        '--threads',
        `1,${availableParallelism()}`,
      ],
      { encoding: 'utf8' },
    );
    torch = (JSON.parse(out) as { threads: Record<string, { trainImagesPerSecond: number; evalImagesPerSecond: number }> }).threads;
  } catch (e) {
    note = `PyTorch not measured (${(e as Error).message.split('\n')[0]})`;
  }
  return { ours, torch, note };
}

/** `convgrad train --json` end to end (start-up, training, evaluation): accuracy, seconds, images/s. */
export function cliAccuracy(
  args: string[],
): { args: string; testAccuracy: number; seconds: number; imagesPerSecond: number } | { args: string; error: string } {
  const main = new URL('../src/cli/main.js', import.meta.url).pathname;
  const t = performance.now();
  try {
    const out = execFileSync(process.execPath, [main, 'train', ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const summary = JSON.parse(out.trim().split('\n').pop()!) as { testAccuracy: number; imagesPerSecond: number };
    return {
      args: args.join(' '),
      testAccuracy: summary.testAccuracy,
      seconds: (performance.now() - t) / 1000,
      imagesPerSecond: summary.imagesPerSecond,
    };
  } catch (e) {
    return { args: args.join(' '), error: (e as Error).message.split('\n')[0] };
  }
}
