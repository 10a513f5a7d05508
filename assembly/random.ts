// Random draws in wasm: dropout's Bernoulli noise from PyTorch's generator. The state is the Mersenne
// twister's (MT19937, as src/tensor/random.ts and PyTorch's CPU generator), handed in and back as 626
// f64 slots: the 624 words, the position of the next word, and whether it has twisted since seeding.
// The kernel turns the words into u32 in place first (slot i's f64 is read before any u32 write reaches
// it), so the state's second half is free for a block of tempered words, and turns them back at the end.

const N = 624;
const M = 397;
const UPPER: u32 = 0x80000000;
const LOWER: u32 = 0x7fffffff;
const MATRIX: u32 = 0x9908b0df;

@inline function mix(a: u32, b: u32, c: u32): u32 {
  const y = (a & UPPER) | (b & LOWER);
  return c ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX : 0);
}

/** mix on four lanes: mt[i..i+3] from a = mt[i..], b = mt[i+1..], c = the word M ahead (or behind). */
@inline function mix4(a: v128, b: v128, c: v128): v128 {
  const y = v128.or(v128.and(a, i32x4.splat(UPPER)), v128.and(b, i32x4.splat(LOWER)));
  const odd = i32x4.neg(v128.and(y, i32x4.splat(1)));
  return v128.xor(v128.xor(c, i32x4.shr_u(y, 1)), v128.and(odd, i32x4.splat(MATRIX)));
}

@inline function at(mt: usize, i: i32): usize {
  return mt + (<usize>i << 2);
}

/**
 * Regenerates the 624 u32 words at `mt` (MT19937's twist), four at a time where every word read is one
 * the scalar order would read: mt[i + 1 .. i + 4] are not yet renewed, and mt[i + M − N ..] already are.
 */
function twist(mt: usize): void {
  let i = 0;
  for (; i + 4 <= N - M; i += 4) v128.store(at(mt, i), mix4(v128.load(at(mt, i)), v128.load(at(mt, i + 1)), v128.load(at(mt, i + M))));
  for (; i < N - M; i++) store<u32>(at(mt, i), mix(load<u32>(at(mt, i)), load<u32>(at(mt, i + 1)), load<u32>(at(mt, i + M))));
  for (; i + 4 <= N - 1; i += 4) v128.store(at(mt, i), mix4(v128.load(at(mt, i)), v128.load(at(mt, i + 1)), v128.load(at(mt, i + M - N))));
  for (; i < N - 1; i++) store<u32>(at(mt, i), mix(load<u32>(at(mt, i)), load<u32>(at(mt, i + 1)), load<u32>(at(mt, i + M - N))));
  store<u32>(at(mt, N - 1), mix(load<u32>(at(mt, N - 1)), load<u32>(mt), load<u32>(at(mt, M - 1))));
}

@inline function temper(w: u32): u32 {
  let y = w;
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y;
}

/** out[i] = temper(mt[i]) for the whole block of 624 words, four at a time. */
function temperBlock(mt: usize, out: usize): void {
  for (let i = 0; i < N; i += 4) {
    let y = v128.load(at(mt, i));
    y = v128.xor(y, i32x4.shr_u(y, 11));
    y = v128.xor(y, v128.and(i32x4.shl(y, 7), i32x4.splat(0x9d2c5680)));
    y = v128.xor(y, v128.and(i32x4.shl(y, 15), i32x4.splat(0xefc60000)));
    y = v128.xor(y, i32x4.shr_u(y, 18));
    v128.store(at(out, i), y);
  }
}

/**
 * noise[i] = u_i < keep ? scale : 0 for i < n, u_i = ((w1 & (2^21 − 1))·2^32 + w2)·2^-53 from the next two
 * tempered words (PyTorch's uniform double, as Generator.uniformFloat64 on [0, 1)).
 */
export function bernoulliMask<T>(state: usize, noise: usize, n: i32, keep: f64, scale: T): void {
  let index = <i32>load<f64>(state + (<usize>N << 3));
  let twisted = load<f64>(state + (<usize>(N + 1) << 3));
  for (let i = 0; i < N; i++) store<u32>(at(state, i), <u32>load<f64>(state + (<usize>i << 3)));
  // The tempered words of the current block, in the state's free second half; the block the call
  // starts in is tempered word by word (its words before `index` were drawn already).
  const tempered = state + (<usize>N << 2);
  // u < keep ⟺ x < keep·2^53 for the 53-bit integer x = u·2^53 (both exact): ⟺ x < ⌈keep·2^53⌉, in integers.
  const threshold = <u64>Math.ceil(keep * 9007199254740992.0);
  const scaleBits32: u32 = sizeof<T>() == 4 ? reinterpret<u32>(<f32>scale) : 0;
  const scaleBits64: u64 = sizeof<T>() == 8 ? reinterpret<u64>(<f64>scale) : 0;
  for (let i = index; i < N; i++) store<u32>(at(tempered, i), temper(load<u32>(at(state, i))));
  for (let i = 0; i < n; i++) {
    if (index >= N) {
      twist(state);
      temperBlock(state, tempered);
      index = 0;
      twisted = 1;
    }
    const w1 = load<u32>(at(tempered, index++));
    if (index >= N) {
      twist(state);
      temperBlock(state, tempered);
      index = 0;
      twisted = 1;
    }
    const w2 = load<u32>(at(tempered, index++));
    const x = (<u64>(w1 & 0x1fffff) << 32) | <u64>w2;
    // scale or +0 by masking scale's bits: a float select would be a branch, mispredicted half the time.
    const keepIt = <u64>(x < threshold);
    if (sizeof<T>() == 4) store<u32>(noise + (<usize>i << 2), scaleBits32 & (0 - <u32>keepIt));
    else store<u64>(noise + (<usize>i << 3), scaleBits64 & (0 - keepIt));
  }
  for (let i = N - 1; i >= 0; i--) store<f64>(state + (<usize>i << 3), <f64>load<u32>(at(state, i)));
  store<f64>(state + (<usize>N << 3), <f64>index);
  store<f64>(state + (<usize>(N + 1) << 3), twisted);
}
