// The wasm backend's conv kernels (float32): plan each pass (which kernel, chunking, packing the
// weights), lay its job out in the shared memory (conv_job.ts), run the tasks on the thread pool. Each
// returns false for float64 and tiny convolutions (a job's fixed cost would exceed their work), and the
// registry runs the reference kernel. The job header, layout constants and functions are generated from assembly/boundary.json.
import type { Storage } from '../../tensor/tensor.js';
import type { ConvGeometry } from '../../tensor/conv_params.js';
import { allFinite } from '../reference/conv.js';
import {
  arena,
  arenaFloats,
  copyOut,
  extent,
  inBatchRuns,
  macs,
  paddedPlane,
  placeInput,
  placeOutput,
  planeJob,
  prod,
  roundUp,
  scratchRegions,
  streamPlanes,
  worthThreads,
  to3d,
  view,
  writeHeader,
  type Finish,
  type Geo3,
} from './conv_job.js';
import { arenaStart, getNumThreads, runJob, threadsFor, wasmRuntimeForCall, type WasmRuntime } from './runtime.js';
import {
  GEMM_OVERREAD,
  OP_DEPTHWISE_FORWARD,
  OP_DEPTHWISE_GRAD_WEIGHT,
  OP_DIRECT,
  OP_DIRECT_GRAD_WEIGHT,
  OP_FORWARD,
  OP_FORWARD_ROWS,
  OP_GRAD_INPUT,
  OP_GRAD_INPUT_SCATTER,
  OP_GRAD_WEIGHT,
  OP_GRAD_WEIGHT_STRIP,
  TAP_HEADER,
  TAP_TABLE_SLOT,
  VECTOR_OVERREAD,
  colStride,
  tapStride,
} from './boundary.generated.js';

/** Below this many multiply-adds, the reference loop is cheaper than a job. */
export const WASM_MIN_MACS = 4096;
const CHUNK = 64;
/** Output rows this narrow or narrower make im2col's runs short: the forward pass gathers through a padded strip. */
const NARROW = 32;
/** Partial sums of the GEMM weight gradient: few, so each stays hot in cache over a long run of items (more would cost memory traffic and a longer final sum); up to 4 threads share the work. */
const WEIGHT_GRAD_SLOTS = 4;

const isDepthwise = (g: Geo3): boolean => g.Cx === g.G && g.Cy === g.G;

/** Input channels per group from which the stride-1 input gradient runs as a forward convolution (its GEMM has that many rows). */
const FORWARD_FORM_MIN_ROWS = 16;
/** Few input channels per group: the direct input gradient beats the GEMM forms (whose M would be tiny). */
const SMALL_CHANNELS = 4;
const useDirect = (g: Geo3): boolean => g.Cx / g.G <= SMALL_CHANNELS && !isDepthwise(g);

/**
 * Direct correlation, one task per (n, group): out[n, g·A + a] = Σ_b corr(src[n, g·B + b] padded, v[g·A + a, b]).
 * The input gradient at stride 1 (src = dy, v = w flipped and transposed); the wasm kernel pads 8 floats per row.
 */
function direct(
  rt: WasmRuntime,
  src: Float32Array,
  srcSize: number[],
  v: Float32Array,
  out: Float32Array,
  outSize: number[],
  g: Geo3,
  A: number,
  B: number,
  pad: number[],
  macCount: number,
): void {
  const g2 = { ...g, x: srcSize, y: outSize, s: [1, 1, 1], p: pad };
  planeJob(rt, OP_DIRECT, g2, src, v, out, g.N * g.G, B * paddedPlane(g2, outSize, g2.s, true), macCount, { a: A, b: B });
}

/** Direct weight gradient, one task per (group, pair of output channels): dot products of dy rows with padded x rows. */
function directGradWeight(rt: WasmRuntime, x: Float32Array, dy: Float32Array, dw: Float32Array, g: Geo3, macCount: number): void {
  const A = g.Cy / g.G;
  planeJob(rt, OP_DIRECT_GRAD_WEIGHT, g, x, dy, dw, g.G * Math.ceil(A / 2), paddedPlane(g, g.y, g.s, true), macCount, {
    a: A,
    b: g.Cx / g.G,
  });
}

/**
 * The direct depthwise path (one input and one output channel per group): out = Σ_κ v[c, κ] ·
 * src_padded[i·s + κ·d], one task per plane; the forward pass, and the input gradient at stride 1.
 */
function depthwise(
  rt: WasmRuntime,
  src: Float32Array,
  srcSize: number[],
  v: Float32Array,
  out: Float32Array,
  outSize: number[],
  g: Geo3,
  stride: number[],
  pad: number[],
  macCount: number,
  bias: Float32Array | null = null,
): void {
  const g2 = { ...g, x: srcSize, y: outSize, s: stride, p: pad };
  // Task t reads source plane t: stream the source in while the other threads compute.
  const tasks = g.N * g.Cx;
  const plane = prod(srcSize);
  const addBias: Finish | undefined =
    bias === null ? undefined : { data: bias, run: (outAt, biasAt) => rt.exports.addBias(outAt, biasAt, g.N, g.Cy, prod(outSize)) };
  planeJob(
    rt,
    OP_DEPTHWISE_FORWARD,
    g2,
    src,
    v,
    out,
    tasks,
    paddedPlane(g2, outSize, stride, false),
    macCount,
    {},
    (a, b, publish) => {
      b.set(v);
      streamPlanes([[src, a, plane]], tasks, 1, publish);
    },
    addBias,
  );
}

/** Depthwise weight gradient, one task per channel (all images): dw[c, κ] = Σ dy · x̃ shifted by κ. */
function depthwiseGradWeight(rt: WasmRuntime, x: Float32Array, dy: Float32Array, dw: Float32Array, g: Geo3, macCount: number): void {
  // Task c reads x and dy planes (n, c) of every image: stream them in channel block by channel block.
  const xPlane = prod(g.x);
  const yPlane = prod(g.y);
  planeJob(rt, OP_DEPTHWISE_GRAD_WEIGHT, g, x, dy, dw, g.Cx, paddedPlane(g, g.y, g.s, false), macCount, {}, (a, b, publish) =>
    streamPlanes(
      [
        [x, a, xPlane],
        [dy, b, yPlane],
      ],
      g.Cx,
      g.N,
      publish,
      32,
    ),
  );
}

/**
 * im2col through a padded strip (assembly im2colStrip) for narrow outputs of 2-D and 1-D convolutions
 * (no depth to read): the rows of the strip per channel, and its floats per thread (0, 0: plain im2col).
 * The im2col rows are then colStride(chunk, rows) apart.
 */
function stripPlan(g: Geo3, chunk: number): { rows: number; floats: number } {
  if (!(g.x[0] === 1 && g.y[0] === 1 && g.k[0] === 1 && g.p[0] === 0 && g.y[2] <= NARROW)) return { rows: 0, floats: 0 };
  // The output rows a chunk touches (up to two partial ones), and the input rows their windows read.
  const rows = extent(g, 1, [1, Math.min(g.y[1], Math.ceil(chunk / g.y[2]) + 1), 1]);
  // im2colStrip reads the strip in whole vectors.
  return { rows, floats: rows * (g.Cx / g.G) * extent(g, 2) + VECTOR_OVERREAD };
}

/**
 * The forward pass by output rows (assembly forwardRowsTask: the GEMM turned round, reading each pixel's
 * window in place), or null: narrow 2-D outputs at stride 1 along rows that are not whole runs of 4 (the
 * GEMM's columns would straddle rows), with up to 32 output channels. It saves im2col, whose share of
 * the work falls as the output channels grow (its tile also loads x once more per k than the plain GEMM):
 * measured (one thread, the same bits either way) 0.87-0.90× the time of the runs-of-4 version before it
 * on LeNet conv2 (10-wide rows, 16 channels); against im2col 0.55× (5-wide, 8 channels), 0.87-0.90×
 * (10-wide, 20-32 channels), 0.99-1.10 (14-wide, 32 and 64 channels), 1.03-1.05 (7-wide, 64 and 128).
 */
function rowsPlan(g: Geo3, M4: number): { perTask: number; columns: number; strip: { rows: number; floats: number } } | null {
  const yW = g.y[2];
  if (stripPlan(g, CHUNK).rows === 0 || g.s[2] !== 1 || yW % 4 === 0 || yW < 4) return null;
  if (M4 > 32) return null;
  const perTask = Math.max(1, Math.min(g.y[1], Math.floor(CHUNK / yW)));
  const rows = extent(g, 1, [1, perTask, 1]);
  return {
    perTask,
    // The pixels of a task, padded to a multiple of 4 (their addresses are gemmPixels' list).
    columns: roundUp(perTask * yW, 4),
    strip: { rows, floats: rows * (g.Cx / g.G) * extent(g, 2) + VECTOR_OVERREAD },
  };
}

/**
 * How a matmul's operands lie (as the 1×1 convolution of forward(): w its left operand M×K, x its
 * right one K×N): transA, w is stored K×M; transB, x is stored N×K. Each is read in place: w through its
 * packing, x transposed once in the arena.
 */
interface Transposes {
  transA: boolean;
  transB: boolean;
}

const AS_STORED: Transposes = { transA: false, transB: false };

/**
 * y = conv(x, w) (+ b[o], added in the arena before the copy out): packs W per group into panels of 4
 * output channels, one task per (n, g, column chunk).
 */
function forward(
  rt: WasmRuntime,
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
  geometry: ConvGeometry,
  b: Float32Array | null = null,
  { transA, transB }: Transposes = AS_STORED,
): void {
  const g = to3d(geometry);
  if (isDepthwise(g)) return depthwise(rt, x, g.x, w, y, g.y, g, g.s, g.p, macs(geometry), b);
  const cxg = g.Cx / g.G;
  const cyg = g.Cy / g.G;
  const K = cxg * prod(g.k);
  const M4 = roundUp(cyg, 4);
  const P = prod(g.y);
  const rows = rowsPlan(g, M4);
  const chunk = rows === null ? Math.min(CHUNK, roundUp(P, 8)) : rows.columns;
  const chunks = rows === null ? Math.ceil(P / chunk) : Math.ceil(g.y[1] / rows.perTask);
  const tasks = g.N * g.G * chunks;
  const T = threadsFor(tasks, worthThreads(macs(geometry)));
  // Narrow outputs (2-D, 1-D: no depth to read): im2col through a padded strip of the rows a chunk reads
  // (see im2colStrip), or the strip read in place by rows (forwardRowsTask).
  const strip = rows === null ? stripPlan(g, chunk) : rows.strip;
  // Per thread: the im2col rows (by rows: the taps' offsets), the GEMM output (by rows: the pixels' addresses), the strip.
  const scratch = scratchRegions({
    col: rows === null ? K * colStride(chunk, strip.rows) : K,
    c: rows === null ? M4 * chunk : chunk,
    strip: strip.floats,
  });
  const scratchFloats = scratch.floats;
  const job = arenaStart();
  const [xIn, wAt, yIn, scratchAt, bAt, wIn, xtAt] = arena(rt, [
    // A pointwise convolution's GEMM reads x in place (assembly forwardTask), up to GEMM_OVERREAD past its end.
    arenaFloats(x) + GEMM_OVERREAD,
    g.G * M4 * K,
    arenaFloats(y),
    T * scratchFloats,
    b?.length ?? 0,
    arenaFloats(w),
    transB ? x.length + GEMM_OVERREAD : 0,
  ]);
  let xAt = placeInput(rt, x, xIn);
  if (transB) {
    // x stored N×K (a linear layer's weight): its transpose, K×N, is the GEMM's right operand.
    rt.exports.transpose(xAt, xtAt, 1, P, K);
    xAt = xtAt;
  }
  const yAt = placeOutput(y, yIn);
  // wp[g][panel][k][r] = w[g·CyG + panel·4 + r, k] (or, transA, w[k, r]: a matmul's left operand read
  // transposed), packed in wasm (a matmul's left operand can be large).
  const wSrc = placeInput(rt, w, wIn);
  const [wRowStride, wColStride] = transA ? [1, cyg] : [K, 1];
  for (let gi = 0; gi < g.G; gi++)
    rt.exports.packPanels(wSrc + gi * cyg * K * 4, wAt + gi * M4 * K * 4, cyg, K, M4, wRowStride, wColStride);
  // The bias: added by each task of the GEMM path to the columns it wrote (still in cache), else after the job.
  if (b !== null) view(rt, bAt, b.length).set(b);
  const biasInTasks = b !== null && rows === null;
  writeHeader(rt, rows === null ? OP_FORWARD : OP_FORWARD_ROWS, g, [xAt, wAt, yAt, scratchAt], scratch, {
    chunk,
    chunks,
    m4: M4,
    stripRows: strip.rows,
    rows: rows?.perTask ?? 0,
    biasPtr: biasInTasks ? bAt : 0,
  });
  runJob(rt, job, tasks, T);
  if (b !== null && !biasInTasks) rt.exports.addBias(yAt, bAt, g.N, g.Cy, P);
  copyOut(rt, y, yAt);
}

/**
 * dx = Aᵀ·dy in the scatter form, one task per image: Cols = Wᵀ·dy (a GEMM reading dy in place), then
 * col2im. Its extra work is ∝ 1/C_out per multiply-add where the gather form's is ∝ 1/C_in.
 */
function gradInputScatter(rt: WasmRuntime, dy: Float32Array, w: Float32Array, dx: Float32Array, g: Geo3, macCount: number): void {
  const cxg = g.Cx / g.G;
  const cyg = g.Cy / g.G;
  const K3 = prod(g.k);
  const M4 = roundUp(cxg * K3, 4);
  const P = prod(g.y);
  const chunk = Math.min(CHUNK, roundUp(P, 8));
  const T = threadsFor(g.N, worthThreads(macCount));
  // Narrow 2-D outputs: col2im into a zero-bordered accumulator of Hp rows per channel (col2imStrip).
  const Hp = stripPlan(g, chunk).rows > 0 ? extent(g, 1) : 0;
  // Per thread: the GEMM output Cols, the accumulator.
  const scratch = scratchRegions({ col: M4 * chunk, c: cxg * Hp * extent(g, 2) });
  const scratchFloats = scratch.floats;
  // the GEMM reads dy in place
  const job = arenaStart();
  const [dyIn, wAt, dxIn, scratchAt, wIn] = arena(rt, [
    arenaFloats(dy) + GEMM_OVERREAD,
    g.G * M4 * cyg,
    arenaFloats(dx),
    T * scratchFloats,
    arenaFloats(w),
  ]);
  const dyAt = placeInput(rt, dy, dyIn);
  const dxAt = placeOutput(dx, dxIn);
  // wp[g][panel][o][r] = w[g·CyG + o, c, κ] for row m = panel·4 + r = c·K3 + κ: Wᵀ per group, read in place.
  const wSrc = placeInput(rt, w, wIn);
  for (let gi = 0; gi < g.G; gi++)
    rt.exports.packPanels(wSrc + gi * cyg * cxg * K3 * 4, wAt + gi * M4 * cyg * 4, cxg * K3, cyg, M4, 1, cxg * K3);
  writeHeader(rt, OP_GRAD_INPUT_SCATTER, g, [dyAt, wAt, dxAt, scratchAt], scratch, { chunk, m4: M4, stripRows: Hp });
  runJob(rt, job, g.N, T);
  copyOut(rt, dx, dxAt);
}

/** v[g·CxG + c, o, κ] = w[g·CyG + o, c, K3 − 1 − κ]: the kernels transposed (in ⇄ out channels) and flipped. */
function transposedFlipped(w: Float32Array, g: Geo3): Float32Array {
  const cxg = g.Cx / g.G;
  const cyg = g.Cy / g.G;
  const K3 = prod(g.k);
  const v = new Float32Array(w.length);
  for (let gi = 0; gi < g.G; gi++)
    for (let o = 0; o < cyg; o++)
      for (let c = 0; c < cxg; c++)
        for (let k = 0; k < K3; k++) v[((gi * cxg + c) * cyg + o) * K3 + k] = w[((gi * cyg + o) * cxg + c) * K3 + K3 - 1 - k];
  return v;
}

/** dx = Aᵀ·dy in the gather form: one stride-1 correlation per residue class of the input positions mod s. */
function gradInput(rt: WasmRuntime, dy: Float32Array, w: Float32Array, dx: Float32Array, geometry: ConvGeometry): void {
  const g = to3d(geometry);
  // The correlation forms read dy padded with zeros, so an Inf or NaN weight would make NaN (Inf · 0)
  // where PyTorch's input gradient has none: the scatter form reads no padding.
  if (!allFinite(w)) return gradInputScatter(rt, dy, w, dx, g, macs(geometry));
  if (isDepthwise(g) && g.s.every((s) => s === 1)) {
    // At stride 1, dx is dy correlated with the flipped kernel (one channel per group: nothing to transpose), padded by d·(k − 1) − p.
    const pad = [0, 1, 2].map((i) => g.d[i] * (g.k[i] - 1) - g.p[i]);
    return depthwise(rt, dy, g.y, transposedFlipped(w, g), dx, g.x, g, [1, 1, 1], pad, macs(geometry));
  }
  // More output than input channels per group, and images enough to keep every thread busy: the scatter
  // form, whose extra work is ∝ 1/C_out per multiply-add; at stride 1 only while the forward form's GEMM
  // would have few rows.
  const scatter = g.Cy / g.G > g.Cx / g.G && g.N >= getNumThreads();
  if (g.s.every((s) => s === 1) && g.p.every((p, i) => p <= g.d[i] * (g.k[i] - 1)) && !(scatter && g.Cx / g.G < FORWARD_FORM_MIN_ROWS)) {
    // At stride 1, dx is dy correlated with the kernels transposed and flipped, padded by d·(k − 1) − p:
    // a forward convolution (the GEMM with its strip im2col), or the direct kernel for few input channels.
    const v = transposedFlipped(w, g);
    const pad = [0, 1, 2].map((i) => g.d[i] * (g.k[i] - 1) - g.p[i]);
    if (useDirect(g)) return direct(rt, dy, g.y, v, dx, g.x, { ...g, Cx: g.Cy, Cy: g.Cx }, g.Cx / g.G, g.Cy / g.G, pad, macs(geometry));
    const lead = 3 - geometry.kSize.length;
    return forward(rt, dy, v, dx, {
      ...geometry,
      xChannels: geometry.yChannels,
      yChannels: geometry.xChannels,
      xSize: geometry.ySize,
      ySize: geometry.xSize,
      padding: pad.slice(lead),
    });
  }
  if (scatter) return gradInputScatter(rt, dy, w, dx, g, macs(geometry));
  const cxg = g.Cx / g.G;
  const cyg = g.Cy / g.G;
  const K3 = prod(g.k);
  const M4 = roundUp(cxg, 4);
  const R = prod(g.s);
  const tabStride = tapStride(g.k[0], g.k[1], g.k[2]);
  const tables = new Int32Array(R * tabStride);
  let base = 0;
  let maxT = 0;
  let maxK = 1;
  const residues: { taps: number[][]; base: number; K: number }[] = [];
  for (let r = 0; r < R; r++) {
    const rr = [Math.floor(r / (g.s[1] * g.s[2])), Math.floor(r / g.s[2]) % g.s[1], r % g.s[2]];
    const t = tables.subarray(r * tabStride, (r + 1) * tabStride);
    const taps: number[][] = [];
    let off = TAP_HEADER;
    for (let dim = 0; dim < 3; dim++) {
      // Kernel taps κ that reach positions ≡ r (mod s): (r + p − κ·d) divisible by s; then dy index t + (r + p − κ·d)/s.
      const kappas: number[] = [];
      for (let kk = 0; kk < g.k[dim]; kk++)
        if ((((rr[dim] + g.p[dim] - kk * g.d[dim]) % g.s[dim]) + g.s[dim]) % g.s[dim] === 0) kappas.push(kk);
      t[TAP_TABLE_SLOT.countD + dim] = kappas.length;
      t[TAP_TABLE_SLOT.td + dim] = Math.max(0, Math.ceil((g.x[dim] - rr[dim]) / g.s[dim]));
      kappas.forEach((kk, i) => {
        t[off + i] = kk;
        t[off + g.k[dim] + i] = (rr[dim] + g.p[dim] - kk * g.d[dim]) / g.s[dim];
      });
      off += 2 * g.k[dim];
      taps.push(kappas);
    }
    const Kr = cyg * taps[0].length * taps[1].length * taps[2].length;
    t[TAP_TABLE_SLOT.base] = base;
    residues.push({ taps, base, K: Kr });
    base += M4 * Kr;
    maxT = Math.max(maxT, t[TAP_TABLE_SLOT.td] * t[TAP_TABLE_SLOT.th] * t[TAP_TABLE_SLOT.tw]);
    maxK = Math.max(maxK, Kr);
  }
  const wGroup = base;
  const chunk = Math.min(CHUNK, roundUp(Math.max(maxT, 1), 8));
  const chunks = Math.max(1, Math.ceil(maxT / chunk));
  const tasks = g.N * g.G * R * chunks;
  const T = threadsFor(tasks, worthThreads(macs(geometry)));
  // Per thread: the gathered taps of dy, the GEMM output.
  const scratch = scratchRegions({ col: maxK * chunk, c: M4 * chunk });
  const scratchFloats = scratch.floats;
  const job = arenaStart();
  const [dyIn, wAt, dxIn, tabAt, scratchAt] = arena(rt, [arenaFloats(dy), g.G * wGroup, arenaFloats(dx), tables.length, T * scratchFloats]);
  const dyAt = placeInput(rt, dy, dyIn);
  const dxAt = placeOutput(dx, dxIn);
  new Int32Array(rt.memory.buffer, tabAt, tables.length).set(tables);
  const wp = view(rt, wAt, g.G * wGroup);
  wp.fill(0);
  // For residue r: wp[g][base_r + panel·4·K_r + k'·4 + row] = w[g·CyG + o, c, κ], k' = (o, κ among r's taps), row = c.
  for (let gi = 0; gi < g.G; gi++) {
    for (const res of residues) {
      const [tD, tH, tW] = res.taps;
      let kk = 0;
      for (let o = 0; o < cyg; o++) {
        for (const kd of tD)
          for (const kh of tH)
            for (const kw of tW) {
              const kIndex = (kd * g.k[1] + kh) * g.k[2] + kw;
              for (let c = 0; c < cxg; c++) {
                wp[gi * wGroup + res.base + (c >> 2) * 4 * res.K + kk * 4 + (c & 3)] = w[((gi * cyg + o) * cxg + c) * K3 + kIndex];
              }
              kk++;
            }
      }
    }
  }
  writeHeader(rt, OP_GRAD_INPUT, g, [dyAt, wAt, dxAt, scratchAt], scratch, { chunk, chunks, taps: tabAt, m4: M4, res: R, wGroup });
  runJob(rt, job, tasks, T);
  copyOut(rt, dx, dxAt);
}

/** dw = Σ_n Σ_p dy·im2col(x)ᵀ: each slot sums a fixed run of (image, chunk) items; the slots are added in order at the end. */
function gradWeight(rt: WasmRuntime, x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: ConvGeometry): void {
  const g = to3d(geometry);
  if (isDepthwise(g)) return depthwiseGradWeight(rt, x, dy, dw, g, macs(geometry));
  // Measured: the direct weight gradient wins with a single input channel per group (a network's first layer).
  if (g.Cx === g.G && !isDepthwise(g) && g.s[2] === 1) return directGradWeight(rt, x, dy, dw, g, macs(geometry));
  const cxg = g.Cx / g.G;
  const cyg = g.Cy / g.G;
  const K = cxg * prod(g.k);
  const P = prod(g.y);
  const chunk = Math.min(CHUNK, roundUp(P, 8));
  const chunks = Math.ceil(P / chunk);
  const strip = stripPlan(g, chunk);
  // Narrow 2-D outputs: the taps are read from the strip where they lie (assembly gradWeightStripItem)
  // and each slot holds dwᵀ (K4 × M8 per group); else im2col, its transpose and a GEMM (M4 × Kpad).
  const fromStrip = strip.rows > 0;
  const [rowsOf, colsOf] = fromStrip ? [roundUp(K, 4), roundUp(cyg, 8)] : [roundUp(cyg, 4), roundUp(K, 8)];
  // A fixed number of partial sums (slots), each over a fixed run of the (image, chunk) items, added
  // in slot order: the same bits for any thread count (issue 11).
  const slots = Math.min(g.N * chunks, WEIGHT_GRAD_SLOTS);
  const T = threadsFor(slots, worthThreads(macs(geometry)));
  const slotFloats = g.G * rowsOf * colsOf;
  // Per thread, from the strip: the taps' offsets and the chunk's row runs, dy transposed, the strip. Else: the im2col rows,
  // their transpose ColT, the packed dy panels, the strip.
  const scratch = fromStrip
    ? scratchRegions({ col: rowsOf + 2 * chunk, c: 0, pack: chunk * colsOf, strip: strip.floats })
    : scratchRegions({ col: K * colStride(chunk, strip.rows), c: chunk * colsOf, pack: rowsOf * chunk, strip: strip.floats });
  const scratchFloats = scratch.floats;
  const job = arenaStart();
  const [xIn, dyIn, slotsAt, sumAt, scratchAt] = arena(rt, [
    arenaFloats(x),
    arenaFloats(dy),
    slots * slotFloats,
    slotFloats,
    T * scratchFloats,
  ]);
  const xAt = placeInput(rt, x, xIn);
  const dyAt = placeInput(rt, dy, dyIn);
  view(rt, slotsAt, slots * slotFloats).fill(0);
  writeHeader(rt, fromStrip ? OP_GRAD_WEIGHT_STRIP : OP_GRAD_WEIGHT, g, [xAt, dyAt, slotsAt, scratchAt], scratch, {
    chunk,
    chunks,
    slotBytes: slotFloats * 4,
    m4: fromStrip ? colsOf : rowsOf,
    kpad: fromStrip ? rowsOf : colsOf,
    slots,
    stripRows: strip.rows,
  });
  runJob(rt, job, slots, T);
  rt.exports.sumBuffers(sumAt, slotsAt, slotFloats, slots, slotFloats);
  const sum = view(rt, sumAt, slotFloats);
  for (let gi = 0; gi < g.G; gi++) {
    const group = sum.subarray(gi * rowsOf * colsOf, (gi + 1) * rowsOf * colsOf);
    for (let o = 0; o < cyg; o++) {
      const at = (gi * cyg + o) * K;
      if (fromStrip) for (let k = 0; k < K; k++) dw[at + k] = group[k * colsOf + o];
      else dw.set(group.subarray(o * colsOf, o * colsOf + K), at);
    }
  }
}

/**
 * c = A·B (M×K times K×N, float32) as the 1×1 convolution of B (K channels, N positions) with weights A
 * (M×K×1): the conv GEMM serves both. transA: a is stored K×M; transB: b is stored N×K (read in place,
 * see Transposes). False where the wasm kernels cannot take it (float64, tiny, no room).
 */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  M: number,
  K: number,
  N: number,
  transposes: Transposes,
): boolean {
  const geometry = {
    batch: 1,
    groups: 1,
    xChannels: K,
    yChannels: M,
    xSize: [N],
    ySize: [N],
    kSize: [1],
    stride: [1],
    padding: [0],
    dilation: [1],
  };
  const rt = useWasm(b, geometry);
  return rt !== null && inBatchRuns([b], c, geometry, true, ([bs], cs, gs) => forward(rt, bs, a, cs, gs, null, transposes));
}

function useWasm(a: Storage, g: ConvGeometry): WasmRuntime | null {
  if (!(a instanceof Float32Array) || macs(g) < WASM_MIN_MACS) return null;
  return wasmRuntimeForCall();
}

// The registered kernels: each returns false (the registry then runs the reference kernel) for
// float64, tiny convolutions, and layouts that fit nowhere in WebAssembly's 4 GiB.
export function convForward(x: Storage, w: Storage, y: Storage, g: ConvGeometry): boolean {
  const rt = useWasm(x, g);
  return (
    rt !== null &&
    inBatchRuns([x as Float32Array], y as Float32Array, g, true, ([xs], ys, gs) => forward(rt, xs, w as Float32Array, ys, gs))
  );
}

/** y = conv(x, w) + b[o] in one call: the bias is added to y in the arena (float32; false otherwise). */
export function convForwardBias(x: Storage, w: Storage, b: Storage, y: Storage, g: ConvGeometry): boolean {
  const rt = useWasm(x, g);
  return (
    rt !== null &&
    b instanceof Float32Array &&
    inBatchRuns([x as Float32Array], y as Float32Array, g, true, ([xs], ys, gs) => forward(rt, xs, w as Float32Array, ys, gs, b))
  );
}

export function convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): boolean {
  const rt = useWasm(dy, g);
  return (
    rt !== null &&
    inBatchRuns([dy as Float32Array], dx as Float32Array, g, true, ([dys], dxs, gs) => gradInput(rt, dys, w as Float32Array, dxs, gs))
  );
}

export function convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): boolean {
  const rt = useWasm(x, g);
  return (
    rt !== null &&
    inBatchRuns([x as Float32Array, dy as Float32Array], dw as Float32Array, g, false, ([xs, dys], dws, gs) =>
      gradWeight(rt, xs, dys, dws, gs),
    )
  );
}
