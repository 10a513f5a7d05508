// Correctly rounded log, sin and cos in double precision, computed in double-double arithmetic and
// rounded once. PyTorch's CPU randn calls glibc's, which are correctly rounded in practice; JavaScript's
// Math.log/sin/cos may be a unit in the last place off, which would change float64 samples.

type DD = [number, number];

const SPLIT = 134217729; // 2^27 + 1

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function add(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  return quickTwoSum(s, e + a[1] + b[1]);
}

function mul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + a[0] * b[1] + a[1] * b[0]);
}

function mulNumber(a: DD, b: number): DD {
  const [p, e] = twoProd(a[0], b);
  return quickTwoSum(p, e + a[1] * b);
}

const LN2: [number, number, number] = [0.6931471805599453, 2.3190468138462996e-17, 5.707708438416212e-34];
const PI_2: [number, number, number] = [1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33];

/** 1/n! as double-doubles, n = 0..27. */
const INV_FACTORIAL: DD[] = (() => {
  const out: DD[] = [[1, 0]];
  let f: DD = [1, 0];
  for (let n = 1; n <= 27; n++) {
    f = mulNumber(f, n);
    // 1/f by Newton: q = 1/f.hi, then q + q·(1 − f·q).
    const q = 1 / f[0];
    const r = add([1, 0], mulNumber(f, -q));
    out.push(add([q, 0], mulNumber(r, q)));
  }
  return out;
})();

/** x − k·c for a constant c given as three doubles; exact enough for |k| up to thousands. */
function reduce(x: number, k: number, c: [number, number, number]): DD {
  let r = add([x, 0], twoProd(-k, c[0]));
  r = add(r, twoProd(-k, c[1]));
  return add(r, [-k * c[2], 0]);
}

/** e^y for a double y, as a double-double. */
function expDD(y: number): DD {
  const k = Math.round(y / LN2[0]);
  // e^y = 2^k · (e^(r/1024))^1024 with r = y − k·ln 2.
  const r = reduce(y, k, LN2);
  const s: DD = [r[0] / 1024, r[1] / 1024];
  let sum: DD = INV_FACTORIAL[12];
  for (let n = 11; n >= 0; n--) sum = add(mul(sum, s), INV_FACTORIAL[n]);
  for (let i = 0; i < 10; i++) sum = mul(sum, sum);
  const scale = 2 ** k;
  return [sum[0] * scale, sum[1] * scale];
}

/** log(x), correctly rounded, for finite x > 0. */
export function logCR(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log(x);
  const y0 = Math.log(x);
  // log x = y0 + log(x·e^(−y0)) ≈ y0 + t with t = (x − e^y0)/e^y0, |t| ~ 1e−16.
  const E = expDD(y0);
  const d = add([x, 0], [-E[0], -E[1]]);
  const t = (d[0] + d[1]) / E[0];
  return y0 + t;
}

/** [sin x, cos x], each correctly rounded, for |x| up to a few thousand. */
export function sinCosCR(x: number): [number, number] {
  if (!Number.isFinite(x)) return [Math.sin(x), Math.cos(x)];
  const k = Math.round(x / PI_2[0]);
  const r = reduce(x, k, PI_2);
  const r2 = mul(r, r);
  // sin r = r·Σ (−r²)^n/(2n+1)!, cos r = Σ (−r²)^n/(2n)!, |r| ≤ π/4.
  let s: DD = INV_FACTORIAL[27];
  let c: DD = INV_FACTORIAL[26];
  for (let n = 12; n >= 0; n--) {
    s = add(INV_FACTORIAL[2 * n + 1], mulNumber(mul(s, r2), -1));
    c = add(INV_FACTORIAL[2 * n], mulNumber(mul(c, r2), -1));
  }
  s = mul(s, r);
  const q = ((k % 4) + 4) % 4;
  const sin = q === 0 ? s : q === 1 ? c : q === 2 ? ([-s[0], -s[1]] as DD) : ([-c[0], -c[1]] as DD);
  const cos = q === 0 ? c : q === 1 ? ([-s[0], -s[1]] as DD) : q === 2 ? ([-c[0], -c[1]] as DD) : s;
  return [sin[0] + sin[1], cos[0] + cos[1]];
}

/** fma(a, b, c) = a·b + c with (almost always) one rounding, as a C compiler's fused multiply-add gives. */
export function fma(a: number, b: number, c: number): number {
  const [ph, pl] = twoProd(a, b);
  const [sh, sl] = twoSum(ph, c);
  return sh + (sl + pl);
}
