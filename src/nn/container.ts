// Sequential, Flatten and Dropout, as torch.nn.
import { checkOptionKeys } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { generatorOption, type Generator } from '../tensor/random.js';
import { dropout, flatten } from '../ops/index.js';
import { Module, pyFloat } from './module.js';

/** Modules applied in order; children are named '0', '1', … as in PyTorch. */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new Error(`Sequential: argument ${i} is not a Module (got ${m === null ? 'null' : typeof m})`);
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
  }

  get length(): number {
    return this.namedChildren().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const children = this.children();
    const k = i < 0 ? i + children.length : i;
    if (!Number.isInteger(k) || k < 0 || k >= children.length)
      throw new Error(`Sequential: index ${i} is out of range for ${children.length} modules`);
    return children[k];
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.children()) y = m.forward(y);
    return y;
  }

  protected override typeName(): string {
    return 'Sequential';
  }
}

export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  protected override typeName(): string {
    return 'Flatten';
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    readonly options: { generator?: Generator } = {},
  ) {
    super();
    checkOptionKeys(options, ['generator'], 'Dropout');
    generatorOption(options.generator, 'Dropout');
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new Error(`Dropout: p=${String(p)} is invalid; expected a probability between 0 and 1`);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, generator: this.options.generator });
  }
  protected override typeName(): string {
    return 'Dropout';
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
