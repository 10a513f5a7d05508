// The one random generator of convgrad: a standard MT19937, seeded as torch.manual_seed seeds it
// (init_genrand). Uniform draws follow PyTorch's CPU recipe (aten/src/ATen/core/TransformationHelper.h):
// float32 takes 24 bits of one 32-bit word, float64 53 bits of two words.

export class MT19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;

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

  manualSeed(seed: number): this {
    if (!Number.isInteger(seed)) throw new Error(`manualSeed: seed=${seed} must be an integer`);
    this.initialSeed = seed;
    // PyTorch keeps the low 64 bits of the seed; MT19937's init_genrand reads the low 32.
    this.engine = new MT19937(Number(BigInt.asUintN(32, BigInt(seed))));
    return this;
  }

  seed(): number {
    return this.initialSeed;
  }

  nextUint32(): number {
    return this.engine.nextUint32();
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
    return x * (hi - lo) + lo;
  }
}

/** The default generator, like torch's default CPU generator. */
export const defaultGenerator: Generator = new Generator();

/** Seeds the default generator, like torch.manual_seed. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** Box–Muller with PyTorch's CPU layout; see normalFill. */
function normalFill16(data: Float64Array, offset: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = 1 - data[offset + j];
    const u2 = data[offset + j + 8];
    const radius = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    data[offset + j] = radius * Math.cos(theta) * std + mean;
    data[offset + j + 8] = radius * Math.sin(theta) * std + mean;
  }
}

/**
 * Normal samples in PyTorch's CPU order: 16 or more values are filled 16 at a time from uniforms
 * (the last block recomputed when the size is not a multiple of 16); fewer come one by one from
 * Box–Muller pairs. Bit-exactness with PyTorch is the subject of a later issue.
 */
export function normalFill(out: Float32Array | Float64Array, mean: number, std: number, gen: Generator = defaultGenerator): void {
  const n = out.length;
  const uniform = (): number => (out instanceof Float64Array ? gen.uniformFloat64(0, 1) : gen.uniformFloat32(0, 1));
  if (n >= 16) {
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = uniform();
    for (let i = 0; i + 16 <= n; i += 16) normalFill16(data, i, mean, std);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) data[i] = uniform();
      normalFill16(data, n - 16, mean, std);
    }
    out.set(data);
    return;
  }
  for (let i = 0; i < n; i++) {
    const u1 = gen.uniformFloat64(0, 1);
    const u2 = gen.uniformFloat64(0, 1);
    const r = Math.sqrt(-2 * Math.log1p(-u2));
    out[i] = r * Math.cos(2 * Math.PI * u1) * std + mean;
  }
}
