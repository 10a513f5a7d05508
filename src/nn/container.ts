// Sequential, Flatten and Dropout, as torch.nn.
import { checkOptionKeys } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { generatorOption, type Generator } from '../tensor/random.js';
import { dropout, dropout2d, flatten } from '../ops/index.js';
import { closeGraphRecord, dropGraphRecord, inGraphRecord, openGraphRecord } from '../tensor/resident.js';
import { isOwnLayer, markOwnLayers, Module, pyFloat } from './module.js';

/** Modules applied in order; children are named '0', '1', … as in PyTorch. */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new Error(`Sequential: argument ${i} is not a Module (got ${m === null ? 'null' : typeof m})`);
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
  }

  /** The number of modules. */
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
    const children = this.children();
    // An output passed between two of the library's own layers reaches no user code: it may stay in the
    // kernels' memory, owned by the autograd graph (tensor/resident.ts), which frees it with backward.
    const internal = children.map((m, i) => i + 1 < children.length && isOwnLayer(m) && isOwnLayer(children[i + 1]));
    const record = internal.includes(true) ? openGraphRecord() : 0;
    let y = x;
    try {
      children.forEach((m, i) => {
        y = record !== 0 && internal[i] ? inGraphRecord(record, () => m.forward(y)) : m.forward(y);
      });
    } catch (e) {
      if (record !== 0) dropGraphRecord(record);
      throw e;
    }
    // A last module of the user's may return something else than a tensor: nothing of the record reaches it then.
    const out: unknown = y;
    if (record !== 0) closeGraphRecord(record, out instanceof Tensor ? out : null);
    return y;
  }

  protected override typeName(): string {
    return 'Sequential';
  }
}

/** A placeholder that returns its input, as torch.nn.Identity (e.g. a shortcut without a projection). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
  protected override typeName(): string {
    return 'Identity';
  }
}

/**
 * A list of modules registered as children '0', '1', … (their parameters are the model's), as
 * torch.nn.ModuleList; it has no forward: the owner calls them.
 */
export class ModuleList extends Module implements Iterable<Module> {
  constructor(modules: Iterable<Module> = []) {
    super();
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== 'function')
      throw new Error('ModuleList: modules must be an iterable of Modules');
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end; returns this list. */
  append(module: Module): this {
    const n = this.length;
    if (!(module instanceof Module))
      throw new Error(`ModuleList: item ${n} is not a Module (got ${module === null ? 'null' : typeof module})`);
    (this as unknown as Record<string, Module>)[String(n)] = module;
    return this;
  }

  /** The number of modules. */
  get length(): number {
    return this.namedChildren().length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const children = this.children();
    const k = i < 0 ? i + children.length : i;
    if (!Number.isInteger(k) || k < 0 || k >= children.length)
      throw new Error(`ModuleList: index ${i} is out of range for ${children.length} modules`);
    return children[k];
  }

  /** The modules in order (`for (const m of list)`). */
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(): Tensor {
    throw new Error('ModuleList: a ModuleList has no forward; call its modules (for (const m of list) x = m.forward(x))');
  }

  protected override typeName(): string {
    return 'ModuleList';
  }
}

/**
 * Modules by name, registered as children under their keys (state-dict keys 'name.weight'), as
 * torch.nn.ModuleDict; in insertion order. A key may not contain '.', be empty, or shadow a member.
 */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Iterable<readonly [string, Module]> = {}) {
    super();
    const entries =
      modules !== null && typeof modules === 'object' && Symbol.iterator in modules
        ? [...(modules as Iterable<readonly [string, Module]>)]
        : modules !== null && typeof modules === 'object'
          ? Object.entries(modules as Record<string, Module>)
          : null;
    if (entries === null) throw new Error('ModuleDict: modules must be an object or an iterable of [name, Module] pairs');
    for (const [key, m] of entries) this.set(key, m);
  }

  /** Adds or replaces the module under `key`; returns this dict. */
  set(key: string, module: Module): this {
    if (typeof key !== 'string' || key === '' || key.includes('.'))
      throw new Error(`ModuleDict: key ${JSON.stringify(key)} is invalid; expected a non-empty name without '.'`);
    if (key in this && !this.has(key)) throw new Error(`ModuleDict: key "${key}" would shadow a member of ModuleDict; choose another name`);
    if (!(module instanceof Module)) throw new Error(`ModuleDict: the value of "${key}" is not a Module`);
    (this as unknown as Record<string, Module>)[key] = module;
    return this;
  }

  /** Whether a module is stored under key. */
  has(key: string): boolean {
    return Object.hasOwn(this, key) && (this as unknown as Record<string, unknown>)[key] instanceof Module;
  }

  /** The module under key; throws naming the keys when there is none. */
  get(key: string): Module {
    if (!this.has(key)) throw new Error(`ModuleDict: no module named "${key}"; have ${this.keys().join(', ') || 'none'}`);
    return (this as unknown as Record<string, Module>)[key];
  }

  /** The keys in insertion order. */
  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }

  /** The modules in insertion order. */
  values(): Module[] {
    return this.children();
  }

  /** [key, module] pairs in insertion order. */
  entries(): [string, Module][] {
    return this.namedChildren();
  }

  /** The number of modules. */
  get size(): number {
    return this.namedChildren().length;
  }

  forward(): Tensor {
    throw new Error('ModuleDict: a ModuleDict has no forward; call its modules (dict.get(name).forward(x))');
  }

  protected override typeName(): string {
    return 'ModuleDict';
  }
}

export class Flatten extends Module {
  constructor(
    /** The first dimension flattened (default 1: the batch stays). */
    readonly startDim = 1,
    /** The last dimension flattened (default −1). */
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
    /** The probability of zeroing each element in training (default 0.5). */
    readonly p = 0.5,
    /** Options: the generator to draw the masks from. */
    readonly options: {
      /** The random stream for the masks (default: the global one). */
      generator?: Generator;
    } = {},
  ) {
    super();
    const name = this.typeName(); // Dropout or Dropout2d
    checkOptionKeys(options, ['generator'], name);
    generatorOption(options.generator, name);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new Error(`${name}: p=${String(p)} is invalid; expected a probability between 0 and 1`);
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

/** Zeroes whole channels of (N, C, H, W) or (N, C, L) inputs in training, as torch.nn.Dropout2d. */
export class Dropout2d extends Dropout {
  override forward(x: Tensor): Tensor {
    return dropout2d(x, { p: this.p, training: this.training, generator: this.options.generator });
  }
  protected override typeName(): string {
    return 'Dropout2d';
  }
}

markOwnLayers(Flatten, Dropout, Dropout2d, Identity);
