// Recording an op in the graph: a node holds the op's inputs and its gradient rule, a pure function of
// the tensors the op saved. Rules are built from differentiable ops, so running them with recording on
// (createGraph) gives higher derivatives.
import type { Tensor, GradFn } from '../tensor/tensor.js';
import { adoptGraphOutputs, releaseGraphRecords } from '../tensor/resident.js';
import { isGradEnabled } from './mode.js';

/** One lazily computed gradient per input; null for inputs that get no gradient. */
export type GradRule = (dy: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

class Node implements GradFn {
  released = false;
  private rule: GradRule | null;
  /** The tensors the rule reads, with their versions when the op ran. */
  private readonly saved: [Tensor, number][];

  constructor(
    readonly name: string,
    readonly inputs: readonly (Tensor | null)[],
    rule: GradRule,
    saved: readonly (Tensor | null)[],
    readonly runsUserCode: boolean,
  ) {
    this.rule = rule;
    this.saved = saved.filter((t): t is Tensor => t !== null).map((t) => [t, t.version]);
  }

  apply(dy: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
    for (const [t, version] of this.saved) {
      if (t.version !== version) {
        throw new Error(
          `backward: one of the variables needed for gradient computation has been modified by an inplace operation: ` +
            `[${t.dtype} [${t.shape.join(', ')}]], saved by ${this.name}, is at version ${t.version}; expected version ${version} instead`,
        );
      }
    }
    if (this.rule === null) {
      throw new Error(
        `backward: trying to backward through ${this.name} a second time, after its saved tensors were freed; ` +
          'pass { retainGraph: true } to the first backward',
      );
    }
    const grads = this.rule(dy, needs);
    if (grads.length !== this.inputs.length) {
      throw new Error(`autograd: ${this.name} returned ${grads.length} gradients for ${this.inputs.length} inputs`);
    }
    return grads;
  }

  release(): void {
    this.released = true;
    this.rule = null;
    // What the graph keeps in the kernels' memory for this node (tensor/resident.ts) goes with its saved
    // tensors: a Sequential's activations are freed, its op outputs moved out to arrays.
    releaseGraphRecords(this);
  }
}

/** Whether an input takes part in the graph. */
export function needsGrad(t: Tensor | null): boolean {
  return t?.requiresGrad === true;
}

/**
 * Attaches a node to `out` when recording is on and some input requires grad. `rule` may capture
 * saved tensors; it is dropped (freeing them) after a backward pass that does not retain the graph.
 * `saved` lists the tensors whose values the rule reads: backward refuses to run it if an in-place
 * op changed one of them since (PyTorch's version counter). `runsUserCode`: the rule calls user code
 * (hooks), which may keep what it is given.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: readonly (Tensor | null)[],
  rule: GradRule,
  saved: readonly (Tensor | null)[] = [],
  runsUserCode = false,
): Tensor {
  if (!isGradEnabled() || !inputs.some(needsGrad)) {
    adoptGraphOutputs(out, null);
    return out;
  }
  out.requiresGrad = true;
  out.gradFn = new Node(name, inputs, rule, saved, runsUserCode);
  // The op's outputs kept in the kernels' memory for the graph (tensor/resident.ts) are the node's now.
  adoptGraphOutputs(out, out.gradFn);
  return out;
}
