// Shared test helpers: fixture loading and closeness checks.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { Tensor, tensor, type DType } from '../src/index.js';
import { convOutputSize, type ConvGeometry } from '../src/tensor/conv_params.js';
import type { ConvKernels } from '../src/kernels/index.js';

/**
 * Reads test/fixtures/NAME (tests run from build/test, sources live in test/), or NAME in the folder
 * CONVGRAD_FIXTURES names: scripts/verify-torch.sh points it at freshly generated PyTorch cases.
 */
export function fixture<T>(name: string): T {
  const dir = process.env.CONVGRAD_FIXTURES;
  const url = dir ? pathToFileURL(`${dir}/${name}`) : new URL(`../../test/fixtures/${name}`, import.meta.url);
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
  // JSON has no nan/inf: the generator writes them as strings.
  return JSON.parse(readFileSync(url, 'utf8'), (_key, v: unknown) => (typeof v === 'string' && v in special ? special[v] : v)) as T;
}

export function make(data: readonly number[], shape: readonly number[], dtype: DType, requiresGrad = false): Tensor {
  return tensor(data, { shape, dtype, requiresGrad });
}

/**
 * Elementwise relative closeness: |a − b| ≤ rtol · (|b| + mean|b|), so that elements near zero are
 * judged against the tensor's scale rather than against themselves.
 */
export function assertClose(actual: Tensor | ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): void {
  const a = actual instanceof Tensor ? actual.data : actual;
  assert.equal(a.length, expected.length, `${what}: length ${a.length} vs expected ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale += Math.abs(expected[i]);
  scale = expected.length > 0 ? scale / expected.length : 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(a[i] - expected[i]);
    if (!(err <= rtol * (Math.abs(expected[i]) + scale)) && !(Number.isNaN(a[i]) && Number.isNaN(expected[i]))) {
      assert.fail(`${what}: element ${i} is ${a[i]}, expected ${expected[i]} (error ${err.toExponential(2)}, rtol ${rtol})`);
    }
  }
}

/** A small deterministic PRNG for test configurations (independent of the library's generator). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function randInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/**
 * 36 seeded conv geometries over the wasm kernels' paths (GEMM, depthwise, direct, scatter; 1-3 d;
 * strides, dilations), padding at least `minPadding`.
 */
export function kernelPathGeometries(seed: number, minPadding: number): ConvGeometry[] {
  const next = lcg(seed);
  const out: ConvGeometry[] = [];
  const kinds = ['gemm', 'depthwise', 'direct', 'scatter'] as const;
  for (let i = 0; i < 36; i++) {
    const dims = 1 + (i % 3);
    const kind = kinds[Math.floor(i / 3) % kinds.length];
    const groups = kind === 'depthwise' ? randInt(next, 4, 8) : randInt(next, 1, 2);
    const cin = kind === 'depthwise' ? groups : kind === 'direct' ? groups * randInt(next, 1, 2) : groups * randInt(next, 4, 8);
    const cout = kind === 'depthwise' ? groups : kind === 'scatter' ? groups * randInt(next, 9, 16) : groups * randInt(next, 4, 12);
    const k = Array.from({ length: dims }, () => randInt(next, 1, 3));
    const stride = Array.from({ length: dims }, () => randInt(next, 1, 2));
    const dilation = Array.from({ length: dims }, () => randInt(next, 1, 2));
    const padding = Array.from({ length: dims }, () => randInt(next, minPadding, Math.max(1, minPadding)));
    const size = Array.from({ length: dims }, () =>
      dims === 3 ? randInt(next, 5, 8) : dims === 2 ? randInt(next, 10, 18) : randInt(next, 40, 90),
    );
    const ySize = size.map((L, d) => convOutputSize(L, k[d], stride[d], padding[d], padding[d], dilation[d]));
    if (ySize.some((n) => n < 1)) continue;
    out.push({
      batch: randInt(next, 4, 8),
      groups,
      xChannels: cin,
      yChannels: cout,
      xSize: size,
      ySize,
      kSize: k,
      stride,
      padding,
      dilation,
    });
  }
  return out;
}

/** The three passes of one set of conv kernels on the same operands: [y, dx, dw]. */
export function runPasses(k: ConvKernels, x: Float32Array, w: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array[] {
  const out = [new Float32Array(dy.length), new Float32Array(x.length), new Float32Array(w.length)];
  k.convForward(x, w, out[0], g);
  k.convGradInput(dy, w, out[1], g);
  k.convGradWeight(x, dy, out[2], g);
  return out;
}
