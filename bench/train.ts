// The training benchmark: four nets (bench/nets.ts: LeNet-5, a BatchNorm CNN, ResNet-8, LeNet-5 in
// float64), batch 64, timed steps after warm-up steps, with 1 and all threads, our loop as PyTorch's
// is written and the same loop inside tidy(); PyTorch's same steps
// (scripts/bench_torch_train.py) when Debian's python3-torch is there; and where the time of a step goes
// by op category, from a CPU profile of one-thread steps (node:inspector).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism } from 'node:os';
import { F, datasets, manualSeed, noGrad, randint, randn, randperm, setNumThreads, threadsReady, tidy, type Tensor } from '../src/index.js';
import { buildNet, lenet5, NET_NAMES, type NetName } from './nets.js';

/** Timed and warm-up steps per net: enough for a stable rate without making the bench long. */
const STEPS: Record<NetName, [timed: number, warmup: number]> = {
  lenet5: [200, 20],
  bncnn: [40, 5],
  resnet8: [30, 5],
  'lenet5-f64': [40, 5],
};

/** How our step is written: PyTorch's loop as it is, or the same loop inside tidy() (activations kept in the kernels' memory). */
export type Loop = 'plain' | 'tidy';
export const LOOPS: readonly Loop[] = ['plain', 'tidy'];

export interface TrainBench {
  net: NetName;
  threads: number;
  loop: Loop;
  /** The median over the rounds. */
  trainImagesPerSecond: number;
  /** The median over the rounds. */
  stepMs: number;
  /** images/s in each round. */
  rounds: number[];
}

/** PyTorch's images/s per net and thread count: the median over the rounds, and each round's. */
export type TorchTrain = Record<string, Record<string, { trainImagesPerSecond: number; rounds: number[] }>>;

/** The middle value (the mean of the two middle ones for an even count). */
const median = (values: readonly number[]): number => {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
};

type Batches = (i: number) => { x: Tensor; y: Tensor };

function batches(net: NetName, dtype: 'float32' | 'float64'): Batches {
  if (net === 'resnet8') {
    manualSeed(1);
    const x = randn([8 * 64, 3, 32, 32]);
    const y = randint(0, 10, [8 * 64]);
    return (i) => {
      const at = (i % 8) * 64;
      return { x: x.slice(0, at, at + 64), y: y.slice(0, at, at + 64) };
    };
  }
  const { train } = datasets.fashionMnist(FASHION);
  manualSeed(1);
  const perm = randperm(train.length);
  return (i) => {
    const at = (i * 64) % 59968;
    const idx = perm.slice(0, at, at + 64);
    const x = train.images.indexSelect(0, idx);
    return { x: dtype === 'float64' ? x.double() : x, y: train.labels.indexSelect(0, idx) };
  };
}

const FASHION = '/usr/share/datasets/fashion-mnist';

/** A step function for `net`, built fresh from seed 0 (model, optimizer, data), written as `loop` says. */
function stepper(net: NetName, loop: Loop = 'plain'): (i: number) => void {
  manualSeed(0);
  const { model, optimizer, dtype } = buildNet(net);
  const data = batches(net, dtype);
  const step = (i: number): void => {
    const { x, y } = data(i);
    const loss = F.crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  };
  return loop === 'plain' ? step : (i) => tidy(() => step(i));
}

/**
 * Which category a profiled function's self time belongs to, from its source file and name. The wasm
 * binaries carry their name section (scripts/build-wasm.mjs), so a wasm function is named by its
 * AssemblyScript file and function, e.g. `assembly/normalization/batchNormBackward<f32>`.
 */
function category(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)' || name === '(idle)' || name === '(root)') return 'outside JS';
  if (url.startsWith('wasm://')) {
    const fn = name.replace(/^assembly\/(exports\.generated\/)?/, '');
    if (/^split\//.test(fn)) return 'split jobs (relu, pooling, BatchNorm)';
    if (/batchNorm|normalization\//.test(fn)) return 'batchnorm';
    if (/pool/i.test(fn)) return 'pooling';
    if (/relu|silu|hardswish|hardtanh|activation\//i.test(fn)) return 'activations';
    if (/adam|sgd/i.test(fn)) return 'optimizer';
    if (/bias/i.test(fn)) return 'conv bias';
    if (/binary|transpose|elementwise\//.test(fn)) return 'elementwise / reductions';
    return 'conv (wasm)';
  }
  const file = url.replace(/^.*\/(src|bench)\//, '$1/');
  if (/kernels\/wasm\/runtime/.test(file)) return 'waiting for threads';
  if (/kernels\/wasm\/(call|split|kernels\.generated|boundary\.generated|heap|register)|kernels\/registry/.test(file))
    return 'wasm calls (copy in/out)';
  // Node's unzeroed buffers (allocateUnzeroed).
  if (/^node:internal\/buffer/.test(url)) return 'tensors (allocation)';
  if (/kernels\/(wasm\/(conv|conv_job|conv64)|reference\/(conv|pad))|ops\/(conv|pad)/.test(file)) return 'conv (JS: copies, packing)';
  if (/ops\/batchnorm|nn\/normalization/.test(file)) return 'batchnorm';
  if (/ops\/(elementwise|pointwise|reduce|inplace)|kernels\/reference\/elementwise|tensor\/(float32|double)_math/.test(file))
    return 'elementwise / reductions';
  if (/ops\/pool|ops\/max/.test(file)) return 'pooling';
  if (/ops\/(loss|softmax)|nn\/loss/.test(file)) return 'softmax / loss';
  if (/ops\/matmul|kernels\/reference\/matmul|nn\/linear/.test(file)) return 'linear / matmul';
  if (/ops\/(view|indexing|join)/.test(file)) return 'views / indexing / copies';
  if (/optim\//.test(file)) return 'optimizer';
  if (/autograd\//.test(file)) return 'autograd';
  if (/tensor\/|ops\/util/.test(file)) return 'tensors (allocation)';
  return 'other';
}

/** Per category, the share (0-1) of `steps` one-thread training steps of `net`, from a CPU profile. */
export async function profileNet(net: NetName, steps: number): Promise<Record<string, number>> {
  setNumThreads(1);
  await threadsReady();
  const step = stepper(net);
  for (let i = 0; i < 3; i++) step(i);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  for (let i = 0; i < steps; i++) step(3 + i);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const deltas = profile.timeDeltas ?? [];
  const byNode = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (deltas[i] ?? 0)));
  const shares: Record<string, number> = {};
  let total = 0;
  for (const node of profile.nodes) {
    const t = byNode.get(node.id) ?? 0;
    const c = category(node.callFrame.url, node.callFrame.functionName);
    if (c === 'outside JS' && node.callFrame.functionName === '(idle)') continue;
    shares[c] = (shares[c] ?? 0) + t;
    total += t;
  }
  for (const k of Object.keys(shares)) shares[k] /= total;
  return shares;
}

export interface TrainBenchResult {
  ours: TrainBench[];
  torch: TorchTrain | null;
  /** How many times PyTorch's run and ours alternated. */
  rounds: number;
  profiles: Record<string, Record<string, number>>;
  note: string;
}

/** PyTorch's images/s for the nets on each thread count (scripts/bench_torch_train.py), or an Error saying why not. */
function torchRound(nets: readonly NetName[], threadCounts: readonly number[]): Record<string, Record<string, number>> | Error {
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        new URL('../../scripts/bench_torch_train.py', import.meta.url).pathname,
        '--nets',
        nets.map((n) => `${n}:${STEPS[n][0]}:${STEPS[n][1]}`).join(','),
        '--threads',
        threadCounts.join(','),
      ],
      { encoding: 'utf8' },
    );
    const parsed = (JSON.parse(out) as { nets: Record<string, Record<string, { trainImagesPerSecond: number }>> }).nets;
    return Object.fromEntries(
      Object.entries(parsed).map(([net, byThreads]) => [
        net,
        Object.fromEntries(Object.entries(byThreads).map(([t, r]) => [t, r.trainImagesPerSecond])),
      ]),
    );
  } catch (e) {
    return e as Error;
  }
}

/** Our images/s and ms a step for each net, thread count and loop, each net built fresh from seed 0. */
async function oursRound(
  nets: readonly NetName[],
  threadCounts: readonly number[],
): Promise<{ net: NetName; threads: number; loop: Loop; imagesPerSecond: number; stepMs: number }[]> {
  const out = [];
  for (const net of nets) {
    const [timed, warmup] = STEPS[net];
    for (const threads of threadCounts) {
      setNumThreads(threads);
      await threadsReady();
      for (const loop of LOOPS) {
        const step = stepper(net, loop);
        for (let i = 0; i < warmup; i++) step(i);
        const t = performance.now();
        for (let i = 0; i < timed; i++) step(warmup + i);
        const ms = performance.now() - t;
        out.push({ net, threads, loop, imagesPerSecond: (timed * 64) / (ms / 1000), stepMs: ms / timed });
      }
    }
  }
  return out;
}

/**
 * `rounds` rounds, each PyTorch's run (a process of its own) then ours, so that both meet the same
 * phases of a shared machine (PyTorch's rate moved by up to 40 % between runs minutes apart); each
 * side's figure is its median over the rounds. Then a CPU profile of our one-thread steps per net.
 */
export async function trainBench(nets: readonly NetName[] = NET_NAMES, rounds = 3): Promise<TrainBenchResult> {
  if (!existsSync(FASHION))
    return { ours: [], torch: null, rounds: 0, profiles: {}, note: `${FASHION} is missing: apt-get install dataset-fashion-mnist` };
  const threadCounts = [1, availableParallelism()];
  const torchRounds: Record<string, Record<string, number>>[] = [];
  const oursRounds: Awaited<ReturnType<typeof oursRound>>[] = [];
  let note = '';
  for (let r = 0; r < rounds; r++) {
    // PyTorch's process first in each round, while none of our threads compute.
    const torch = note === '' ? torchRound(nets, threadCounts) : null;
    if (torch instanceof Error) note = `PyTorch not measured (${torch.message.split('\n')[0]})`;
    else if (torch !== null) torchRounds.push(torch);
    oursRounds.push(await oursRound(nets, threadCounts));
  }
  const ours: TrainBench[] = oursRounds[0].map(({ net, threads, loop }, i) => ({
    net,
    threads,
    loop,
    trainImagesPerSecond: median(oursRounds.map((round) => round[i].imagesPerSecond)),
    stepMs: median(oursRounds.map((round) => round[i].stepMs)),
    rounds: oursRounds.map((round) => round[i].imagesPerSecond),
  }));
  let torch: TorchTrain | null = null;
  if (torchRounds.length > 0) {
    torch = {};
    for (const [net, byThreads] of Object.entries(torchRounds[0])) {
      torch[net] = {};
      for (const t of Object.keys(byThreads)) {
        const values = torchRounds.map((round) => round[net][t]);
        torch[net][t] = { trainImagesPerSecond: median(values), rounds: values };
      }
    }
  }
  const profiles: Record<string, Record<string, number>> = {};
  for (const net of nets) profiles[net] = await profileNet(net, Math.max(5, Math.round(STEPS[net][0] / 4)));
  return { ours, torch, rounds, profiles, note };
}

/** Images/s of LeNet-5 evaluation (no gradient) over 2000 test images, in batches of 1000. */
export function evalImagesPerSecond(): number {
  const { test } = datasets.fashionMnist(FASHION);
  const images = test.images.slice(0, 0, 2000);
  manualSeed(0);
  const model = lenet5().eval();
  const t = performance.now();
  noGrad(() => {
    for (let i = 0; i < 2000; i += 1000) (model.forward(images.slice(0, i, i + 1000)) as Tensor).argmax(1);
  });
  return 2000 / ((performance.now() - t) / 1000);
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
