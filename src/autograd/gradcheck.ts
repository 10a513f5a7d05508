// gradcheck and gradgradcheck with PyTorch's defaults and meaning: the analytical Jacobian (one
// backward pass per output element) against central differences (one pair of forward passes per
// input element); they pass when |analytical − numerical| ≤ atol + rtol·|numerical| everywhere.
// Meant for float64 inputs, as in PyTorch.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { Generator, normalFill } from '../tensor/random.js';
import { grad } from './backward.js';

/** Options of {@link gradcheck}: the finite-difference step and the tolerances. */
export interface GradcheckOptions {
  /** The finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, times |numerical| (default 1e-3). */
  rtol?: number;
  /** Throw a GradcheckError on mismatch (default) or return false. */
  raiseException?: boolean;
}

/** What gradcheck and gradgradcheck throw when analytical and numerical gradients differ. */
export class GradcheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradcheckError';
  }
}

/** The function gradcheck differentiates: tensors in, a tensor or tensors out. */
export type GradcheckFn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

/** fn's outputs as a list; anything but a Tensor or an array of Tensors is refused. */
function asList(out: unknown): Tensor[] {
  const list = out instanceof Tensor ? [out] : Array.isArray(out) ? out : null;
  if (list === null || list.some((t) => !(t instanceof Tensor))) {
    throw new Error(
      `gradcheck: fn must return a Tensor or an array of Tensors, got ${out === null ? 'null' : Array.isArray(out) ? 'an array with a non-Tensor' : typeof out}`,
    );
  }
  return list as Tensor[];
}

function describe(m: Float64Array, rows: number, cols: number): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(Array.from(m.subarray(r * cols, (r + 1) * cols), (v) => v.toPrecision(6)).join(' '));
  return lines.join('\n');
}

const GRADCHECK_KEYS = ['eps', 'atol', 'rtol', 'raiseException'];

/**
 * Checks the gradients of fn at inputs against central finite differences, as `torch.autograd.gradcheck`:
 * true when every element agrees within atol + rtol·|numerical|; float64 inputs recommended.
 */
export function gradcheck(fn: GradcheckFn, inputs: Tensor | readonly Tensor[], options: GradcheckOptions = {}): boolean {
  checkOptionKeys(options, GRADCHECK_KEYS, 'gradcheck');
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const raise = checkBoolean(options.raiseException, 'raiseException', 'gradcheck', true);
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  ins.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new Error(`gradcheck: inputs[${i}] must be a Tensor`);
  });
  const diff = ins.filter((x) => x.requiresGrad);
  if (diff.length === 0) throw new Error('gradcheck: no input requires grad; expected at least one with requiresGrad=true');
  const outputs = asList(fn(...ins));
  for (let o = 0; o < outputs.length; o++) {
    const out = outputs[o];
    const rows = out.numel;
    for (let j = 0; j < diff.length; j++) {
      const x = diff[j];
      const cols = x.numel;
      // numerical[r, c] = ∂out[r]/∂x[c] by central differences.
      const numerical = new Float64Array(rows * cols);
      for (let c = 0; c < cols; c++) {
        const v = x.data[c];
        x.data[c] = v + eps;
        // A copy: fn may return a tensor that shares the perturbed input's data (an identity gradient).
        const plus = asList(fn(...ins))[o].data.slice();
        x.data[c] = v - eps;
        const minus = asList(fn(...ins))[o].data.slice();
        x.data[c] = v;
        for (let r = 0; r < rows; r++) numerical[r * cols + c] = (plus[r] - minus[r]) / (2 * eps);
      }
      // analytical[r, ·] = the gradient of out[r], by backward with a one-hot gradOutput.
      const analytical = new Float64Array(rows * cols);
      if (out.requiresGrad) {
        for (let r = 0; r < rows; r++) {
          const oneHot = new Tensor(out.dtype === 'float64' ? new Float64Array(rows) : new Float32Array(rows), out.shape);
          oneHot.data[r] = 1;
          const [g] = grad(out, [x], { gradOutputs: [oneHot], retainGraph: true, allowUnused: true });
          if (g !== null) for (let c = 0; c < cols; c++) analytical[r * cols + c] = g.data[c];
        }
      }
      for (let k = 0; k < rows * cols; k++) {
        if (!(Math.abs(analytical[k] - numerical[k]) <= atol + rtol * Math.abs(numerical[k]))) {
          if (!raise) return false;
          throw new GradcheckError(
            `Jacobian mismatch for output ${o} with respect to input ${ins.indexOf(x)},\n` +
              `numerical:\n${describe(numerical, rows, cols)}\nanalytical:\n${describe(analytical, rows, cols)}`,
          );
        }
      }
    }
  }
  return true;
}

/** Options of {@link gradgradcheck}. */
export interface GradgradcheckOptions extends GradcheckOptions {
  /** The gradients of fn's outputs to differentiate through (default: random, requiring grad). */
  gradOutputs?: readonly Tensor[];
  /** Seed for the random gradOutputs. */
  seed?: number;
}

/** Checks second derivatives: gradcheck of (inputs, gradOutputs) ↦ grad(fn(inputs), inputs, gradOutputs). */
export function gradgradcheck(fn: GradcheckFn, inputs: Tensor | readonly Tensor[], options: GradgradcheckOptions = {}): boolean {
  checkOptionKeys(options, [...GRADCHECK_KEYS, 'gradOutputs', 'seed'], 'gradgradcheck');
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  const outputs = asList(fn(...ins));
  const gen = new Generator().manualSeed(options.seed ?? 0);
  const gradOutputs =
    options.gradOutputs?.map((g) => g) ??
    outputs.map((y) => {
      const g = new Tensor(y.dtype === 'float64' ? new Float64Array(y.numel) : new Float32Array(y.numel), y.shape);
      normalFill(g.data, 0, 1, gen);
      return g.requiresGrad_(true);
    });
  const n = ins.length;
  const firstOrder = (...all: Tensor[]): Tensor[] => {
    const xs = all.slice(0, n);
    const gs = all.slice(n);
    const ys = asList(fn(...xs));
    const diff = xs.filter((x) => x.requiresGrad);
    const used = ys.map((y, i) => ({ y, g: gs[i] })).filter(({ y }) => y.requiresGrad);
    const grads = grad(
      used.map((u) => u.y),
      diff,
      { gradOutputs: used.map((u) => u.g), createGraph: true, allowUnused: true },
    );
    return grads.filter((g): g is Tensor => g !== null);
  };
  const { eps, atol, rtol, raiseException } = options;
  return gradcheck(firstOrder, [...ins, ...gradOutputs], { eps, atol, rtol, raiseException });
}
