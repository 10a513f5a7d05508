// Module and Parameter, as torch.nn.Module and torch.nn.Parameter.
import { Tensor } from '../tensor/tensor.js';

/** A tensor that a module learns: requires grad, and prints as PyTorch prints a Parameter. */
export class Parameter extends Tensor {
  constructor(t: Tensor, requiresGrad = true) {
    super(t.data, t.shape, requiresGrad);
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

export abstract class Module {
  training = true;

  abstract forward(...inputs: Tensor[]): Tensor;

  /** The module's own fields that are Parameters or Modules, in the order they were assigned. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [name, value] of Object.entries(this)) {
      if (value instanceof Parameter) out.push([prefix + name, value]);
      else if (value instanceof Module) out.push(...value.namedParameters(`${prefix}${name}.`));
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Sets every parameter's gradient to null (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.namedChildren()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** PyTorch's extra_repr: the constructor arguments worth showing. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module repr. */
  toString(): string {
    const children = this.namedChildren();
    const name = this.constructor.name;
    if (children.length === 0) return `${name}(${this.extraRepr()})`;
    const lines = [this.extraRepr(), ...children.map(([key, m]) => `(${key}): ${m.toString().split('\n').join('\n  ')}`)].filter((l) => l !== '');
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A Python tuple as PyTorch prints it: (3,) or (3, 3). */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}
