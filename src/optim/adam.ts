// Adam and AdamW: torch.optim.Adam / AdamW's arithmetic (_single_tensor_adam/_adamw), each tensor
// operation rounded to the parameter's dtype as PyTorch's are.
//   t ← t + 1;  g ← ±∇ (+ λ·p for Adam);  p ← p·(1 − lr·λ) (AdamW)
//   m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  v̂ ← max(v̂, v) with amsgrad
//   p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
import { bumpVersion } from '../tensor/tensor.js';
import type { Storage } from '../tensor/tensor.js';
import { defineKernel } from '../kernels/index.js';
import type { AdamScalars } from '../kernels/signatures.js';
import { checkNonNegative, Optimizer, type ParamGroup, type ParamsInput, knownOptions } from './optimizer.js';
import { checkBoolean } from '../tensor/options.js';

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the second moment's square root (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0); AdamW: decoupled decay (default 0.01). */
  weightDecay: number;
  /** Use the largest second moment seen so far (default false). */
  amsgrad: boolean;
  /** Ascend the objective instead (default false). */
  maximize: boolean;
}

/** One Adam step in place (x, m, v, vMax), each operation rounded to the parameters' type (Math.fround for float32). */
function referenceAdam(x: Storage, grad: Storage, m: Storage, v: Storage, vMax: Storage | null, s: AdamScalars): void {
  const fr = x instanceof Float32Array ? Math.fround : (value: number): number => value;
  for (let i = 0; i < x.length; i++) {
    let g = s.flags.maximize ? -grad[i] : grad[i];
    if (s.flags.decoupled) x[i] = fr(x[i] * s.decay);
    else if (s.wd !== 0) g = fr(g + s.wd * x[i]);
    m[i] = fr(fr(m[i] * s.b1) + s.oneMinusB1 * g);
    v[i] = fr(fr(v[i] * s.b2) + fr(fr(s.oneMinusB2 * g) * g));
    let second = v[i];
    if (vMax !== null) second = vMax[i] = Math.max(vMax[i], v[i]);
    const denom = fr(fr(fr(Math.sqrt(second)) / s.bc2Sqrt) + s.eps);
    x[i] = fr(x[i] + s.stepSize * fr(m[i] / denom));
  }
}

const adamKernel = defineKernel('adam', referenceAdam);

const ADAM_OPTION_KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'];

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected checkOptions(o: AdamOptions): void {
    const op = this.name;
    checkNonNegative(o.lr, 'learning rate', op);
    checkBoolean(o.amsgrad, 'amsgrad', op, false);
    checkBoolean(o.maximize, 'maximize', op, false);
    checkNonNegative(o.eps, 'epsilon value', op);
    checkNonNegative(o.weightDecay, 'weight_decay value', op);
    if (!Array.isArray(o.betas) || o.betas.length !== 2)
      throw new Error(`${op}: betas=${String(o.betas)} must be a pair of numbers in [0, 1)`);
    o.betas.forEach((b, i) => {
      if (typeof b !== 'number' || !(b >= 0 && b < 1))
        throw new Error(`${op}: invalid beta parameter at index ${i}: ${String(b)}; expected a number in [0, 1)`);
    });
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const f32 = p.dtype === 'float32';
      const r = f32 ? Math.fround : (v: number): number => v;
      const n = p.numel;
      const make = (): Float32Array | Float64Array => (f32 ? new Float32Array(n) : new Float64Array(n));
      const state = this.stateOf(p, () => ({ step: 0, expAvg: make(), expAvgSq: make(), ...(amsgrad ? { maxExpAvgSq: make() } : {}) }));
      const m = state.expAvg as Float32Array | Float64Array;
      const v = state.expAvgSq as Float32Array | Float64Array;
      if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = make();
      const vMax = amsgrad ? (state.maxExpAvgSq as Float32Array | Float64Array) : null;
      const step = (state.step as number) + 1;
      state.step = step;
      const x = p.storage;
      const grad = p.grad.storage;
      const b1 = r(beta1);
      const b2 = r(beta2);
      const oneMinusB1 = r(1 - beta1);
      const oneMinusB2 = r(1 - beta2);
      const wd = r(weightDecay);
      const decay = r(1 - lr * weightDecay);
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2Sqrt = r(Math.sqrt(1 - beta2 ** step));
      const stepSize = r(-(lr / biasCorrection1));
      const epsilon = r(eps);
      // float32 rounds after every tensor op as PyTorch's float32 kernels do; float64 needs no rounding.
      const flags = { maximize, decoupled: this.decoupled, amsgrad: vMax !== null };
      const scalars = { b1, b2, oneMinusB1, oneMinusB2, wd, decay, bc2Sqrt: biasCorrection2Sqrt, stepSize, eps: epsilon, flags };
      adamKernel.impl(x, grad, m, v, vMax, scalars);
      bumpVersion(p);
    }
  }
}

/**
 * Adam, as `torch.optim.Adam` (1.13's single-tensor step, so the weights are PyTorch's to the last bit): defaults
 * lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 (L2, added to the gradient), amsgrad and maximize off.
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      ...knownOptions(options, ADAM_OPTION_KEYS, 'Adam'),
    });
  }
}

/** Adam with decoupled weight decay (p ← p·(1 − lr·λ) before the Adam step), default λ = 0.01. */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 1e-2,
      amsgrad: false,
      maximize: false,
      ...knownOptions(options, ADAM_OPTION_KEYS, 'AdamW'),
    });
  }
}
