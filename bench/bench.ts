// npm run bench: convgrad (wasm with 1 and all threads, reference) against TensorFlow.js 4.22 (wasm and
// cpu backends) in one process, on the same random inputs. Prints a table and writes bench/results.json.
// A benchmark, not a test: the numbers depend on the machine and its load.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Generator, randn, setBackend, setNumThreads, type Tensor } from '../src/index.js';
import { convKernels } from '../src/kernels/index.js';
import { convOutputSize, type ConvGeometry } from '../src/tensor/conv_params.js';
import { measurePeak, threadsReady, wasmRuntime } from '../src/kernels/wasm/runtime.js';
import { cliAccuracy, evalImagesPerSecond, trainBench } from './train.js';
import { NET_NAMES, NET_TITLES, type NetName } from './nets.js';

interface Shape {
  name: string;
  kind: 'dense' | 'depthwise' | 'dilated' | 'small';
  n: number;
  cin: number;
  h: number;
  w: number;
  cout: number;
  k: number;
  stride: number;
  padding: number;
  dilation: number;
  groups: number;
  /** One of the layers small CNNs train with (issue 11's small-conv table). */
  smallConv?: boolean;
}

const SHAPES: Shape[] = [
  { name: 'seed 1x1x4x4→2 k3 p1', kind: 'small', n: 1, cin: 1, h: 4, w: 4, cout: 2, k: 3, stride: 1, padding: 1, dilation: 1, groups: 1 },
  {
    name: 'LeNet 64x1x28x28→6 k5 p2',
    kind: 'dense',
    n: 64,
    cin: 1,
    h: 28,
    w: 28,
    cout: 6,
    k: 5,
    stride: 1,
    padding: 2,
    dilation: 1,
    groups: 1,
    smallConv: true,
  },
  {
    name: 'LeNet 64x6x14x14→16 k5',
    kind: 'dense',
    n: 64,
    cin: 6,
    h: 14,
    w: 14,
    cout: 16,
    k: 5,
    stride: 1,
    padding: 0,
    dilation: 1,
    groups: 1,
    smallConv: true,
  },
  {
    name: 'digits 64x16x8x8→32 k3 p1',
    kind: 'small',
    n: 64,
    cin: 16,
    h: 8,
    w: 8,
    cout: 32,
    k: 3,
    stride: 1,
    padding: 1,
    dilation: 1,
    groups: 1,
    smallConv: true,
  },
  {
    name: 'small 32x32x16x16→64 k3 p1',
    kind: 'small',
    n: 32,
    cin: 32,
    h: 16,
    w: 16,
    cout: 64,
    k: 3,
    stride: 1,
    padding: 1,
    dilation: 1,
    groups: 1,
    smallConv: true,
  },
  {
    name: 'ResNet 8x64x56x56→64 k3 p1',
    kind: 'dense',
    n: 8,
    cin: 64,
    h: 56,
    w: 56,
    cout: 64,
    k: 3,
    stride: 1,
    padding: 1,
    dilation: 1,
    groups: 1,
  },
  {
    name: 'ResNet 8x128x28x28→256 k3 s2 p1',
    kind: 'dense',
    n: 8,
    cin: 128,
    h: 28,
    w: 28,
    cout: 256,
    k: 3,
    stride: 2,
    padding: 1,
    dilation: 1,
    groups: 1,
  },
  {
    name: 'pointwise 8x256x14x14→256 k1',
    kind: 'dense',
    n: 8,
    cin: 256,
    h: 14,
    w: 14,
    cout: 256,
    k: 1,
    stride: 1,
    padding: 0,
    dilation: 1,
    groups: 1,
  },
  {
    name: 'depthwise 8x128x56x56 g128 k3 p1',
    kind: 'depthwise',
    n: 8,
    cin: 128,
    h: 56,
    w: 56,
    cout: 128,
    k: 3,
    stride: 1,
    padding: 1,
    dilation: 1,
    groups: 128,
  },
  {
    name: 'dilated 8x64x56x56→64 k3 p2 d2',
    kind: 'dilated',
    n: 8,
    cin: 64,
    h: 56,
    w: 56,
    cout: 64,
    k: 3,
    stride: 1,
    padding: 2,
    dilation: 2,
    groups: 1,
  },
];

type Pass = 'forward' | 'gradInput' | 'gradWeight';
const PASSES: Pass[] = ['forward', 'gradInput', 'gradWeight'];

function geometry(s: Shape): ConvGeometry {
  const out = convOutputSize(s.h, s.k, s.stride, s.padding, s.padding, s.dilation);
  const outW = convOutputSize(s.w, s.k, s.stride, s.padding, s.padding, s.dilation);
  return {
    batch: s.n,
    groups: s.groups,
    xChannels: s.cin,
    yChannels: s.cout,
    xSize: [s.h, s.w],
    ySize: [out, outW],
    kSize: [s.k, s.k],
    stride: [s.stride, s.stride],
    padding: [s.padding, s.padding],
    dilation: [s.dilation, s.dilation],
  };
}

const flops = (s: Shape, g: ConvGeometry): number => 2 * s.n * s.cout * (s.cin / s.groups) * g.ySize[0] * g.ySize[1] * s.k * s.k;

/** Median milliseconds per call of fn: at least 3 samples (1 when a call takes over 3 s), up to 15 or ~2 s; small calls batched. */
function time(fn: () => void): number {
  // Warm-up (JIT tiers, workers, memory growth): at least 3 calls and 200 ms.
  const warm = performance.now();
  let calls = 0;
  for (; calls < 3 || performance.now() - warm < 200; calls++) fn();
  // Calls far under a millisecond are timed in batches, so the clock's resolution does not matter.
  const perCall = (performance.now() - warm) / calls;
  const batch = perCall < 0.5 ? Math.ceil(0.5 / perCall) : 1;
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 15) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push((performance.now() - t) / batch);
    if (samples[0] > 3000) break;
    if (samples.length >= 3 && performance.now() - start > 2000) break;
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

interface Row {
  shape: string;
  kind: Shape['kind'];
  pass: Pass;
  gflop: number;
  ms: Record<string, number | null>;
  note: Record<string, string>;
}

// ---- TensorFlow.js (NHWC, its native layout) ----
const require = createRequire(import.meta.url);
type TF = typeof import('@tensorflow/tfjs');
const tf = require('@tensorflow/tfjs') as TF;
require('@tensorflow/tfjs-backend-wasm');

type TfTensor4D = import('@tensorflow/tfjs').Tensor4D;
type TfPadding = 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** The operands in TensorFlow.js's layouts: NCHW → NHWC, OIHW → HWIO (depthwise: HW C 1). */
function tfjsOperands(
  s: Shape,
  g: ConvGeometry,
  data: { x: Float32Array; w: Float32Array; dy: Float32Array },
): { x: TfTensor4D; dy: TfTensor4D; filter: TfTensor4D; padding: TfPadding; depthwise: boolean } {
  const [oh, ow] = g.ySize;
  const x = tf.tensor4d(data.x, [s.n, s.cin, s.h, s.w]).transpose([0, 2, 3, 1]) as TfTensor4D;
  const dy = tf.tensor4d(data.dy, [s.n, s.cout, oh, ow]).transpose([0, 2, 3, 1]) as TfTensor4D;
  const depthwise = s.groups > 1;
  const filter = (
    depthwise
      ? tf.tensor4d(data.w, [s.cout, 1, s.k, s.k]).transpose([2, 3, 0, 1])
      : tf.tensor4d(data.w, [s.cout, s.cin, s.k, s.k]).transpose([2, 3, 1, 0])
  ) as TfTensor4D;
  const padding: TfPadding =
    s.padding === 0
      ? 'valid'
      : [
          [0, 0],
          [s.padding, s.padding],
          [s.padding, s.padding],
          [0, 0],
        ];
  return { x, dy, filter, padding, depthwise };
}

async function tfjsTimes(
  backend: 'wasm' | 'cpu',
  s: Shape,
  g: ConvGeometry,
  data: { x: Float32Array; w: Float32Array; dy: Float32Array },
): Promise<Record<Pass, number | string>> {
  await tf.setBackend(backend);
  await tf.ready();
  const { x, dy, filter, padding, depthwise } = tfjsOperands(s, g, data);
  const attrs = {
    strides: [s.stride, s.stride],
    pad: padding,
    dataFormat: 'NHWC',
    dilations: [s.dilation, s.dilation],
    dimRoundingMode: undefined,
  };
  const run = (f: () => import('@tensorflow/tfjs').Tensor): number | string => {
    try {
      return time(() => {
        const out = f();
        out.dataSync();
        out.dispose();
      });
    } catch (e) {
      return (e as Error).message.split('\n')[0].slice(0, 90);
    }
  };
  const engine = tf.engine();
  const kernel = (name: string, inputs: object, extra: object): import('@tensorflow/tfjs').Tensor =>
    engine.runKernel(name, inputs as never, { ...attrs, ...extra } as never) as import('@tensorflow/tfjs').Tensor;
  const result: Record<Pass, number | string> = {
    forward: run(() =>
      depthwise
        ? tf.depthwiseConv2d(x, filter, s.stride, padding, 'NHWC', s.dilation)
        : tf.conv2d(x, filter, s.stride, padding, 'NHWC', s.dilation),
    ),
    gradInput: run(() =>
      depthwise
        ? kernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { inputShape: x.shape })
        : kernel('Conv2DBackpropInput', { dy, filter }, { inputShape: x.shape }),
    ),
    gradWeight:
      backend === 'cpu' && flops(s, g) > 1e8
        ? 'skipped: hours at this size'
        : run(() =>
            depthwise
              ? kernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { filterShape: filter.shape })
              : kernel('Conv2DBackpropFilter', { x, dy }, { filterShape: filter.shape }),
          ),
  };
  if (backend === 'cpu' && flops(s, g) > 1e9) result.gradInput = typeof result.gradInput === 'number' ? result.gradInput : result.gradInput;
  tf.dispose([x, dy, filter]);
  return result;
}

/**
 * The small-conv comparison, robust to this shared machine's noise: `rounds` rounds, each timing
 * convgrad's three passes (one thread) and XNNPACK's forward (TF.js wasm, one thread) back to back;
 * the best of the rounds for each, so a busy neighbour in one round does not decide the ratio.
 */
async function smallConvRounds(s: Shape, rounds: number): Promise<{ ours: Record<Pass, number>; tfjsForward: number }> {
  const g = geometry(s);
  const gen = new Generator().manualSeed(1);
  const data = {
    x: randn([s.n, s.cin, s.h, s.w], { generator: gen }).data as Float32Array,
    w: randn([s.cout, s.cin / s.groups, s.k, s.k], { generator: gen }).data as Float32Array,
    dy: randn([s.n, s.cout, ...g.ySize], { generator: gen }).data as Float32Array,
  };
  await tf.setBackend('wasm');
  await tf.ready();
  const { x, dy, filter, padding } = tfjsOperands(s, g, data);
  const y = new Float32Array(data.dy.length);
  const dx = new Float32Array(data.x.length);
  const dw = new Float32Array(data.w.length);
  setBackend('wasm');
  setNumThreads(1);
  const k = convKernels();
  const ours: Record<Pass, number> = { forward: Infinity, gradInput: Infinity, gradWeight: Infinity };
  let tfjsForward = Infinity;
  for (let r = 0; r < rounds; r++) {
    ours.forward = Math.min(
      ours.forward,
      time(() => k.convForward(data.x, data.w, y, g)),
    );
    tfjsForward = Math.min(
      tfjsForward,
      time(() => {
        const out = tf.conv2d(x, filter, s.stride, padding, 'NHWC', s.dilation);
        out.dataSync();
        out.dispose();
      }),
    );
    ours.gradInput = Math.min(
      ours.gradInput,
      time(() => k.convGradInput(data.dy, data.w, dx, g)),
    );
    ours.gradWeight = Math.min(
      ours.gradWeight,
      time(() => k.convGradWeight(data.x, data.dy, dw, g)),
    );
  }
  tf.dispose([x, dy, filter]);
  return { ours, tfjsForward };
}

async function main(): Promise<void> {
  const rt = wasmRuntime();
  if (rt === null) throw new Error('the wasm backend is unavailable on this engine');
  // The machine is shared and noisy: the ceiling is the best of several short measurements.
  const peak = Math.max(...[0, 1, 2, 3, 4].map(() => measurePeak(rt, 150)));
  const threads = availableParallelism();
  const rows: Row[] = [];
  const quick = process.argv.includes('--quick');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const noPeers = process.argv.includes('--no-peers');
  const trainOnly = process.argv.includes('--train-only');
  const smallOnly = process.argv.includes('--small');
  const identical: { shape: string; threads: number[]; identical: boolean }[] = [];
  for (const s of SHAPES.filter(
    (sh) => !trainOnly && (only === undefined || sh.name.includes(only)) && (!smallOnly || sh.smallConv === true),
  )) {
    const g = geometry(s);
    const gen = new Generator().manualSeed(1);
    const r = (shape: number[]): Tensor => randn(shape, { generator: gen });
    const x = r([s.n, s.cin, s.h, s.w]).data as Float32Array;
    const w = r([s.cout, s.cin / s.groups, s.k, s.k]).data as Float32Array;
    const dy = r([s.n, s.cout, ...g.ySize]).data as Float32Array;
    const y = new Float32Array(dy.length);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    const gflop = flops(s, g) / 1e9;
    const ours: Record<string, Record<Pass, number | null>> = {};
    const configs: [string, 'wasm' | 'reference', number][] = [
      ['convgrad wasm 1 thread', 'wasm', 1],
      [`convgrad wasm ${threads} threads`, 'wasm', threads],
      ['convgrad reference', 'reference', 1],
    ];
    for (const [label, backend, t] of configs) {
      setBackend(backend);
      setNumThreads(t);
      if (t > 1) await threadsReady();
      const k = convKernels();
      const skip = backend === 'reference' && (quick || noPeers || gflop > 0.25);
      ours[label] = {
        forward: skip ? null : time(() => k.convForward(x, w, y, g)),
        gradInput: skip ? null : time(() => k.convGradInput(dy, w, dx, g)),
        gradWeight: skip ? null : time(() => k.convGradWeight(x, dy, dw, g)),
      };
    }
    // Determinism: every pass gives the same bits on 1..N threads (N = max(4, cores)).
    const runs: Buffer[] = [];
    const threadCounts = Array.from({ length: Math.max(4, threads) }, (_, i) => i + 1);
    setBackend('wasm');
    for (const t of threadCounts) {
      setNumThreads(t);
      await threadsReady();
      const k = convKernels();
      const out = [new Float32Array(dy.length), new Float32Array(x.length), new Float32Array(w.length)];
      k.convForward(x, w, out[0], g);
      k.convGradInput(dy, w, out[1], g);
      k.convGradWeight(x, dy, out[2], g);
      runs.push(Buffer.concat(out.map((o) => Buffer.from(o.buffer))));
    }
    identical.push({ shape: s.name, threads: threadCounts, identical: runs.every((r) => r.equals(runs[0])) });
    const peers: Record<string, Record<Pass, number | string>> = noPeers
      ? {}
      : {
          'tfjs wasm': await tfjsTimes('wasm', s, g, { x, w, dy }),
          'tfjs cpu':
            quick && gflop > 0.05
              ? { forward: 'skipped', gradInput: 'skipped', gradWeight: 'skipped' }
              : await tfjsTimes('cpu', s, g, { x, w, dy }),
        };
    for (const pass of PASSES) {
      const row: Row = { shape: s.name, kind: s.kind, pass, gflop, ms: {}, note: {} };
      for (const [label, m] of Object.entries(ours)) row.ms[label] = m[pass];
      for (const [label, m] of Object.entries(peers)) {
        const v = m[pass];
        row.ms[label] = typeof v === 'number' ? v : null;
        if (typeof v === 'string') row.note[label] = v;
      }
      rows.push(row);
      const cell = (label: string): string => {
        const ms = row.ms[label];
        if (ms === null || ms === undefined) return row.note[label] ? 'n/a' : '—';
        const time = ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
        return `${time} ${(gflop / (ms / 1000)).toFixed(gflop / (ms / 1000) < 0.1 ? 3 : 1)} GF/s`;
      };
      console.log(
        `${s.name.padEnd(34)} ${pass.padEnd(10)} ${Object.keys(row.ms)
          .map((l) => `${l}: ${cell(l)}`)
          .join(' | ')}`,
      );
    }
  }
  setBackend('wasm');
  setNumThreads(threads);
  const one = 'convgrad wasm 1 thread';
  const all = `convgrad wasm ${threads} threads`;
  const ratio = (a: number | null | undefined, b: number | null | undefined): number | null => (a && b ? b / a : null);
  const summary = rows.map((r) => {
    const gfs = (label: string): number | null => (r.ms[label] ? r.gflop / (r.ms[label]! / 1000) : null);
    return {
      shape: r.shape,
      pass: r.pass,
      gflopsOneThread: gfs(one),
      gflopsAllThreads: gfs(all),
      fractionOfPeakPerThread: gfs(one) !== null ? gfs(one)! / peak : null,
      speedupVsTfjsWasmOneThread: ratio(r.ms[one], r.ms['tfjs wasm']),
      speedupVsTfjsWasmAllThreads: ratio(r.ms[all], r.ms['tfjs wasm']),
      speedupVsTfjsCpuAllThreads: ratio(r.ms[all], r.ms['tfjs cpu']),
      speedupVsReference: ratio(r.ms[all], r.ms['convgrad reference']),
    };
  });
  const geo = (vals: (number | null)[]): number | null => {
    const v = vals.filter((x): x is number => x !== null && x > 0);
    return v.length === 0 ? null : Math.exp(v.reduce((a, b) => a + Math.log(b), 0) / v.length);
  };
  const dense = summary.filter((s) => rows.find((r) => r.shape === s.shape)!.kind === 'dense');
  const headline = {
    forwardVsTfjsWasmGeomeanOneThread: geo(dense.filter((s) => s.pass === 'forward').map((s) => s.speedupVsTfjsWasmOneThread)),
    forwardVsTfjsWasmGeomeanAllThreads: geo(dense.filter((s) => s.pass === 'forward').map((s) => s.speedupVsTfjsWasmAllThreads)),
    gradInputVsTfjsWasmGeomeanAllThreads: geo(dense.filter((s) => s.pass === 'gradInput').map((s) => s.speedupVsTfjsWasmAllThreads)),
  };
  // Small convs (issue 11): forward on one thread against XNNPACK on one thread (best of 5 interleaved
  // rounds each); the gradients against our own forward.
  const smallShapes = noPeers ? [] : SHAPES.filter((sh) => sh.smallConv === true && rows.some((r) => r.shape === sh.name));
  const smallConv: {
    shape: string;
    forwardGflopsOneThread: number;
    tfjsWasmForwardGflops: number;
    forwardVsTfjsWasmOneThread: number;
    gradInputVsOwnForward: number;
    gradWeightVsOwnForward: number;
  }[] = [];
  for (const sh of smallShapes) {
    const r = await smallConvRounds(sh, 5);
    const gflop = flops(sh, geometry(sh)) / 1e9;
    smallConv.push({
      shape: sh.name,
      forwardGflopsOneThread: gflop / (r.ours.forward / 1000),
      tfjsWasmForwardGflops: gflop / (r.tfjsForward / 1000),
      forwardVsTfjsWasmOneThread: r.tfjsForward / r.ours.forward,
      gradInputVsOwnForward: r.ours.forward / r.ours.gradInput,
      gradWeightVsOwnForward: r.ours.forward / r.ours.gradWeight,
    });
  }
  setNumThreads(threads);
  const smallGeomean = geo(smallConv.map((r) => r.forwardVsTfjsWasmOneThread));
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: threads,
    node: process.version,
    wasmFeatures: rt.features,
    peakGflopsPerThread: peak,
  };
  console.log('\nmachine', JSON.stringify(machine));
  console.log('headline', JSON.stringify({ ...headline, smallConvForwardVsTfjsWasmGeomeanOneThread: smallGeomean }));
  console.log(
    '\nsmall convs, one thread each, best of 5 interleaved rounds | convgrad forward GF/s | tfjs-wasm (XNNPACK) GF/s | × tfjs-wasm | input grad ÷ own forward | weight grad ÷ own forward',
  );
  for (const r of smallConv) {
    const f = (v: number | null, d = 2): string => (v === null ? 'n/a' : v.toFixed(d));
    console.log(
      `${r.shape} | ${f(r.forwardGflopsOneThread, 1)} | ${f(r.tfjsWasmForwardGflops, 1)} | ${f(r.forwardVsTfjsWasmOneThread)} | ${f(r.gradInputVsOwnForward)} | ${f(r.gradWeightVsOwnForward)}`,
    );
  }
  console.log(
    `\ndeterminism (every pass, the same bits on 1..N threads): ${identical.every((d) => d.identical) ? 'yes' : 'NO'} — ${identical.map((d) => `${d.shape}: ${d.identical ? 'identical' : 'DIFFERS'}`).join('; ')}`,
  );
  console.log('\nshape | pass | GF/s 1 thread | GF/s all | of peak | × tfjs-wasm (1 thr) | × tfjs-wasm (all) | × tfjs-cpu');
  for (const s of summary) {
    const f = (v: number | null, d = 2): string => (v === null ? 'n/a' : v.toFixed(d));
    console.log(
      `${s.shape} | ${s.pass} | ${f(s.gflopsOneThread, 1)} | ${f(s.gflopsAllThreads, 1)} | ${f(s.fractionOfPeakPerThread)} | ${f(s.speedupVsTfjsWasmOneThread)} | ${f(s.speedupVsTfjsWasmAllThreads)} | ${f(s.speedupVsTfjsCpuAllThreads)}`,
    );
  }
  // Training: four nets, convgrad with 1 and all threads against PyTorch's same steps, and where the time goes.
  const netsArg = process.argv.find((a) => a.startsWith('--nets='))?.slice('--nets='.length);
  const nets = netsArg === undefined ? NET_NAMES : (netsArg.split(',') as NetName[]);
  const roundsArg = process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length);
  const rounds = roundsArg === undefined ? 3 : Number(roundsArg);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench: --rounds=${roundsArg} is invalid; expected an integer ≥ 1`);
  const training = process.argv.includes('--no-train') ? null : await trainBench(nets, rounds);
  if (training !== null) {
    console.log(
      `\ntraining (batch 64, median of ${training.rounds} alternated rounds) | threads | our loop | images/s | step ms | PyTorch images/s | × PyTorch | × PyTorch per round`,
    );
    if (training.note) console.log(training.note);
    for (const r of training.ours) {
      const torch = training.torch?.[r.net]?.[String(r.threads)];
      const ratio = torch ? (r.trainImagesPerSecond / torch.trainImagesPerSecond).toFixed(2) : 'n/a';
      const perRound = torch
        ? r.rounds.map((v, i) => (torch.rounds[i] === undefined ? 'n/a' : (v / torch.rounds[i]).toFixed(2))).join(', ')
        : 'n/a';
      console.log(
        `${NET_TITLES[r.net]} | ${r.threads} | ${r.loop} | ${r.trainImagesPerSecond.toFixed(0)} | ${r.stepMs.toFixed(1)} | ${torch?.trainImagesPerSecond.toFixed(0) ?? 'n/a'} | ${ratio} | ${perRound}`,
      );
    }
    console.log('\nwhere a one-thread step goes (share of the CPU profile)');
    for (const [net, shares] of Object.entries(training.profiles)) {
      const parts = Object.entries(shares)
        .sort((a, b) => b[1] - a[1])
        .map(([c, v]) => `${c} ${(100 * v).toFixed(0)}%`);
      console.log(`${net}: ${parts.join(', ')}`);
    }
    console.log(`LeNet-5 evaluation: ${evalImagesPerSecond().toFixed(0)} images/s`);
  }
  // End to end: `convgrad train` on the digits (defaults) and Fashion-MNIST (5 epochs), with the wall time.
  const accuracy = process.argv.includes('--no-accuracy')
    ? []
    : [cliAccuracy([]), cliAccuracy(['--dataset', 'fashion-mnist', '--model', 'lenet', '--epochs', '5'])];
  for (const a of accuracy) {
    console.log(
      'error' in a
        ? `convgrad train ${a.args}: ${a.error}`
        : `convgrad train ${a.args || '(defaults)'}: test accuracy ${(100 * a.testAccuracy).toFixed(2)}% in ${a.seconds.toFixed(1)} s (${a.imagesPerSecond.toFixed(0)} training images/s)`,
    );
  }
  const file = new URL('../../bench/results.json', import.meta.url);
  // --train-only keeps the conv results of the last full run and replaces the training part.
  const previous = trainOnly && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const conv = trainOnly
    ? previous
    : {
        date: new Date().toISOString(),
        machine,
        headline: { ...headline, smallConvForwardVsTfjsWasmGeomeanOneThread: smallGeomean },
        smallConv,
        determinism: identical,
        rows,
        summary,
      };
  const train = { trainingDate: new Date().toISOString(), trainingMachine: machine, training, accuracy };
  writeFileSync(file, `${JSON.stringify({ ...conv, ...train }, null, 2)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
