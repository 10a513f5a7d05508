// Random draws in wasm: dropout's Bernoulli noise from PyTorch's generator. The state is the Mersenne
// twister's (MT19937, as src/tensor/random.ts and PyTorch's CPU generator), handed in and back as 626
// f64 slots: the 624 words, the position of the next word, and whether it has twisted since seeding.
// The kernel turns the words into u32 in place first (slot i's f64 is read before any u32 write reaches
// it) and back at the end.

const N = 624;
const M = 397;
const UPPER: u32 = 0x80000000;
const LOWER: u32 = 0x7fffffff;
const MATRIX: u32 = 0x9908b0df;

@inline function mix(a: u32, b: u32, c: u32): u32 {
  const y = (a & UPPER) | (b & LOWER);
  return c ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX : 0);
}

/** Regenerates the 624 u32 words at `mt` (MT19937's twist, in the reference's order). */
function twist(mt: usize): void {
  let i = 0;
  for (; i < N - M; i++) store<u32>(mt + (<usize>i << 2), mix(load<u32>(mt + (<usize>i << 2)), load<u32>(mt + (<usize>(i + 1) << 2)), load<u32>(mt + (<usize>(i + M) << 2))));
  for (; i < N - 1; i++) store<u32>(mt + (<usize>i << 2), mix(load<u32>(mt + (<usize>i << 2)), load<u32>(mt + (<usize>(i + 1) << 2)), load<u32>(mt + (<usize>(i + M - N) << 2))));
  store<u32>(mt + (<usize>(N - 1) << 2), mix(load<u32>(mt + (<usize>(N - 1) << 2)), load<u32>(mt), load<u32>(mt + (<usize>(M - 1) << 2))));
}

@inline function temper(w: u32): u32 {
  let y = w;
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y;
}

/**
 * noise[i] = u_i < keep ? scale : 0 for i < n, u_i = ((w1 & (2^21 − 1))·2^32 + w2)·2^-53 from the next two
 * tempered words (PyTorch's uniform double, as Generator.uniformFloat64 on [0, 1)).
 */
export function bernoulliMask<T>(state: usize, noise: usize, n: i32, keep: f64, scale: T): void {
  let index = <i32>load<f64>(state + (<usize>N << 3));
  let twisted = load<f64>(state + (<usize>(N + 1) << 3));
  for (let i = 0; i < N; i++) store<u32>(state + (<usize>i << 2), <u32>load<f64>(state + (<usize>i << 3)));
  for (let i = 0; i < n; i++) {
    if (index >= N) {
      twist(state);
      index = 0;
      twisted = 1;
    }
    const w1 = temper(load<u32>(state + (<usize>index << 2)));
    index++;
    if (index >= N) {
      twist(state);
      index = 0;
      twisted = 1;
    }
    const w2 = temper(load<u32>(state + (<usize>index << 2)));
    index++;
    const u = (<f64>(w1 & 0x1fffff) * 4294967296.0 + <f64>w2) * 1.1102230246251565e-16; // 2^-53
    store<T>(noise + (<usize>i << alignof<T>()), u < keep ? scale : <T>0);
  }
  for (let i = N - 1; i >= 0; i--) store<f64>(state + (<usize>i << 3), <f64>load<u32>(state + (<usize>i << 2)));
  store<f64>(state + (<usize>N << 3), <f64>index);
  store<f64>(state + (<usize>(N + 1) << 3), twisted);
}
