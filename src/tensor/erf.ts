// erf(x) in double precision, after FreeBSD's s_erf.c (Sun Microsystems, 1993; error < 1 ulp), which
// glibc's erf also follows: JavaScript has no Math.erf, and GELU needs it to PyTorch's precision.

const erx = 8.45062911510467529297e-1;
const efx8 = 1.02703333676410069053;
const pp = [
  1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5,
];
const qq = [
  3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.9602282787753681232e-6,
];
const pa = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1,
  3.54783043256182359371e-2, -2.166375594868790843e-3,
];
const qa = [
  1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2,
  1.1984499846799107417e-2,
];
const ra = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2,
  -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592,
];
const sa = [
  1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2,
  1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
];
const rb = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2,
  -1.02509513161107724954e3, -4.83519191608651397019e2,
];
const sb = [
  3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3,
  4.74528541206955367215e2, -2.24409524465858183362e1,
];

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** x with the low 32 bits of its binary64 representation cleared (s_erf.c's SET_LOW_WORD(z, 0)). */
function clearLowWord(x: number): number {
  f64[0] = x;
  u32[0] = 0;
  return f64[0];
}

function poly(c: readonly number[], z: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = c[i] + z * r;
  return r;
}

/** 1 + z·(q0 + z·(q1 + …)) as s_erf.c writes its denominators. */
function poly1(c: readonly number[], z: number): number {
  return 1 + z * poly(c, z);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return x > 0 ? 1 : -1;
  const ax = Math.abs(x);
  const sign = x < 0 ? -1 : 1;
  if (ax < 0.84375) {
    if (ax < 2 ** -28) return 0.125 * (8.0 * x + efx8 * x);
    const z = x * x;
    const r = poly(pp, z);
    const s = poly1(qq, z);
    return x + x * (r / s);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const P = poly(pa, s);
    const Q = poly1(qa, s);
    return sign * (erx + P / Q);
  }
  if (ax >= 6) return sign * (1 - 1e-300);
  const s = 1 / (ax * ax);
  let R: number;
  let S: number;
  if (ax < 1 / 0.35) {
    R = poly(ra, s);
    S = poly1(sa, s);
  } else {
    R = poly(rb, s);
    S = poly1(sb, s);
  }
  const z = clearLowWord(ax);
  const r = Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + R / S);
  return sign * (1 - r / ax);
}
