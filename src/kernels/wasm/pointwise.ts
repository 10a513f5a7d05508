// Bindings of the wasm pointwise and pooling kernels (assembly/pointwise.ts): float32 operands are
// copied into the arena, one exported function runs on the calling thread, the results are copied
// out. Each returns false for operands it does not take (float64), and the op runs its reference kernel.
import type { Storage } from '../../tensor/tensor.js';
import { ARENA_START, ensureMemory, WasmMemoryError, wasmRuntime, type WasmRuntime } from './runtime.js';

interface PointwiseExports {
  relu(x: number, y: number, n: number): void;
  reluGrad(dy: number, y: number, dx: number, n: number): void;
  addBias(y: number, b: number, outer: number, C: number, inner: number): void;
  biasGrad(dy: number, db: number, outer: number, C: number, inner: number): void;
  maxPool2d(
    x: number, y: number, idx: number, planes: number, H: number, W: number, OH: number, OW: number,
    kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, dH: number, dW: number,
  ): void;
  maxPoolScatter(dy: number, idx: number, dx: number, planes: number, planeIn: number, planeOut: number): void;
  adam(
    x: number, g: number, m: number, v: number, vMax: number, n: number,
    b1: number, b2: number, oneMinusB1: number, oneMinusB2: number, wd: number, decay: number, bc2Sqrt: number, stepSize: number, eps: number, flags: number,
  ): void;
}

/**
 * Byte addresses for buffers of the given sizes (16-byte aligned), with the memory grown to hold them;
 * null where they do not fit in WebAssembly's 4 GiB (the op then runs its reference kernel).
 */
function layout(rt: WasmRuntime, bytes: readonly number[]): number[] | null {
  let next = ARENA_START;
  const at = bytes.map((b) => {
    const a = next;
    next = Math.ceil((a + b) / 16) * 16;
    return a;
  });
  try {
    ensureMemory(rt, next);
  } catch (e) {
    if (e instanceof WasmMemoryError) return null;
    throw e;
  }
  return at;
}

function ready(): { rt: WasmRuntime; k: PointwiseExports } | null {
  const rt = wasmRuntime();
  if (rt === null) return null;
  return { rt, k: rt.exports as unknown as PointwiseExports };
}

const f32 = (rt: WasmRuntime, at: number, n: number): Float32Array => new Float32Array(rt.memory.buffer, at, n);
const f64 = (rt: WasmRuntime, at: number, n: number): Float64Array => new Float64Array(rt.memory.buffer, at, n);
const isF32 = (...a: Storage[]): boolean => a.every((s) => s instanceof Float32Array);

export function relu(x: Storage, y: Storage): boolean {
  const w = ready();
  if (w === null || !isF32(x, y)) return false;
  const n = x.length;
  const at = layout(w.rt, [n * 4, n * 4]);
  if (at === null) return false;
  const [xAt, yAt] = at;
  f32(w.rt, xAt, n).set(x);
  w.k.relu(xAt, yAt, n);
  y.set(f32(w.rt, yAt, n));
  return true;
}

export function reluGrad(dy: Storage, y: Storage, dx: Storage): boolean {
  const w = ready();
  if (w === null || !isF32(dy, y, dx)) return false;
  const n = dy.length;
  const at = layout(w.rt, [n * 4, n * 4, n * 4]);
  if (at === null) return false;
  const [dyAt, yAt, dxAt] = at;
  f32(w.rt, dyAt, n).set(dy);
  f32(w.rt, yAt, n).set(y);
  w.k.reluGrad(dyAt, yAt, dxAt, n);
  dx.set(f32(w.rt, dxAt, n));
  return true;
}

export function addBias(y: Storage, b: Storage, outer: number, C: number, inner: number): boolean {
  const w = ready();
  if (w === null || !isF32(y, b)) return false;
  const at = layout(w.rt, [y.length * 4, C * 4]);
  if (at === null) return false;
  const [yAt, bAt] = at;
  f32(w.rt, yAt, y.length).set(y);
  f32(w.rt, bAt, C).set(b);
  w.k.addBias(yAt, bAt, outer, C, inner);
  y.set(f32(w.rt, yAt, y.length));
  return true;
}

export function biasGrad(dy: Storage, db: Storage, outer: number, C: number, inner: number): boolean {
  const w = ready();
  if (w === null || !isF32(dy, db)) return false;
  const at = layout(w.rt, [dy.length * 4, C * 4]);
  if (at === null) return false;
  const [dyAt, dbAt] = at;
  f32(w.rt, dyAt, dy.length).set(dy);
  w.k.biasGrad(dyAt, dbAt, outer, C, inner);
  db.set(f32(w.rt, dbAt, C));
  return true;
}

export interface Pool2d {
  planes: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
  k: readonly number[];
  s: readonly number[];
  p: readonly number[];
  d: readonly number[];
}

export function maxPool2d(x: Storage, y: Storage, idx: Float64Array, g: Pool2d): boolean {
  const w = ready();
  if (w === null || !isF32(x, y)) return false;
  const at = layout(w.rt, [x.length * 4, y.length * 4, idx.length * 8]);
  if (at === null) return false;
  const [xAt, yAt, iAt] = at;
  f32(w.rt, xAt, x.length).set(x);
  w.k.maxPool2d(xAt, yAt, iAt, g.planes, g.H, g.W, g.OH, g.OW, g.k[0], g.k[1], g.s[0], g.s[1], g.p[0], g.p[1], g.d[0], g.d[1]);
  y.set(f32(w.rt, yAt, y.length));
  idx.set(f64(w.rt, iAt, idx.length));
  return true;
}

export function maxPoolScatter(dy: Storage, idx: Float64Array, dx: Storage, planes: number, planeIn: number, planeOut: number): boolean {
  const w = ready();
  if (w === null || !isF32(dy, dx)) return false;
  const at = layout(w.rt, [dy.length * 4, idx.length * 8, dx.length * 4]);
  if (at === null) return false;
  const [dyAt, iAt, dxAt] = at;
  f32(w.rt, dyAt, dy.length).set(dy);
  f64(w.rt, iAt, idx.length).set(idx);
  w.k.maxPoolScatter(dyAt, iAt, dxAt, planes, planeIn, planeOut);
  dx.set(f32(w.rt, dxAt, dx.length));
  return true;
}

export interface AdamStep {
  b1: number;
  b2: number;
  oneMinusB1: number;
  oneMinusB2: number;
  wd: number;
  decay: number;
  bc2Sqrt: number;
  stepSize: number;
  eps: number;
  maximize: boolean;
  decoupled: boolean;
}

/** One Adam step in place on x, m, v (and vMax with amsgrad). */
export function adam(x: Storage, g: Storage, m: Storage, v: Storage, vMax: Storage | null, s: AdamStep): boolean {
  const w = ready();
  if (w === null || !isF32(x, g, m, v) || (vMax !== null && !isF32(vMax))) return false;
  const n = x.length;
  const at = layout(w.rt, [n * 4, n * 4, n * 4, n * 4, vMax === null ? 0 : n * 4]);
  if (at === null) return false;
  const [xAt, gAt, mAt, vAt, maxAt] = at;
  f32(w.rt, xAt, n).set(x);
  f32(w.rt, gAt, n).set(g);
  f32(w.rt, mAt, n).set(m);
  f32(w.rt, vAt, n).set(v);
  if (vMax !== null) f32(w.rt, maxAt, n).set(vMax);
  const flags = (s.maximize ? 1 : 0) | (s.decoupled ? 2 : 0) | (vMax !== null ? 4 : 0);
  w.k.adam(xAt, gAt, mAt, vAt, maxAt, n, s.b1, s.b2, s.oneMinusB1, s.oneMinusB2, s.wd, s.decay, s.bc2Sqrt, s.stepSize, s.eps, flags);
  x.set(f32(w.rt, xAt, n));
  m.set(f32(w.rt, mAt, n));
  v.set(f32(w.rt, vAt, n));
  if (vMax !== null) vMax.set(f32(w.rt, maxAt, n));
  return true;
}
