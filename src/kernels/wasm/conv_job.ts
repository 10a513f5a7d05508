// The wasm conv jobs' plumbing, shared by every pass (conv.ts plans the passes): the geometry in three
// spatial dimensions, the arena layout after the job header, the header itself with the scratch
// regions, plane jobs (the direct and depthwise kernels, with their input streamed in), and running a
// pass on runs of images where its layout does not fit in WebAssembly's 4 GiB.
import type { ConvGeometry } from '../../tensor/conv_params.js';
import { residentAt } from './heap.js';
import { arenaStart, layoutArena, runJob, threadsFor, WasmMemoryError, type WasmRuntime } from './runtime.js';
import { extent as windowExtent, HEADER_INTS, paddedRow, ROW_SLACK, writeConvJob, type ConvJob } from './boundary.generated.js';

/**
 * Below this many multiply-adds, one thread is cheaper than waking the others: a worker takes 50-100 µs
 * to start on a job here, as long as such a job's whole work (measured: LeNet-5's 120→84 layer, 0.6 M
 * multiply-adds a pass, waited on longer than it computed; from 200 K to 2 M, a LeNet-5 step on two
 * threads 19.2 → 17.4 ms, four alternated runs each).
 */
const THREADS_MIN_MACS = 2_000_000;
let threadsMinMacs = THREADS_MIN_MACS;

/** Whether a job of this many multiply-adds is worth waking the other threads for (see THREADS_MIN_MACS). */
export const worthThreads = (macCount: number): boolean => macCount >= threadsMinMacs;

/** For tests: jobs of at least `macCount` multiply-adds use the threads (0: every job of two tasks or more; null: the default). */
export function setThreadsMinMacsForTesting(macCount: number | null): void {
  threadsMinMacs = macCount ?? THREADS_MIN_MACS;
}

export const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;

/** The geometry in 3 spatial dimensions (leading ones of size 1), as the kernels take it. */
export interface Geo3 {
  N: number;
  G: number;
  Cx: number;
  Cy: number;
  x: number[];
  y: number[];
  k: number[];
  s: number[];
  d: number[];
  p: number[];
}

export function to3d(g: ConvGeometry): Geo3 {
  const lift = (v: readonly number[], fill: number): number[] => [...new Array<number>(3 - v.length).fill(fill), ...v];
  return {
    N: g.batch,
    G: g.groups,
    Cx: g.xChannels,
    Cy: g.yChannels,
    x: lift(g.xSize, 1),
    y: lift(g.ySize, 1),
    k: lift(g.kSize, 1),
    s: lift(g.stride, 1),
    d: lift(g.dilation, 1),
    p: lift(g.padding, 0),
  };
}

export const prod = (a: readonly number[]): number => a[0] * a[1] * a[2];

/** The input extent the windows slide over in dimension i, for `outSize` outputs at `stride` (a padded plane's size). */
export const extent = (g: Geo3, i: number, outSize = g.y, stride = g.s): number => windowExtent(outSize[i], stride[i], g.k[i], g.d[i]);

export function macs(g: ConvGeometry): number {
  return g.batch * g.yChannels * (g.xChannels / g.groups) * g.ySize.reduce((a, b) => a * b, 1) * g.kSize.reduce((a, b) => a * b, 1);
}

/** Addresses for buffers of the given float counts, after the job header (see layoutArena). */
export const arena = (rt: WasmRuntime, floats: readonly number[]): number[] =>
  layoutArena(
    rt,
    floats.map((f) => f * 4),
    arenaStart() + HEADER_INTS * 4,
  );

/** Floats to lay out in the arena for `data`: none where it is resident storage (heap.ts), used where it lies. */
export const arenaFloats = (data: Float32Array): number => (residentAt(data) >= 0 ? 0 : data.length);

/** Where a job reads `data`: where it lies if resident, else at `at` in the arena, copied there now. */
export function placeInput(rt: WasmRuntime, data: Float32Array, at: number): number {
  const own = residentAt(data);
  if (own >= 0) return own;
  view(rt, at, data.length).set(data);
  return at;
}

/** Where a job writes `out`: where it lies if resident, else at `at` in the arena (copyOut copies it from there). */
export const placeOutput = (out: Float32Array, at: number): number => {
  const own = residentAt(out);
  return own >= 0 ? own : at;
};

/** Copies a job's output out of the arena, unless it was written where it lies (placeOutput). */
export function copyOut(rt: WasmRuntime, out: Float32Array, at: number): void {
  if (at !== residentAt(out)) out.set(view(rt, at, out.length));
}

/** The header fields besides the op, the geometry, the buffers and the scratch (writeHeader takes those apart). */
export type JobFields = Pick<
  ConvJob,
  'chunk' | 'chunks' | 'taps' | 'slotBytes' | 'm4' | 'kpad' | 'res' | 'wGroup' | 'a' | 'b' | 'slots' | 'stripRows' | 'rows' | 'biasPtr'
>;

/** A job's buffers in the arena: the gathered tensor (x or dy), the weights (or dy), the output, thread 0's scratch. */
export type JobBuffers = readonly [x: number, w: number, out: number, scratch: number];

/** One thread's scratch: its floats, and the byte offsets of its regions (see scratchRegions). */
export type Scratch = { floats: number } & Pick<ConvJob, 'colAt' | 'cAt' | 'packAt' | 'stripAt'>;

/** Writes the job header: the op, the geometry (from Geo3), the buffers, the scratch and the op's own fields. */
export function writeHeader(
  rt: WasmRuntime,
  op: number,
  g: Geo3,
  [xPtr, wPtr, outPtr, scratchAt]: JobBuffers,
  scratch: Scratch,
  fields: JobFields = {},
): void {
  const [xd, xh, xw] = g.x;
  const [yd, yh, yw] = g.y;
  const [kd, kh, kw] = g.k;
  const [sd, sh, sw] = g.s;
  const [dd, dh, dw] = g.d;
  const [pd, ph, pw] = g.p;
  const geometry = { n: g.N, g: g.G, cx: g.Cx, cy: g.Cy, xd, xh, xw, yd, yh, yw, kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw };
  const { floats, ...regions } = scratch;
  const buffers = { xPtr, wPtr, outPtr, scratch: scratchAt, scratchBytes: floats * 4 };
  writeConvJob(new Int32Array(rt.memory.buffer, arenaStart(), HEADER_INTS), { op, ...geometry, ...buffers, ...regions, ...fields });
}

/** One thread's scratch laid out end to end, in this order: the gathered columns, the GEMM output (or ColT, or the accumulator), the packed panels, the strip (floats each). */
export function scratchRegions(r: { col: number; c: number; pack?: number; strip?: number }): Scratch {
  const cAt = r.col * 4;
  const packAt = cAt + r.c * 4;
  const stripAt = packAt + (r.pack ?? 0) * 4;
  return { floats: r.col + r.c + (r.pack ?? 0) + (r.strip ?? 0), colAt: 0, cAt, packAt, stripAt };
}

export const view = (rt: WasmRuntime, at: number, floats: number): Float32Array => new Float32Array(rt.memory.buffer, at, floats);

export type Feed = (a: Float32Array, b: Float32Array, publish: (upTo: number) => void) => void;

/** Work on a job's output in the arena before it is copied out, with `data` copied in beside it (a bias). */
export interface Finish {
  data: Float32Array;
  run: (outAt: number, dataAt: number) => void;
}

/**
 * A job over two inputs and one output copied as they are (no packing), with `scratchFloats` of scratch
 * per thread: the direct and depthwise kernels. `finish`, if given, runs on the output in the arena
 * after the job, before the copy out, with its data laid out after the scratch. With `feed`, the inputs are copied in by it, task range
 * by task range, while the other threads already compute: the copy overlaps the work instead of
 * preceding it.
 */
export function planeJob(
  rt: WasmRuntime,
  op: number,
  g: Geo3,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  tasks: number,
  scratchFloats: number,
  macCount: number,
  fields: Pick<ConvJob, 'a' | 'b'> = {},
  feed?: Feed,
  finish?: Finish,
): void {
  const T = threadsFor(tasks, worthThreads(macCount));
  const job = arenaStart();
  const [aIn, bIn, outIn, scratchAt, extraAt] = arena(rt, [
    arenaFloats(a),
    arenaFloats(b),
    arenaFloats(out),
    T * scratchFloats,
    finish?.data.length ?? 0,
  ]);
  if (finish !== undefined) view(rt, extraAt, finish.data.length).set(finish.data);
  const outAt = placeOutput(out, outIn);
  if (feed === undefined || T === 1 || residentAt(a) >= 0 || residentAt(b) >= 0) {
    // Alone, there is nothing to overlap with: one copy each is cheapest (none for resident inputs).
    const aAt = placeInput(rt, a, aIn);
    const bAt = placeInput(rt, b, bIn);
    writeHeader(rt, op, g, [aAt, bAt, outAt, scratchAt], { floats: scratchFloats }, fields);
    runJob(rt, job, tasks, T);
  } else {
    writeHeader(rt, op, g, [aIn, bIn, outAt, scratchAt], { floats: scratchFloats }, fields);
    runJob(rt, job, tasks, T, (publish) => feed(view(rt, aIn, a.length), view(rt, bIn, b.length), publish));
  }
  // finish works on the result in place (a bias added) before it is copied out.
  finish?.run(outAt, extraAt);
  copyOut(rt, out, outAt);
}

/**
 * Copies inputs in for tasks 0..tasks−1 in 64 blocks, publishing each block: task t reads plane t of
 * every image (planes (n, t)), for each [source, destination, plane size] given.
 */
export function streamPlanes(
  copies: [Float32Array, Float32Array, number][],
  tasks: number,
  images: number,
  publish: (upTo: number) => void,
  blocks = 64,
): void {
  const step = Math.max(1, Math.ceil(tasks / blocks));
  for (let t = 0; t < tasks; t += step) {
    const end = Math.min(tasks, t + step);
    for (const [src, dst, plane] of copies) {
      for (let n = 0; n < images; n++) {
        const from = (n * tasks + t) * plane;
        dst.set(src.subarray(from, (n * tasks + end) * plane), from);
      }
    }
    publish(end);
  }
}

/** Floats of one padded source plane as the kernels lay it out (with `rowSlack`, paddedRow's rows), plus a margin for vector loads past its end. */
export function paddedPlane(g: Geo3, outSize: number[], stride: number[], rowSlack: boolean): number {
  const width = rowSlack ? paddedRow(outSize[2], stride[2], g.k[2], g.d[2]) : extent(g, 2, outSize, stride);
  return roundUp(extent(g, 0, outSize, stride) * extent(g, 1, outSize, stride) * width, 4) + ROW_SLACK;
}

/**
 * Runs `pass` on the whole batch or, where its layout does not fit in WebAssembly's 4 GiB, on runs of
 * images (halving the run until it fits): images are independent in every pass, and the weight
 * gradient adds the runs' partial sums in order. `inputs` hold one block per image; `out` too where
 * `outPerImage`, else it is the sum over the batch. Returns false where not even one image fits (then
 * nothing was computed).
 */
export function inBatchRuns(
  inputs: Float32Array[],
  out: Float32Array,
  g: ConvGeometry,
  outPerImage: boolean,
  pass: (inputs: Float32Array[], out: Float32Array, g: ConvGeometry) => void,
): boolean {
  const N = g.batch;
  const slice = (a: Float32Array, n0: number, n1: number): Float32Array => a.subarray((n0 * a.length) / N, (n1 * a.length) / N);
  for (let run = N; ; run = Math.ceil(run / 2)) {
    try {
      if (run === N) pass(inputs, out, g);
      else {
        const part = outPerImage ? null : new Float32Array(out.length);
        if (part !== null) out.fill(0);
        for (let n0 = 0; n0 < N; n0 += run) {
          const n1 = Math.min(N, n0 + run);
          pass(
            inputs.map((a) => slice(a, n0, n1)),
            part ?? slice(out, n0, n1),
            { ...g, batch: n1 - n0 },
          );
          if (part !== null) for (let i = 0; i < out.length; i++) out[i] += part[i];
        }
      }
      return true;
    } catch (e) {
      if (!(e instanceof WasmMemoryError)) throw e;
      if (run === 1) return false;
    }
  }
}
