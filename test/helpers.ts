// Shared test helpers: fixture loading and closeness checks.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { Tensor, tensor, type DType } from '../src/index.js';

/**
 * Reads test/fixtures/NAME (tests run from build/test, sources live in test/), or NAME in the folder
 * CONVGRAD_FIXTURES names: scripts/verify-torch.sh points it at freshly generated PyTorch cases.
 */
export function fixture<T>(name: string): T {
  const dir = process.env.CONVGRAD_FIXTURES;
  const url = dir ? pathToFileURL(`${dir}/${name}`) : new URL(`../../test/fixtures/${name}`, import.meta.url);
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
  // JSON has no nan/inf: the generator writes them as strings.
  return JSON.parse(readFileSync(url, 'utf8'), (_key, v: unknown) =>
    typeof v === 'string' && v in special ? special[v] : v,
  ) as T;
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
