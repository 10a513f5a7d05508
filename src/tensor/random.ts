// The one random generator of convgrad: a standard MT19937, seeded as torch.manual_seed seeds it
// (init_genrand). Uniform draws follow PyTorch's CPU recipe (aten/src/ATen/core/TransformationHelper.h):
// float32 takes 24 bits of one 32-bit word, float64 53 bits of two words.

import { fmaf, logf, sincosf } from './float32_math.js';
import { fma, logCR, sinCosCR } from './double_math.js';
export class MT19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;
  /** False from seeding to the first twist (PyTorch's `next` reads 0 then). */
  twisted = false;

  constructor(seed = 5489) {
    this.seed(seed);
  }

  seed(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to float rounding.
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = 624;
    this.twisted = false;
  }

  /** The 624 state words and the position of the next one (624: a twist comes first). */
  get words(): Uint32Array {
    return this.mt;
  }

  get position(): number {
    return this.index;
  }

  /** Restores a state read from `words` and `position`. */
  restore(words: Uint32Array, position: number, twisted: boolean): void {
    this.mt.set(words);
    this.index = position;
    this.twisted = twisted;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      let v = mt[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
    this.twisted = true;
  }

  /** The next 32-bit word, as an unsigned integer. */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** A stream of random numbers, like torch.Generator. */
export class Generator {
  private engine = new MT19937(67280421310721 % 2 ** 32);
  private initialSeed = 67280421310721;
  /** The seed as PyTorch keeps it: its low 64 bits. */
  private seedWord = 67280421310721n;
  /** The second value of the last double Box–Muller pair (PyTorch's next_double_normal_sample). */
  private nextNormal: number | null = null;
  /** PyTorch's next_float_normal_sample: never drawn from here, kept so a state round-trips. */
  private nextFloatNormal: number | null = null;

  /** Seeds this generator as `torch.Generator.manual_seed` does (an int, or a bigint for all 64 bits); returns it. */
  manualSeed(seed: number | bigint): this {
    if (typeof seed !== 'bigint' && !Number.isInteger(seed)) throw new Error(`manualSeed: seed=${seed} must be an integer`);
    this.initialSeed = Number(seed);
    // PyTorch keeps the low 64 bits of the seed; MT19937's init_genrand reads the low 32.
    this.seedWord = BigInt.asUintN(64, BigInt(seed));
    this.engine = new MT19937(Number(BigInt.asUintN(32, this.seedWord)));
    this.nextNormal = null;
    this.nextFloatNormal = null;
    return this;
  }

  /**
   * The generator's state as torch.Generator.get_state() gives it: 5056 bytes in PyTorch's
   * CPUGeneratorImplState layout (seed, left, seeded, next, the 624 words as uint64, the cached normals),
   * so a state moves between convgrad and PyTorch both ways.
   */
  getState(): Uint8Array {
    const bytes = new Uint8Array(STATE_BYTES);
    const view = new DataView(bytes.buffer);
    const position = this.engine.position;
    view.setBigUint64(0, this.seedWord, true);
    // PyTorch's mt19937 counts down `left` to its next twist and up `next`; right after seeding both say "twist first".
    view.setInt32(8, 625 - position, true);
    view.setInt32(12, 1, true);
    view.setBigUint64(16, BigInt(this.engine.twisted ? position : 0), true);
    const words = this.engine.words;
    for (let i = 0; i < 624; i++) view.setBigUint64(24 + 8 * i, BigInt(words[i]), true);
    if (this.nextNormal !== null) {
      view.setFloat64(NORMAL_Y, this.nextNormal, true);
      view.setInt32(NORMAL_VALID, 1, true);
    }
    if (this.nextFloatNormal !== null) {
      view.setFloat32(FLOAT_NORMAL, this.nextFloatNormal, true);
      bytes[FLOAT_NORMAL_VALID] = 1;
    }
    return bytes;
  }

  /** Restores a state from getState() here or torch.Generator.get_state() (its bytes) in PyTorch. */
  setState(state: Uint8Array): this {
    if (!(state instanceof Uint8Array) || state.length !== STATE_BYTES)
      throw new Error(
        `Generator.setState: state must be the ${STATE_BYTES} bytes of getState() (a Uint8Array); got ${state instanceof Uint8Array ? `${state.length} bytes` : String(state)}`,
      );
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
    const left = view.getInt32(8, true);
    const seeded = view.getInt32(12, true);
    // As PyTorch's set_state: an unseeded or out-of-range state is corrupt.
    if (seeded !== 1 || left < 1 || left > 624)
      throw new Error(`Generator.setState: the state is corrupted (left=${left}, seeded=${seeded}; expected 1 ≤ left ≤ 624, seeded 1)`);
    const words = new Uint32Array(624);
    for (let i = 0; i < 624; i++) {
      const w = view.getBigUint64(24 + 8 * i, true);
      if (w > 0xffffffffn) throw new Error(`Generator.setState: state word ${i} is ${w}; expected a 32-bit value`);
      words[i] = Number(w);
    }
    this.seedWord = view.getBigUint64(0, true);
    this.initialSeed = Number(this.seedWord);
    this.engine = new MT19937(0);
    this.engine.restore(words, 625 - left, view.getBigUint64(16, true) !== 0n || left !== 1);
    this.nextNormal = view.getInt32(NORMAL_VALID, true) !== 0 ? view.getFloat64(NORMAL_Y, true) : null;
    this.nextFloatNormal = state[FLOAT_NORMAL_VALID] !== 0 ? view.getFloat32(FLOAT_NORMAL, true) : null;
    return this;
  }

  /** A standard normal double (at::normal_distribution<double>): Box–Muller on two 53-bit uniforms. */
  normalDouble(): number {
    if (this.nextNormal !== null) {
      const v = this.nextNormal;
      this.nextNormal = null;
      return v;
    }
    const u1 = this.uniformFloat64(0, 1);
    const u2 = this.uniformFloat64(0, 1);
    // log1p(−u2) = log(1 − u2) exactly: 1 − u2 is a double for these 53-bit uniforms.
    const r = Math.sqrt(-2.0 * logCR(1 - u2));
    const [sin, cos] = sinCosCR(2.0 * Math.PI * u1);
    this.nextNormal = r * sin;
    return r * cos;
  }

  /** An integer in [low, high), PyTorch's random_(from, to): one 32-bit word modulo the range (64 bits past 2^32). */
  randomInt(low: number, high: number): number {
    const range = high - low;
    if (range <= 2 ** 32) return (this.nextUint32() % range) + low;
    const r = (BigInt(this.nextUint32()) << 32n) | BigInt(this.nextUint32());
    return Number(r % BigInt(range)) + low;
  }

  /** The seed this generator was last seeded with (PyTorch's `initial_seed()`). */
  seed(): number {
    return this.initialSeed;
  }

  /** A 64-bit word from two 32-bit ones, high first (PyTorch's CPUGeneratorImpl::random64). */
  random64(): bigint {
    const hi = this.nextUint32();
    return (BigInt(hi) << 32n) | BigInt(this.nextUint32());
  }

  /** torch.empty((), dtype=torch.int64).random_(generator=this).item(): random64 modulo 2^63. */
  randomInt64(): bigint {
    return this.random64() % (1n << 63n);
  }

  /** The next 32-bit word of the Mersenne twister, as an unsigned integer. */
  nextUint32(): number {
    return this.engine.nextUint32();
  }

  /**
   * The Mersenne twister's state as 626 numbers (the 624 words, the position of the next one, 1 if it
   * has twisted since seeding), for a kernel that draws from it; give it back with setEngineState.
   * @internal
   */
  engineState(): Float64Array {
    const state = new Float64Array(626);
    state.set(this.engine.words);
    state[624] = this.engine.position;
    state[625] = this.engine.twisted ? 1 : 0;
    return state;
  }

  /** Takes back a state from engineState, where a kernel's draws left it. @internal */
  setEngineState(state: Float64Array): void {
    this.engine.restore(Uint32Array.from(state.subarray(0, 624)), state[624], state[625] !== 0);
  }

  /** A uniform float32 value in [lo, hi), bit-exact with PyTorch's CPU uniform_ on float32. */
  uniformFloat32(lo: number, hi: number): number {
    const from = Math.fround(lo);
    const span = Math.fround(Math.fround(hi) - from);
    const x = (this.nextUint32() & 0xffffff) * 2 ** -24;
    return Math.fround(x * span + from);
  }

  /** A uniform float64 value in [lo, hi), PyTorch's 53-bit recipe on a 64-bit word (hi word first). */
  uniformFloat64(lo: number, hi: number): number {
    const w1 = this.nextUint32();
    const w2 = this.nextUint32();
    // (w1 << 32 | w2) & (2^53 - 1): the low 21 bits of w1 above the 32 bits of w2.
    const x = ((w1 & 0x1fffff) * 2 ** 32 + w2) * 2 ** -53;
    // PyTorch's build fuses x·(to − from) + from into one multiply-add.
    return fma(x, hi - lo, lo);
  }
}

/** PyTorch's CPUGeneratorImplState: its size and the offsets of the cached normals. */
const STATE_BYTES = 5056;
const NORMAL_Y = 5024;
const NORMAL_VALID = 5040;
const FLOAT_NORMAL = 5048;
const FLOAT_NORMAL_VALID = 5052;

/** The default generator, like torch's default CPU generator. */
export const defaultGenerator: Generator = new Generator();

/** Seeds the default generator, like torch.manual_seed. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** 16 normal values from 16 uniforms in place (normal_fill_16): u1 = 1 − d[j], u2 = d[j + 8]. */
function normalFill16(data: Float64Array, offset: number, mean: number, std: number, float32: boolean): void {
  for (let j = 0; j < 8; j++) {
    if (float32) {
      // PyTorch's AVX2 path (normal_fill_16_AVX2): float arithmetic throughout.
      const F = Math.fround;
      const u1 = F(1 - data[offset + j]);
      const u2 = data[offset + j + 8];
      const radius = F(Math.sqrt(F(F(-2) * logf(u1))));
      const [sin, cos] = sincosf(F(F(2 * Math.PI) * u2));
      data[offset + j] = fmaf(F(radius * cos), F(std), F(mean));
      data[offset + j + 8] = fmaf(F(radius * sin), F(std), F(mean));
    } else {
      const u1 = 1 - data[offset + j];
      const u2 = data[offset + j + 8];
      const radius = Math.sqrt(-2 * logCR(u1));
      const [sin, cos] = sinCosCR(2.0 * Math.PI * u2);
      data[offset + j] = radius * cos * std + mean;
      data[offset + j + 8] = radius * sin * std + mean;
    }
  }
}

/**
 * Normal samples exactly as PyTorch's CPU normal_ draws them: 16 or more values are made 16 at a time
 * from uniforms (the last block recomputed from fresh uniforms when the size is not a multiple of 16;
 * float32 with PyTorch's AVX2 float arithmetic); fewer come one by one from the generator's
 * double Box–Muller, which caches the second value of each pair.
 */
export function normalFill(out: Float32Array | Float64Array, mean: number, std: number, gen: Generator = defaultGenerator): void {
  const n = out.length;
  const float32 = out instanceof Float32Array;
  const uniform = (): number => (float32 ? gen.uniformFloat32(0, 1) : gen.uniformFloat64(0, 1));
  if (n >= 16) {
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = uniform();
    for (let i = 0; i + 16 <= n; i += 16) normalFill16(data, i, mean, std, float32);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) data[i] = uniform();
      normalFill16(data, n - 16, mean, std, float32);
    }
    out.set(data);
    return;
  }
  for (let i = 0; i < n; i++) out[i] = gen.normalDouble() * std + mean;
}

/** A generator option: a Generator, or the default one when left out (null or undefined). */
export function generatorOption(g: unknown, op: string): Generator {
  if (g === undefined || g === null) return defaultGenerator;
  if (!(g instanceof Generator)) throw new Error(`${op}: generator=${String(g)} must be a Generator (e.g. new Generator().manualSeed(0))`);
  return g;
}

/** The global generator's state (torch.get_rng_state()'s 5056 bytes). */
export function getRngState(): Uint8Array {
  return defaultGenerator.getState();
}

/** Restores the global generator's state (torch.set_rng_state). */
export function setRngState(state: Uint8Array): void {
  defaultGenerator.setState(state);
}
