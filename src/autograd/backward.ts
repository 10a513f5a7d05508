// Reverse mode: topological sort of the graph, a reverse walk applying each node's rule, and
// accumulation of gradients, summed back to each input's shape where an op broadcast it.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { defineMethods, Tensor, type BackwardOptions, type GradHook } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import { withGradMode } from './mode.js';
import { ResidentScope } from './resident.js';
import { inBackwardPass } from '../tensor/resident.js';

/** Options of {@link grad}. */
export interface GradOptions {
  /** The gradients of the outputs (default: 1 for scalar outputs). */
  gradOutputs?: Tensor | readonly (Tensor | null)[];
  /** Keep the graph for another backward pass (default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward computation so the gradients can be differentiated again (double backward). */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing. */
  allowUnused?: boolean;
}

/** Tensors reachable from the outputs, inputs before the tensors computed from them. */
function topologicalOrder(outputs: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  for (const root of outputs) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top.t.gradFn?.inputs ?? [];
      if (top.next < inputs.length) {
        const child = inputs[top.next++];
        if (child?.requiresGrad && !seen.has(child)) {
          seen.add(child);
          stack.push({ t: child, next: 0 });
        }
      } else {
        order.push(top.t);
        stack.pop();
      }
    }
  }
  return order;
}

/** Sums a gradient over the dimensions that broadcasting added or stretched, back to `shape`. */
export function sumToShape(g: Tensor, shape: readonly number[], where: string): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== g.shape[i]) {
      throw new Error(
        `autograd: ${where} returned a gradient of shape ${formatShape(g.shape)} for an input of shape ${formatShape(shape)}`,
      );
    }
  }
  if (lead < 0) {
    throw new Error(`autograd: ${where} returned a gradient of shape ${formatShape(g.shape)} for an input of shape ${formatShape(shape)}`);
  }
  const summed = dims.length > 0 ? g.sum(dims, true) : g;
  return summed.reshape([...shape]);
}

function initialGrads(outputs: readonly Tensor[], gradOutputs: GradOptions['gradOutputs'], op: string): (Tensor | null)[] {
  const given: readonly (Tensor | null)[] = gradOutputs === undefined ? [] : gradOutputs instanceof Tensor ? [gradOutputs] : gradOutputs;
  if (gradOutputs !== undefined && given.length !== outputs.length) {
    throw new Error(`${op}: gradOutputs has ${given.length} entries for ${outputs.length} outputs; expected one per output`);
  }
  return outputs.map((y, i) => {
    if (!y.requiresGrad) {
      throw new Error(`${op}: element ${i} of the outputs does not require grad and has no gradFn; nothing to differentiate`);
    }
    const g = given[i] ?? null;
    if (g === null) {
      if (y.numel !== 1) {
        throw new Error(
          `${op}: output ${i} has shape ${formatShape(y.shape)}; a gradient can be created implicitly only for scalar outputs, ` +
            'so pass the gradient of a non-scalar output explicitly',
        );
      }
      const one = new Tensor(y.dtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]), y.shape);
      return one;
    }
    if (!sameShape(g.shape, y.shape)) {
      throw new Error(
        `${op}: gradient ${i} has shape ${formatShape(g.shape)} but output ${i} has shape ${formatShape(y.shape)}; expected equal shapes`,
      );
    }
    return g.dtype === y.dtype ? g : g.to(y.dtype);
  });
}

interface RunResult {
  grads: Map<Tensor, Tensor>;
}

/** A tensor's gradient hooks in order, each seeing the last one's result (PyTorch's register_hook). */
function runTensorHooks(t: Tensor, g: Tensor, hooks: readonly GradHook[]): Tensor {
  for (const hook of hooks) {
    const r = hook(g);
    if (r === undefined || r === null) continue;
    if (!(r instanceof Tensor)) throw new Error(`registerHook: a hook returned ${typeof r}; expected a Tensor or undefined`);
    if (r.shape.length !== t.shape.length || r.shape.some((n, i) => n !== t.shape[i]))
      throw new Error(
        `registerHook: a hook returned a gradient of shape ${formatShape(r.shape)} for a tensor of shape ${formatShape(t.shape)}`,
      );
    g = r.dtype === t.dtype ? r : r.to(t.dtype);
  }
  return g;
}

/** One backward pass (run it inside inBackwardPass: its ops then make no graph outputs). */
function run(
  outputs: readonly Tensor[],
  seeds: readonly (Tensor | null)[],
  targets: Set<Tensor> | null,
  options: GradOptions,
  accumulate: boolean,
): RunResult {
  const op = accumulate ? 'backward' : 'grad';
  const createGraph = checkBoolean(options.createGraph, 'createGraph', op, false);
  const retainGraph = checkBoolean(options.retainGraph, 'retainGraph', op, createGraph);
  const order = topologicalOrder(outputs);
  // A tensor is relevant when a target can be reached from it; others need no gradient.
  const relevant = new Set<Tensor>();
  for (const t of order) {
    const isTarget = targets === null ? t.gradFn === null || t.retainsGrad : targets.has(t);
    if (isTarget || (t.gradFn?.inputs ?? []).some((i) => i !== null && relevant.has(i))) relevant.add(t);
  }
  const grads = new Map<Tensor, Tensor>();
  const addGrad = (t: Tensor, g: Tensor): void => {
    const prev = grads.get(t);
    grads.set(t, prev === undefined ? g : prev.add(g));
  };
  outputs.forEach((y, i) => {
    const g = seeds[i];
    if (g !== null) addGrad(y, g);
  });
  // Without createGraph, the gradients live in the kernels' memory during the pass (resident.ts): user
  // code (hooks, backward-hook nodes) and whatever outlives the pass get copies in JavaScript arrays.
  const scope = createGraph ? null : ResidentScope.open();
  const own = (g: Tensor): Tensor => (scope === null ? g : scope.own(g));
  const outside = <T>(f: () => T): T => (scope === null ? f() : scope.outside(f));
  try {
    withGradMode(createGraph, () => {
      for (let k = order.length - 1; k >= 0; k--) {
        const t = order[k];
        let g = grads.get(t);
        const node = t.gradFn;
        if (g === undefined) continue;
        let retained = g;
        if (t.gradHooks !== null && t.gradHooks.length > 0) {
          const hooks = t.gradHooks;
          const split = node !== null && t.retainsGrad ? t.retainAfterHooks : hooks.length;
          const given = own(g);
          retained = outside(() => runTensorHooks(t, given, hooks.slice(0, split)));
          g = outside(() => runTensorHooks(t, retained, hooks.slice(split)));
          grads.set(t, g);
          if (node === null) retained = g;
        }
        if (accumulate && (node === null || t.retainsGrad) && relevant.has(t)) {
          const r = own(retained);
          outside(() => {
            const stored = createGraph ? r : r.detach();
            t.grad = t.grad === null ? stored : createGraph ? t.grad.add(stored) : t.grad.add(stored).detach();
          });
        }
        if (node !== null) {
          const needs = node.inputs.map((i) => i?.requiresGrad === true && relevant.has(i));
          if (!needs.some(Boolean)) continue;
          const dy = g;
          const inputGrads = node.runsUserCode ? outside(() => node.apply(own(dy), needs)) : node.apply(dy, needs);
          node.inputs.forEach((input, i) => {
            const gi = inputGrads[i];
            if (input === null || gi === null || !needs[i]) return;
            const shaped = sumToShape(gi, input.shape, node.name);
            addGrad(input, shaped.dtype === input.dtype ? shaped : shaped.to(input.dtype));
          });
        }
        // A leaf's gradient too: it is in .grad now (or a target, kept for grad()).
        if (targets === null || !targets.has(t)) grads.delete(t);
        // What no gradient still held lies in is dead: the rule's intermediates, consumed gradients.
        scope?.collect(grads.values());
      }
    });
    if (targets !== null) {
      for (const x of targets) {
        const g = grads.get(x);
        if (g !== undefined) grads.set(x, own(g));
      }
    }
  } finally {
    scope?.close();
  }
  if (!retainGraph) for (const t of order) t.gradFn?.release();
  return { grads };
}

/** Accumulates gradients into `.grad` of the leaves, like tensor.backward(). */
/** A Tensor or a list of Tensors, as the argument `arg` of `op`; anything else is refused, naming it. */
function tensorList(v: unknown, arg: string, op: string): Tensor[] {
  const list = v instanceof Tensor ? [v] : Array.isArray(v) ? v : null;
  if (list === null) throw new Error(`${op}: ${arg} must be a Tensor or an array of Tensors, got ${v === null ? 'null' : typeof v}`);
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: ${arg}[${i}] must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  });
  return list as Tensor[];
}

/**
 * Accumulates the gradients of `output` into the .grad of the leaves it depends on, as `torch.autograd.backward`
 * (and {@link Tensor.backward}): `gradient` is ∂E/∂output, omitted for a one-element output (then 1).
 */
export function backward(
  output: Tensor,
  gradient: Tensor | undefined,
  options: { retainGraph?: boolean; createGraph?: boolean } = {},
): void {
  if (gradient !== undefined && !(gradient instanceof Tensor)) {
    throw new Error(
      `backward: gradient must be a Tensor of the output's shape ${formatShape(output.shape)}, got ${Array.isArray(gradient) ? 'an array' : typeof gradient}`,
    );
  }
  checkOptionKeys(options, ['retainGraph', 'createGraph'], 'backward');
  const seeds = initialGrads([output], gradient === undefined ? undefined : [gradient], 'backward');
  inBackwardPass(() => run([output], seeds, null, options, true));
}

/**
 * The gradients of `outputs` with respect to `inputs`, like torch.autograd.grad. With createGraph the
 * results are themselves differentiable.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  checkOptionKeys(options, ['gradOutputs', 'retainGraph', 'createGraph', 'allowUnused'], 'grad');
  checkBoolean(options.allowUnused, 'allowUnused', 'grad', false);
  const outs = tensorList(outputs, 'outputs', 'grad');
  const ins = tensorList(inputs, 'inputs', 'grad');
  ins.forEach((x, i) => {
    if (!x.requiresGrad) throw new Error(`grad: input ${i} does not require grad; expected tensors with requiresGrad=true`);
  });
  const seeds = initialGrads(outs, options.gradOutputs, 'grad');
  const { grads } = inBackwardPass(() => run(outs, seeds, new Set(ins), options, false));
  return ins.map((x, i) => {
    const g = grads.get(x);
    if (g === undefined) {
      if (options.allowUnused) return null;
      throw new Error(`grad: input ${i} was not used to compute the outputs; pass { allowUnused: true } to get null for it`);
    }
    return options.createGraph ? g : g.detach();
  });
}

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** Accumulates the gradient of this tensor into `.grad` of the leaves it depends on. */
    backward(gradient?: Tensor, options?: BackwardOptions): void;
  }
}

defineMethods({
  backward(this: Tensor, gradient?: Tensor, options: BackwardOptions = {}) {
    backward(this, gradient, options);
  },
});
