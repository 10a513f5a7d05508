// Pooling: max (with PyTorch's indices: the flat position in the input plane, the first maximum in
// window order on ties), average and adaptive average, 1-3 d. Max pooling's gradient is a scatterAdd
// at the indices; average pooling is a linear map whose gradient is its adjoint, and the adjoint's
// gradient is the map again (as conv's three faces).
import { checkOptionKeys } from '../tensor/options.js';
import { Tensor, type Storage } from '../tensor/tensor.js';
import { defineKernel } from '../kernels/index.js';
import type { AvgPoolWindowsScalars, MaxPool2dScalars, MaxPoolScatterScalars } from '../kernels/signatures.js';
import { formatShape, numelOf } from '../tensor/shape.js';
import { expandIntArg, nonNegative, poolOutputSize, positive, type IntOrTuple } from '../tensor/conv_params.js';
import { record } from '../autograd/node.js';
import { checkFloating, checkTensor, empty, emptyUnzeroed } from './util.js';
import { mean } from './reduce.js';
import { squeeze, unsqueeze } from './view.js';
import type { ValuesAndIndices } from './max.js';

/** Options of the maxPool functions, as PyTorch's. */
export interface MaxPoolOptions {
  /** Step between windows (default, or null: the kernel size). */
  stride?: IntOrTuple | null;
  /** Implicit −∞ padding on each side (at most half the kernel; default 0). */
  padding?: IntOrTuple;
  /** Spacing between window taps (default 1). */
  dilation?: IntOrTuple;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
}

/** Options of the avgPool functions, as PyTorch's. */
export interface AvgPoolOptions {
  /** Step between windows (default, or null: the kernel size). */
  stride?: IntOrTuple | null;
  /** Implicit zero padding on each side (at most half the kernel; default 0). */
  padding?: IntOrTuple;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Whether padded zeros count in each window's divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead of its size (avgPool2d/3d only, as PyTorch). */
  divisorOverride?: number | null;
}

const sizes = (v: readonly number[]): string => v.join('x');

interface PoolGeometry {
  batched: boolean;
  x: Tensor; // (N, C, …L)
  L: number[];
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  out: number[];
}

/**
 * The window of a pooling (kernel, stride, padding, dilation per dimension) from its arguments, checked
 * without an input: the functions call it with their input, the modules at construction.
 */
export function poolWindow(
  dims: number,
  op: string,
  kernelSize: unknown,
  o: MaxPoolOptions,
  ceilMode: unknown,
): { k: number[]; s: number[]; p: number[]; d: number[] } {
  if (typeof ceilMode !== 'boolean') throw new Error(`${op}: ceilMode=${String(ceilMode)} must be a boolean`);
  const k = expandIntArg(kernelSize, dims, 'kernelSize', op, positive, 'positive integers');
  const s = o.stride === undefined || o.stride === null ? k : expandIntArg(o.stride, dims, 'stride', op, positive, 'positive integers');
  const p = expandIntArg(o.padding ?? 0, dims, 'padding', op, nonNegative, 'non-negative integers');
  const d = expandIntArg(o.dilation ?? 1, dims, 'dilation', op, positive, 'positive integers');
  p.forEach((pi, i) => {
    if (pi > Math.floor(k[i] / 2)) {
      throw new Error(
        `${op}: padding=${pi} in dimension ${i} is larger than half the kernel size ${k[i]}; expected padding ≤ ${Math.floor(k[i] / 2)}`,
      );
    }
  });
  return { k, s, p, d };
}

/** avgPool's own options: countIncludePad a boolean, divisorOverride a non-zero integer or null. */
export function avgPoolExtras(op: string, o: AvgPoolOptions): { countIncludePad: boolean; divisor: number | null } {
  const countIncludePad = o.countIncludePad ?? true;
  if (typeof countIncludePad !== 'boolean') throw new Error(`${op}: countIncludePad=${String(countIncludePad)} must be a boolean`);
  const divisor = o.divisorOverride ?? null;
  if (divisor !== null && (!Number.isInteger(divisor) || divisor === 0))
    throw new Error(`${op}: divisorOverride=${divisor} must be a non-zero integer`);
  return { countIncludePad, divisor };
}

export const MAX_POOL_OPTION_KEYS = ['stride', 'padding', 'dilation', 'ceilMode'];
export const AVG_POOL_OPTION_KEYS = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];

function poolGeometry(dims: number, op: string, input: Tensor, kernelSize: IntOrTuple, o: MaxPoolOptions, ceilMode: boolean): PoolGeometry {
  checkTensor(input, 'input', op);
  checkFloating(input, 'input', op);
  if (input.ndim !== dims + 1 && input.ndim !== dims + 2) {
    throw new Error(
      `${op}: input of shape ${formatShape(input.shape)} has ${input.ndim} dimensions; expected ${dims + 1} (unbatched) or ${dims + 2} (batched)`,
    );
  }
  const { k, s, p, d } = poolWindow(dims, op, kernelSize, o, ceilMode);
  const batched = input.ndim === dims + 2;
  const x = batched ? input : unsqueeze(input, 0);
  const L = x.shape.slice(2);
  const out = L.map((l, i) => poolOutputSize(l, k[i], s[i], p[i], d[i], ceilMode));
  if (out.some((n) => n < 1)) {
    throw new Error(
      `${op}: the output size (${sizes(out)}) computed from input size (${sizes(L)}) is too small; ` +
        `expected the (dilated) kernel ${sizes(k.map((ki, i) => d[i] * (ki - 1) + 1))} to fit in the padded input`,
    );
  }
  return { batched, x, L, k, s, p, d, out };
}

/**
 * 2-d max pooling as ATen's cpu_max_pool loops: per plane and output cell, the window clipped to the
 * input, the first maximum in window order (NaN wins); writes the values and the flat indices.
 */
function referenceMaxPool2d(x: Storage, y: Storage, idx: Float64Array, g: MaxPool2dScalars): void {
  const { h: H, w: W, oh: OH, ow: OW } = g;
  const k = [g.kh, g.kw];
  const s = [g.sh, g.sw];
  const p = [g.ph, g.pw];
  const d = [g.dh, g.dw];
  let at = 0;
  for (let c = 0; c < g.planes; c++) {
    const base = c * H * W;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * s[0] - p[0];
      const h1 = Math.min(h0 + (k[0] - 1) * d[0] + 1, H);
      while (h0 < 0) h0 += d[0];
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * s[1] - p[1];
        const w1 = Math.min(w0 + (k[1] - 1) * d[1] + 1, W);
        while (w0 < 0) w0 += d[1];
        let best = -Infinity;
        let bestAt = h0 * W + w0;
        for (let h = h0; h < h1; h += d[0]) {
          for (let w = w0; w < w1; w += d[1]) {
            const v = x[base + h * W + w];
            if (v > best || Number.isNaN(v)) {
              best = v;
              bestAt = h * W + w;
            }
          }
        }
        y[at] = best;
        idx[at++] = bestAt;
      }
    }
  }
}

const maxPool2dKernel = defineKernel('maxPool2d', referenceMaxPool2d);

/** dx[c, idx[c, q]] += dy[c, q] over zeroed dx: the gradient of max pooling. */
function referenceMaxPoolScatter(dy: Storage, idx: Float64Array, dx: Storage, { planes, planeIn, planeOut }: MaxPoolScatterScalars): void {
  for (let c = 0; c < planes; c++) {
    for (let q = 0; q < planeOut; q++) dx[c * planeIn + idx[c * planeOut + q]] += dy[c * planeOut + q];
  }
}

const maxPoolScatterKernel = defineKernel('maxPoolScatter', referenceMaxPoolScatter);

/** y[c, q] = x[c, idx[c, q]] per plane c: the pooled values. Its gradient scatters dy back to the indices. */
function takeAt(x: Tensor, idx: Tensor, outShape: readonly number[], planeIn: number, name: string): Tensor {
  const planeOut = idx.numel / Math.max(idx.shape[0] * idx.shape[1], 1);
  const planes = idx.numel / Math.max(planeOut, 1);
  const y = empty(x.dtype, outShape);
  const [xd, yd, at] = [x.storage, y.storage, idx.storage];
  for (let c = 0; c < planes; c++) {
    for (let q = 0; q < planeOut; q++) yd[c * planeOut + q] = xd[c * planeIn + at[c * planeOut + q]];
  }
  return record(y, name, [x], (dy) => [putAt(dy, idx, x.shape, planeIn, name)]);
}

/** dx[c, idx[c, q]] += dy[c, q]: the adjoint of takeAt; its gradient takes again. */
function putAt(dy: Tensor, idx: Tensor, xShape: readonly number[], planeIn: number, name: string): Tensor {
  const planeOut = idx.numel / Math.max(idx.shape[0] * idx.shape[1], 1);
  const planes = idx.numel / Math.max(planeOut, 1);
  const dx = emptyUnzeroed(dy.dtype, xShape, 'kernel');
  maxPoolScatterKernel.impl(dy.storage, idx.storage as Float64Array, dx.storage, { planes, planeIn, planeOut });
  return record(dx, name.replace('Backward0', 'BackwardBackward0'), [dy], (g) => [takeAt(g, idx, dy.shape, planeIn, name)]);
}

/** Index of each window's maximum (flat in the input plane) for every (plane, output position). */
function maxPoolIndices(g: PoolGeometry): Tensor {
  const { x, L, k, s, p, d, out } = g;
  const dims = L.length;
  const planes = x.shape[0] * x.shape[1];
  const planeIn = numelOf(L);
  const planeOut = numelOf(out);
  const idx = empty('int64', [x.shape[0], x.shape[1], ...out]);
  const o = new Array<number>(dims).fill(0);
  const t = new Array<number>(dims).fill(0);
  const [xd, indices] = [x.storage, idx.storage];
  for (let q = 0; q < planeOut; q++) {
    // o: the output position; t: the tap within the window.
    for (let c = 0; c < planes; c++) {
      let best = -Infinity;
      let at = -1;
      t.fill(0);
      for (;;) {
        let flat = 0;
        let inside = true;
        for (let i = 0; i < dims; i++) {
          const j = o[i] * s[i] - p[i] + t[i] * d[i];
          if (j < 0 || j >= L[i]) inside = false;
          flat = flat * L[i] + j;
        }
        if (inside) {
          const v = xd[c * planeIn + flat];
          if (v > best || Number.isNaN(v) || at < 0) {
            best = v;
            at = flat;
          }
        }
        let i = dims - 1;
        while (i >= 0 && ++t[i] === k[i]) t[i--] = 0;
        if (i < 0) break;
      }
      indices[c * planeOut + q] = at;
    }
    let i = dims - 1;
    while (i >= 0 && ++o[i] === out[i]) o[i--] = 0;
  }
  return idx;
}

function maxPoolNd(
  dims: number,
  input: Tensor,
  kernelSize: IntOrTuple,
  options: MaxPoolOptions,
  returnIndices: boolean,
): Tensor | ValuesAndIndices {
  const op = `maxPool${dims}d`;
  checkOptionKeys(options, MAX_POOL_OPTION_KEYS, op);
  const g = poolGeometry(dims, op, input, kernelSize, options, options.ceilMode ?? false);
  const name = `MaxPool${dims}DWithIndicesBackward0`;
  let idx: Tensor;
  let values: Tensor;
  if (dims === 2) {
    const [N, C] = g.x.shape;
    idx = emptyUnzeroed('int64', [N, C, ...g.out], 'kernel', op, [g.x]);
    const y = emptyUnzeroed(g.x.dtype, [N, C, ...g.out], 'kernel', op, [g.x]);
    const [kh, kw] = g.k;
    const [sh, sw] = g.s;
    const [ph, pw] = g.p;
    const [dh, dw] = g.d;
    const geometry = { planes: N * C, h: g.L[0], w: g.L[1], oh: g.out[0], ow: g.out[1], kh, kw, sh, sw, ph, pw, dh, dw };
    maxPool2dKernel.impl(g.x.storage, y.storage, idx.storage as Float64Array, geometry);
    // Unbatched input: the batch of one is dropped before recording, so the node is PyTorch's.
    const outShape = g.batched ? idx.shape : idx.shape.slice(1);
    const planeIn = numelOf(g.L);
    values = record(new Tensor(y.storage, outShape, false, y.dtype), name, [input], (dy) => [putAt(dy, idx, input.shape, planeIn, name)]);
  } else {
    idx = maxPoolIndices(g);
    values = takeAt(input, idx, g.batched ? idx.shape : idx.shape.slice(1), numelOf(g.L), name);
  }
  const outShape = g.batched ? idx.shape : idx.shape.slice(1);
  const indices = new Tensor(idx.storage, outShape, false, 'int64');
  return returnIndices ? { values, indices } : values;
}

/**
 * A 1-d pooling as PyTorch runs it: a 2-d pooling over a height of one (each option given a leading
 * 1, or 0 for padding), then that dimension squeezed out.
 */
function pool1dAs2d<O extends { stride?: IntOrTuple | null; padding?: IntOrTuple; dilation?: IntOrTuple }>(
  op: string,
  input: Tensor,
  kernelSize: IntOrTuple,
  options: O,
  allowed: readonly string[],
  pool2d: (x: Tensor, k: number[], o: O) => Tensor,
): Tensor {
  checkTensor(input, 'input', op);
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new Error(
      `${op}: input of shape ${formatShape(input.shape)} has ${input.ndim} dimensions; expected 2 (unbatched) or 3 (batched)`,
    );
  }
  checkOptionKeys(options, allowed, op);
  const lift = (v: IntOrTuple, fill: number, arg: string): number[] => [fill, ...expandIntArg(v, 1, arg, op, (n) => n >= 0, 'integers')];
  const k = lift(kernelSize, 1, 'kernelSize');
  const o = {
    ...options,
    stride: options.stride === undefined || options.stride === null ? k : lift(options.stride, 1, 'stride'),
    padding: lift(options.padding ?? 0, 0, 'padding'),
  };
  if (options.dilation !== undefined) o.dilation = lift(options.dilation, 1, 'dilation');
  return squeeze(pool2d(unsqueeze(input, -2), k, o), -2);
}

/** Max over sliding windows of a (N, C, L) or (C, L) input. */
export function maxPool1d(input: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions = {}): Tensor {
  return pool1dAs2d(
    'maxPool1d',
    input,
    kernelSize,
    options,
    ['stride', 'padding', 'dilation', 'ceilMode'],
    (x, k, o) => maxPoolNd(2, x, k, o, false) as Tensor,
  );
}

/** Max over sliding windows of a (N, C, H, W) or (C, H, W) input (`F.max_pool2d`); the gradient goes to the first maximum of each window. */
export const maxPool2d = (input: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions = {}): Tensor =>
  maxPoolNd(2, input, kernelSize, options, false) as Tensor;
/** Max over sliding windows of a (N, C, D, H, W) or (C, D, H, W) input (`F.max_pool3d`). */
export const maxPool3d = (input: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions = {}): Tensor =>
  maxPoolNd(3, input, kernelSize, options, false) as Tensor;

/** maxPool2d that also returns PyTorch's indices (int64, flat in each input plane). */
export function maxPool2dWithIndices(input: Tensor, kernelSize: IntOrTuple, options: MaxPoolOptions = {}): ValuesAndIndices {
  checkTensor(input, 'input', 'maxPool2dWithIndices');
  return maxPoolNd(2, input, kernelSize, options, true) as ValuesAndIndices;
}

/** One dimension of a separable window map: the window [start, end) of each output, and its count for the divisor. */
interface Windows {
  start: Int32Array;
  end: Int32Array;
  count: Float64Array;
}

/**
 * The reference of avgPoolWindows: per plane c and output q (3 dims, row-major), over the window's
 * positions j (row-major): forward dst[c, q] += src[c, j]·scale(q), adjoint dst[c, j] += src[c, q]·scale(q),
 * scale(q) = 1/divisor, or 1/Π count when divisor is 0. win: per dim, the starts, ends and counts.
 */
function referenceAvgPoolWindows(src: Storage, dst: Storage, win: Float64Array, s: AvgPoolWindowsScalars): void {
  const n = [s.n0, s.n1, s.n2];
  const L = [s.l0, s.l1, s.l2];
  const base = [0, 3 * s.n0, 3 * (s.n0 + s.n1)];
  const start = (d: number, o: number): number => win[base[d] + o];
  const end = (d: number, o: number): number => win[base[d] + n[d] + o];
  const count = (d: number, o: number): number => win[base[d] + 2 * n[d] + o];
  const planeIn = L[0] * L[1] * L[2];
  const planeOut = n[0] * n[1] * n[2];
  dst.fill(0);
  for (let c = 0; c < s.planes; c++) {
    let q = 0;
    for (let o0 = 0; o0 < n[0]; o0++) {
      for (let o1 = 0; o1 < n[1]; o1++) {
        for (let o2 = 0; o2 < n[2]; o2++) {
          const scale = 1 / (s.divisor !== 0 ? s.divisor : count(0, o0) * count(1, o1) * count(2, o2));
          for (let j0 = start(0, o0); j0 < end(0, o0); j0++) {
            for (let j1 = start(1, o1); j1 < end(1, o1); j1++) {
              for (let j2 = start(2, o2); j2 < end(2, o2); j2++) {
                const flat = (j0 * L[1] + j1) * L[2] + j2;
                if (s.adjoint) dst[c * planeIn + flat] += src[c * planeOut + q] * scale;
                else dst[c * planeOut + q] += src[c * planeIn + flat] * scale;
              }
            }
          }
          q++;
        }
      }
    }
  }
}

const avgPoolWindowsKernel = defineKernel('avgPoolWindows', referenceAvgPoolWindows);

/** y[c, o] = Σ_{j ∈ window(o)} x[c, j] / divisor(o), or with adjoint dx[c, j] += dy[c, o] / divisor(o). */
function windowMap(
  src: Tensor,
  planes: number,
  L: readonly number[],
  windows: readonly Windows[],
  divisor: number | null,
  adjoint: boolean,
): Tensor {
  const dims = L.length;
  const out = windows.map((w) => w.start.length);
  const lead = src.shape.slice(0, src.ndim - dims);
  const dst = emptyUnzeroed(src.dtype, [...lead, ...(adjoint ? L : out)], 'kernel', 'pool', [src]);
  // Three dims, the missing leading ones of size 1 (one window covering the one position).
  const one: Windows = { start: Int32Array.of(0), end: Int32Array.of(1), count: Float64Array.of(1) };
  const w3 = [...new Array<Windows>(3 - dims).fill(one), ...windows];
  const L3 = [...new Array<number>(3 - dims).fill(1), ...L];
  const win = new Float64Array(w3.reduce((t, w) => t + 3 * w.start.length, 0));
  let at = 0;
  for (const w of w3) {
    win.set(w.start, at);
    win.set(w.end, at + w.start.length);
    win.set(w.count, at + 2 * w.start.length);
    at += 3 * w.start.length;
  }
  avgPoolWindowsKernel.impl(src.storage, dst.storage, win, {
    planes,
    n0: w3[0].start.length,
    n1: w3[1].start.length,
    n2: w3[2].start.length,
    l0: L3[0],
    l1: L3[1],
    l2: L3[2],
    divisor: divisor ?? 0,
    adjoint: adjoint ? 1 : 0,
  });
  return dst;
}

/** The linear pooling map and its adjoint as one differentiable pair. */
function pooled(
  x: Tensor,
  L: readonly number[],
  windows: readonly Windows[],
  divisor: number | null,
  name: string,
  adjoint: boolean,
): Tensor {
  const planes = numelOf(x.shape.slice(0, x.ndim - L.length));
  const y = windowMap(x, planes, L, windows, divisor, adjoint);
  return record(y, adjoint ? `${name}BackwardBackward0` : `${name}Backward0`, [x], (dy) => [
    pooled(dy, L, windows, divisor, name, !adjoint),
  ]);
}

function avgPoolNd(dims: number, input: Tensor, kernelSize: IntOrTuple, options: AvgPoolOptions): Tensor {
  const op = `avgPool${dims}d`;
  checkOptionKeys(options, AVG_POOL_OPTION_KEYS, op);
  const { countIncludePad, divisor } = avgPoolExtras(op, options);
  const g = poolGeometry(dims, op, input, kernelSize, { stride: options.stride, padding: options.padding }, options.ceilMode ?? false);
  // ATen's avg_pool: the window is cut at the padded border for the divisor, then at the input.
  const windows = g.out.map((n, i): Windows => {
    const w: Windows = { start: new Int32Array(n), end: new Int32Array(n), count: new Float64Array(n) };
    for (let o = 0; o < n; o++) {
      const lo = o * g.s[i] - g.p[i];
      const hi = Math.min(lo + g.k[i], g.L[i] + g.p[i]);
      w.start[o] = Math.max(lo, 0);
      w.end[o] = Math.min(hi, g.L[i]);
      w.count[o] = countIncludePad ? hi - lo : w.end[o] - w.start[o];
    }
    return w;
  });
  // Unbatched input is pooled as it is (leading dimensions are planes), so the node is PyTorch's.
  return pooled(input, g.L, windows, divisor, `AvgPool${dims}D`, false);
}

/** Mean over sliding windows of a (N, C, L) or (C, L) input (`F.avg_pool1d`). */
export function avgPool1d(input: Tensor, kernelSize: IntOrTuple, options: Omit<AvgPoolOptions, 'divisorOverride'> = {}): Tensor {
  return pool1dAs2d('avgPool1d', input, kernelSize, options, ['stride', 'padding', 'ceilMode', 'countIncludePad'], (x, k, o) =>
    avgPoolNd(2, x, k, o),
  );
}

/** Mean over sliding windows of a (N, C, H, W) or (C, H, W) input (`F.avg_pool2d`); padded cells count unless countIncludePad is false. */
export const avgPool2d = (input: Tensor, kernelSize: IntOrTuple, options: AvgPoolOptions = {}): Tensor =>
  avgPoolNd(2, input, kernelSize, options);
/** Mean over sliding windows of a (N, C, D, H, W) or (C, D, H, W) input (`F.avg_pool3d`). */
export const avgPool3d = (input: Tensor, kernelSize: IntOrTuple, options: AvgPoolOptions = {}): Tensor =>
  avgPoolNd(3, input, kernelSize, options);

function adaptiveAvgPoolNd(dims: number, input: Tensor, outputSize: IntOrTuple | readonly (number | null)[]): Tensor {
  const op = `adaptiveAvgPool${dims}d`;
  checkTensor(input, 'input', op);
  checkFloating(input, 'input', op);
  if (input.ndim !== dims + 1 && input.ndim !== dims + 2) {
    throw new Error(
      `${op}: input of shape ${formatShape(input.shape)} has ${input.ndim} dimensions; expected ${dims + 1} (unbatched) or ${dims + 2} (batched)`,
    );
  }
  const L = input.shape.slice(input.ndim - dims);
  // null keeps the input's size in that dimension.
  const raw = Array.isArray(outputSize) ? outputSize : [outputSize];
  const filled = raw.map((v, i) => (v === null ? L[raw.length === 1 ? 0 : i] : v));
  const out = expandIntArg(filled, dims, 'outputSize', op, nonNegative, 'non-negative integers (or null)');
  if (L.some((l) => l === 0))
    throw new Error(`${op}: input of shape ${formatShape(input.shape)} has an empty spatial dimension; expected non-empty`);
  if (out.every((n) => n === 1)) {
    // As ATen: an output of one is the mean over the spatial dimensions.
    return mean(
      input,
      L.map((_, i) => input.ndim - dims + i),
      true,
    );
  }
  const windows = out.map((n, i): Windows => {
    const w: Windows = { start: new Int32Array(n), end: new Int32Array(n), count: new Float64Array(n) };
    for (let o = 0; o < n; o++) {
      w.start[o] = Math.floor((o * L[i]) / n);
      w.end[o] = Math.ceil(((o + 1) * L[i]) / n);
      w.count[o] = w.end[o] - w.start[o];
    }
    return w;
  });
  return pooled(input, L, windows, null, `AdaptiveAvgPool${dims}D`, false);
}

/** Mean over `outputSize` windows covering a (N, C, L) input, window i spanning [⌊i·L/out⌋, ⌈(i+1)·L/out⌉) (`F.adaptive_avg_pool1d`). */
export const adaptiveAvgPool1d = (input: Tensor, outputSize: IntOrTuple): Tensor => adaptiveAvgPoolNd(1, input, outputSize);
/** Mean over an outputSize grid of windows covering a (N, C, H, W) input; null keeps that size (`F.adaptive_avg_pool2d`). */
export const adaptiveAvgPool2d = (input: Tensor, outputSize: IntOrTuple | readonly (number | null)[]): Tensor =>
  adaptiveAvgPoolNd(2, input, outputSize);
