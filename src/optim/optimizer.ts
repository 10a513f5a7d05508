// The optimizer base, as torch.optim.Optimizer: parameter groups with their options, per-parameter
// state, zeroGrad, and state dicts that refer to parameters by their index (as PyTorch's do).
// Updates work on the tensors' storage in place, outside the autograd graph, with PyTorch's arithmetic.
import { checkOptionKeys } from '../tensor/options.js';
import { isFloating, Tensor, type Storage, bumpVersion } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

/** A group of parameters with options that override the optimizer's defaults. */
export type ParamGroupInput<O> = {
  /** The group's parameters. */
  params: Iterable<Tensor>;
} & Partial<O>;
/** A parameter group: its parameters and its options. */
export type ParamGroup<O> = {
  /** The group's parameters. */
  params: Tensor[];
} & O;
/** What an optimizer takes: parameters, or groups of parameters each with its own options. */
export type ParamsInput<O> = Iterable<Tensor> | readonly ParamGroupInput<O>[];

/** Per-parameter state: tensors (moment estimates, buffers) and numbers (step counts). */
export type ParamState = Record<string, Storage | number>;

/** An optimizer's state dict, as PyTorch's: per-parameter state by index and the groups' options with parameter indices. */
export interface OptimizerStateDict<O> {
  /** Per parameter index (in group order): its buffers and step count. */
  state: Record<number, ParamState>;
  /** Each group's options and its parameters' indices. */
  paramGroups: (O & {
    /** The group's parameters, as indices in group order. */
    params: number[];
  })[];
}

function isGroupList<O>(params: ParamsInput<O>): params is readonly ParamGroupInput<O>[] {
  return (
    Array.isArray(params) &&
    params.length > 0 &&
    !(params[0] instanceof Tensor) &&
    typeof params[0] === 'object' &&
    params[0] !== null &&
    'params' in params[0]
  );
}

/**
 * The base of the optimizers, as `torch.optim.Optimizer`: parameter groups (each with its own options), per-parameter
 * state, zeroGrad(), step() and a state dict that loadStateDict() restores.
 */
export abstract class Optimizer<
  O extends {
    /** The learning rate. */
    lr: number;
  },
> {
  /** The parameter groups: their parameters and options (lr and the rest), which schedulers change. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per parameter: its buffers (momentum, moments) and step count. */
  readonly state = new Map<Tensor, ParamState>();

  protected constructor(
    /** The class name ('SGD', 'Adam', 'AdamW'), for checkpoints. */
    readonly name: string,
    params: ParamsInput<O>,
    /** The options a group takes where it gives none. */
    readonly defaults: O,
  ) {
    this.checkOptions(defaults);
    const groups: ParamGroupInput<O>[] = isGroupList(params) ? [...params] : [{ params } as ParamGroupInput<O>];
    const seen = new Set<Tensor>();
    for (const g of groups) this.addParamGroup(g, seen);
    if (this.paramGroups.every((g) => g.params.length === 0))
      throw new Error(`${name}: got an empty parameter list; expected parameters to optimize`);
  }

  /** Validates one set of options (the defaults, or a group's), naming the bad option. */
  protected abstract checkOptions(options: O): void;

  /** Adds a group of parameters, with options defaulting to the optimizer's. */
  addParamGroup(group: ParamGroupInput<O>, seen = new Set(this.paramGroups.flatMap((g) => g.params))): void {
    if (typeof group !== 'object' || group === null || !('params' in group))
      throw new Error(`${this.name}: a parameter group must be an object with params`);
    if (group.params === null || typeof (group.params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new Error(`${this.name}: params must be an iterable of Tensors`);
    }
    const params = [...group.params];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${this.name}: params[${i}] is not a Tensor (got ${p === null ? 'null' : typeof p})`);
      if (!isFloating(p.dtype)) throw new Error(`${this.name}: params[${i}] has dtype ${p.dtype}; expected floating point parameters`);
      if (!p.isLeaf)
        throw new Error(
          `${this.name}: params[${i}] is not a leaf tensor; expected leaves (parameters), as PyTorch cannot optimize non-leaf tensors`,
        );
      if (seen.has(p)) throw new Error(`${this.name}: some parameters appear in more than one parameter group`);
      seen.add(p);
    });
    // A group may set any of the optimizer's options (initialLr: a scheduler's record), nothing else.
    checkOptionKeys(group, ['params', 'initialLr', ...Object.keys(this.defaults)], this.name);
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.checkOptions(full);
    this.paramGroups.push(full);
  }

  /** Sets the gradients of every parameter to null (set_to_none, PyTorch 2's default) or to zero. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone || p.grad === null) p.grad = null;
        else {
          p.grad.storage.fill(0);
          bumpVersion(p.grad);
        }
      }
    }
  }

  /** One update of every parameter that has a gradient. Checks everything first, so a throw changes nothing. */
  step(): void {
    for (const g of this.paramGroups) {
      // Options may have been edited since construction (a scheduler, or by hand): check them again.
      this.checkOptions(g);
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (p.grad.dtype !== p.dtype) {
          throw new Error(`${this.name}.step: a gradient of dtype ${p.grad.dtype} does not match its parameter's dtype ${p.dtype}`);
        }
        if (p.grad.shape.length !== p.shape.length || p.grad.shape.some((s, i) => s !== p.shape[i])) {
          throw new Error(
            `${this.name}.step: a gradient of shape ${formatShape(p.grad.shape)} does not match its parameter's shape ${formatShape(p.shape)}`,
          );
        }
      }
    }
    for (const g of this.paramGroups) this.updateGroup(g);
  }

  protected abstract updateGroup(group: ParamGroup<O>): void;

  /** The state of a parameter, created by `init` on first use. */
  protected stateOf(p: Tensor, init: () => ParamState): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = init();
      this.state.set(p, s);
    }
    return s;
  }

  /** PyTorch's optimizer state_dict: state and groups, parameters named by their index across groups. */
  stateDict(): OptimizerStateDict<O> {
    const index = new Map<Tensor, number>();
    let n = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      const indexOf = (p: Tensor): number => {
        if (!index.has(p)) index.set(p, n++);
        return index.get(p)!;
      };
      return { ...(options as unknown as O), params: params.map(indexOf) };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : v.slice()]));
    }
    return { state, paramGroups };
  }

  /** Restores a state_dict made by an optimizer over parameters of the same shapes. */
  loadStateDict(sd: OptimizerStateDict<O>): void {
    if (typeof sd !== 'object' || sd === null || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      throw new Error(`${this.name}.loadStateDict: expected an object with state and paramGroups`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(
        `${this.name}.loadStateDict: the state dict has ${sd.paramGroups.length} parameter groups; this optimizer has ${this.paramGroups.length}`,
      );
    }
    const params: Tensor[] = [];
    sd.paramGroups.forEach((g, i) => {
      if (!Array.isArray(g.params) || g.params.length !== this.paramGroups[i].params.length) {
        throw new Error(
          `${this.name}.loadStateDict: group ${i} has ${Array.isArray(g.params) ? g.params.length : 'no'} parameters; expected ${this.paramGroups[i].params.length}`,
        );
      }
      g.params.forEach((id, k) => (params[id] = this.paramGroups[i].params[k]));
      const { params: _ignored, ...options } = g;
      this.checkOptions({ ...this.defaults, ...(options as unknown as O) });
    });
    const states: [Tensor, Record<string, unknown>][] = [];
    for (const [id, s] of Object.entries(sd.state)) {
      const p = params[Number(id)];
      if (p === undefined) throw new Error(`${this.name}.loadStateDict: state refers to parameter ${id}, which no group has`);
      // JSON.stringify writes a typed array as {"0": …, "1": …}: read that form back as the array it was.
      const entries = Object.entries(s as Record<string, unknown>).map(([k, v]) => [k, typedArrayFromJson(v)] as const);
      states.push([p, Object.fromEntries(entries)]);
      for (const [k, v] of entries) {
        const numbers =
          v instanceof Float32Array || v instanceof Float64Array || (Array.isArray(v) && v.every((e) => typeof e === 'number'));
        if (typeof v !== 'number' && !numbers) {
          const what = v === null ? 'null' : Array.isArray(v) ? 'an array with a non-number' : typeof v;
          throw new Error(`${this.name}.loadStateDict: state ${k} of parameter ${id} is ${what}; expected a number or an array of numbers`);
        }
        if (typeof v !== 'number' && v.length !== p.numel) {
          throw new Error(
            `${this.name}.loadStateDict: state ${k} of parameter ${id} has ${v.length} elements; the parameter has ${p.numel}`,
          );
        }
      }
    }
    // Everything checked: now change state.
    sd.paramGroups.forEach((g, i) => {
      const { params: _ignored, ...options } = g;
      Object.assign(this.paramGroups[i], options);
    });
    this.state.clear();
    for (const [p, s] of states) {
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s as Record<string, number | ArrayLike<number>>)) {
        if (typeof v === 'number') copy[k] = v;
        else {
          const t = p.dtype === 'float64' ? new Float64Array(v.length) : new Float32Array(v.length);
          t.set(v);
          copy[k] = t;
        }
      }
      this.state.set(p, copy);
    }
  }
}

/** {"0": a, "1": b, …} (a typed array after a JSON round trip) as [a, b, …]; anything else as it is. */
function typedArrayFromJson(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return v;
  const keys = Object.keys(v);
  if (!keys.every((k, i) => k === String(i))) return v;
  return keys.map((k) => (v as Record<string, unknown>)[k]);
}

/** options, after refusing any key outside `allowed` (an optimizer's constructor passes them on to its defaults). */
export function knownOptions<T extends object>(options: T, allowed: readonly string[], op: string): T {
  checkOptionKeys(options, allowed, op);
  return options;
}

/** A non-negative number option, named in the error. */
export function checkNonNegative(v: unknown, what: string, op: string): void {
  if (typeof v !== 'number' || !(v >= 0)) throw new Error(`${op}: invalid ${what}: ${String(v)}; expected a non-negative number`);
}
