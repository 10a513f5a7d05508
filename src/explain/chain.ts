// The chain rule, one op up: an element of a gradient ∂E/∂t[e] is a sum over the ops that read t, and
// over their outputs' elements k, of the local derivative ∂o[k]/∂t[e] times the upstream ∂E/∂o[k]:
//   ∂E/∂t[e] = Σ_ops Σ_k ∂o[k]/∂t[e] · ∂E/∂o[k]
// A ReLU contributes one term (its mask), a max-pool the window its maximum came from, BatchNorm every
// element of the channel, a linear layer a column of its weight, the next conv its kernel taps, a
// residual add one term per branch. The local derivatives are one column of each op's Jacobian, read
// from the op's own gradient rule (built from differentiable ops): with v free, ∂⟨rule(v), u_e⟩/∂v = J·u_e.
// Each term names the op's output tensor, so a caller can take the next step up, to the loss.
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { formatShape } from '../tensor/shape.js';
import { grad, sumToShape } from '../autograd/backward.js';
import { withGradMode } from '../autograd/mode.js';

/** One product of the chain rule: a local derivative times the gradient of the op's output element. */
export interface ChainTerm {
  /** The element of the op's output. */
  index: number[];
  /** ∂o[k]/∂t[e]. */
  local: number;
  /** ∂E/∂o[k]. */
  upstream: number;
}

/** One op that reads the tensor: its part of the gradient and the terms it is made of. */
export interface ChainConsumer {
  /** The op, named as its gradient node (ReluBackward0, NativeBatchNormBackward0, AddBackward0, …). */
  op: string;
  /** The op's output: pass it to explainChain to take the next step towards the loss. */
  output: Tensor;
  /** Which of the op's inputs t is. */
  input: number;
  /** The non-zero terms, in the output's order. */
  terms: ChainTerm[];
  /** Σ local·upstream over the terms. */
  value: number;
}

/** ∂E/∂t[index] split over the ops that read t (what {@link explainChain} returns). */
export interface ChainStep {
  /** The element t[index] whose gradient is split. */
  index: number[];
  /** Σ over every consumer's terms, in float64. */
  value: number;
  /** ∂E/∂t[e] as autograd computes it. */
  autograd: number;
  /** The ops that read t, each with its terms. */
  consumers: ChainConsumer[];
}

/** Every tensor in the graph behind `root`, each once. */
function graphOf(root: Tensor): Tensor[] {
  const seen = new Set<Tensor>();
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    for (const i of t.gradFn?.inputs ?? []) if (i !== null && !seen.has(i)) stack.push(i);
  }
  return [...seen];
}

const strides = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
};

/**
 * ∂E/∂t[index] one op up: the terms it is made of through each op that reads t on the way to `loss`.
 * The graph must still be there (call it before backward, or after one with retainGraph).
 */
export function explainChain(loss: Tensor, t: Tensor, index: readonly number[]): ChainStep {
  const op = 'explainChain';
  if (!(loss instanceof Tensor) || loss.numel !== 1 || !loss.requiresGrad)
    throw new Error(`${op}: loss must be a single-element tensor that requires grad (the graph's end)`);
  if (!(t instanceof Tensor) || !t.requiresGrad) throw new Error(`${op}: t must be a tensor in the loss's graph (it requires grad)`);
  if (!Array.isArray(index) || index.length !== t.ndim || index.some((v, d) => !Number.isInteger(v) || v < 0 || v >= t.shape[d]))
    throw new Error(`${op}: index=${JSON.stringify(index)} is not an element of t of shape ${formatShape(t.shape)}`);
  const flat = index.reduce((s, v, d) => s + v * strides(t.shape)[d], 0);
  const consumers = graphOf(loss).flatMap((o) =>
    (o.gradFn?.inputs ?? []).flatMap((input, position) => (input === t ? [{ o, position }] : [])),
  );
  if (t === loss) throw new Error(`${op}: t is the loss itself (∂E/∂E = 1): the walk ends here`);
  if (consumers.length === 0) throw new Error(`${op}: t is not in the loss's graph (no op on the way to the loss reads it)`);
  const outputs = [...new Set(consumers.map((c) => c.o))];
  const upstream = grad([loss], [t, ...outputs], { retainGraph: true, allowUnused: true });
  const autograd = upstream[0]?.data[flat] ?? 0;
  const list: ChainConsumer[] = consumers.map(({ o, position }) => {
    const node = o.gradFn!;
    if (node.released)
      throw new Error(`${op}: the graph was freed by a backward pass; run it before backward, or backward with { retainGraph: true }`);
    const dOut = upstream[1 + outputs.indexOf(o)];
    // One column of the op's Jacobian: the rule is linear in v, so the gradient of its element e with respect to v.
    const v = zeros(o.shape, { dtype: o.dtype }).requiresGrad_();
    const column = withGradMode(true, () => {
      const g = node.apply(
        v,
        node.inputs.map((_, i) => i === position),
      );
      const gp = g[position];
      if (gp === null) return null;
      const picked = sumToShape(gp, t.shape, node.name).reshape([-1]).select(0, flat);
      if (!picked.requiresGrad) return null; // the rule does not depend on v here: no path
      // The rule reads saved tensors that belong to the forward graph: keep that graph for the next steps.
      return grad([picked], [v], { allowUnused: true, retainGraph: true })[0];
    });
    const terms: ChainTerm[] = [];
    let value = 0;
    const os = strides(o.shape);
    if (column !== null) {
      for (let k = 0; k < column.numel; k++) {
        const local = column.data[k];
        if (local === 0) continue;
        const up = dOut === null ? 0 : dOut.data[k];
        terms.push({ index: os.map((s, d) => Math.floor(k / s) % o.shape[d]), local, upstream: up });
        value += local * up;
      }
    }
    return { op: node.name, output: o, input: position, terms, value };
  });
  return { index: [...index], value: list.reduce((s, c) => s + c.value, 0), autograd, consumers: list };
}

/** How many terms per op the text lists (the largest by magnitude); the rest are summed in one line. */
const SHOWN = 20;

/** A chain step as text: per op, its terms ∂o[k]/∂t · ∂E/∂o[k] (the largest first when many), then the sum against autograd. */
export function renderChain(step: ChainStep, name = 't'): string {
  const g = (v: number): string => String(Number(v.toPrecision(6)));
  const at = (i: readonly number[]): string => `[${i.join(',')}]`;
  const lines = [`∂E/∂${name}${at(step.index)} = Σ over the ops that read it, Σ_k ∂o[k]/∂${name}${at(step.index)} · ∂E/∂o[k]:`];
  for (const c of step.consumers) {
    const many = c.terms.length > SHOWN;
    lines.push(
      `  through ${c.op} (output [${c.output.shape.join(', ')}]): ${c.terms.length} term${c.terms.length === 1 ? '' : 's'}${many ? ` (the ${SHOWN} largest by magnitude)` : ''}`,
    );
    const order = c.terms
      .map((_, i) => i)
      .sort((a, b) =>
        many ? Math.abs(c.terms[b].local * c.terms[b].upstream) - Math.abs(c.terms[a].local * c.terms[a].upstream) || a - b : a - b,
      );
    for (const i of order.slice(0, SHOWN)) lines.push(`    o${at(c.terms[i].index)}: ${g(c.terms[i].local)} · ${g(c.terms[i].upstream)}`);
    if (many) {
      const rest = order.slice(SHOWN).reduce((s, i) => s + c.terms[i].local * c.terms[i].upstream, 0);
      lines.push(`    … and ${c.terms.length - SHOWN} more terms summing to ${g(rest)}`);
    }
    if (step.consumers.length > 1) lines.push(`    = ${g(c.value)}`);
  }
  const tolerance =
    1e-5 * Math.max(Math.abs(step.autograd), ...step.consumers.flatMap((c) => c.terms.map((k) => Math.abs(k.local * k.upstream))));
  const agrees = Math.abs(step.value - step.autograd) <= tolerance;
  lines.push(`= ${g(step.value)}  ${agrees ? '✓' : '✗'} autograd ${g(step.autograd)}`);
  return lines.join('\n');
}
