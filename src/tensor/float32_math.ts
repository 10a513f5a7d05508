// float32 arithmetic as PyTorch's AVX2 randn computes it (avx_mathfun.h's log256_ps and sincos256_ps,
// Cephes polynomials, with the fused multiply-adds GCC forms), so normal samples are bit-identical.
const F = Math.fround;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}

function fromBits(b: number): number {
  u32[0] = b >>> 0;
  return f32[0];
}

/** Moves a double one unit in the last place towards the sign of dir. */
function nudge(s: number, dir: number): number {
  f64[0] = s;
  if (s > 0 === dir > 0) u64[0] += 1n;
  else u64[0] -= 1n;
  return f64[0];
}

/** float32 fma(a, b, c) with one rounding: the product is exact in double; the sum's error decides ties. */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  return err === 0 || s === 0 ? F(s) : F(nudge(s, err));
}

const MIN_NORM_POS = fromBits(0x00800000);

/** log256_ps for one lane. */
export function logf(xIn: number): number {
  let x = Math.max(F(xIn), MIN_NORM_POS);
  const exponent = (bitsOf(x) >>> 23) - 0x7f;
  x = fromBits((bitsOf(x) & ~0x7f800000) | bitsOf(0.5));
  let e = F(F(exponent) + 1);
  const below = x < F(0.707106781186547524);
  const tmp = below ? x : 0;
  x = F(x - 1);
  e = F(e - (below ? 1 : 0));
  x = F(x + tmp);
  const z = F(x * x);
  let y = F(7.0376836292e-2);
  for (const p of [
    -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
    3.3333331174e-1,
  ]) {
    y = fmaf(y, x, F(p));
  }
  y = F(y * x);
  y = fmaf(y, z, F(e * F(-2.1219444e-4))); // GCC fuses y·z + (e·q1)
  y = fmaf(F(-0.5), z, y);
  x = F(x + y);
  return fmaf(e, F(0.693359375), x);
}

/** sincos256_ps for one lane: [sin x, cos x]. */
export function sincosf(xIn: number): [number, number] {
  let x = F(xIn);
  const signSin = bitsOf(x) & 0x80000000;
  x = Math.abs(x);
  let y = F(x * F(1.27323954473516));
  let j = Math.trunc(y) | 0;
  j = (j + 1) & ~1;
  y = F(j);
  const swapSin = ((j & 4) << 29) >>> 0;
  const firstPolynomial = (j & 2) === 0;
  x = fmaf(y, F(-0.78515625), x);
  x = fmaf(y, F(-2.4187564849853515625e-4), x);
  x = fmaf(y, F(-3.77489497744594108e-8), x);
  const signCos = ((~(j - 2) & 4) << 29) >>> 0;
  const z = F(x * x);
  let c = F(2.443315711809948e-5);
  c = fmaf(c, z, F(-1.388731625493765e-3));
  c = fmaf(c, z, F(4.166664568298827e-2));
  c = F(c * z);
  c = fmaf(c, z, -F(z * 0.5));
  c = F(c + 1);
  let s = F(-1.9515295891e-4);
  s = fmaf(s, z, F(8.3321608736e-3));
  s = fmaf(s, z, F(-1.6666654611e-1));
  s = fmaf(F(s * z), x, x);
  const sin = firstPolynomial ? s : c;
  const cos = firstPolynomial ? c : s;
  return [fromBits(bitsOf(sin) ^ ((signSin ^ swapSin) >>> 0)), fromBits(bitsOf(cos) ^ signCos)];
}
