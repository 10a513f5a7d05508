// The base of the learning-rate schedulers (torch.optim.lr_scheduler's _LRScheduler, 1.13's recursive
// forms): construction sets lastEpoch to 0 and the lrs to their initial values; each step() moves one
// epoch. Also the option checks every scheduler shares.
import type { Optimizer } from '../optimizer.js';
import { checkOptionKeys } from '../../tensor/options.js';

/** Any optimizer a scheduler can drive: one whose parameter groups have an lr. */
export type AnyOptimizer = Optimizer<{
  /** The group's learning rate, which the scheduler sets. */
  lr: number;
}>;

/** An epoch-based scheduler's state (LRScheduler's stateDict). */
export interface LRSchedulerState {
  /** The epoch the lrs were last set for. */
  lastEpoch: number;
  /** Steps taken (construction's included). */
  stepCount: number;
  /** Each group's lr when scheduling began. */
  baseLrs: number[];
  /** The lrs the last step set. */
  lastLr: number[];
}

/** A scheduler's options: an object (its required option has no default) with only the keys it knows. */
export function schedulerOptions<T extends { lastEpoch?: number }>(options: T, allowed: readonly string[], op: string): T {
  if (typeof options !== 'object' || options === null)
    throw new Error(`${op}: options=${String(options)} must be an object with ${allowed[0]} (e.g. { ${allowed[0]}: 10 })`);
  checkOptionKeys(options, allowed, op);
  return options;
}

/** A rate factor or floor: a finite number ≥ 0 (a negative or infinite one would only fail later, in the optimizer's step). */
export function checkFiniteNonNegative(v: unknown, name: string, op: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${op}: ${name}=${String(v)} must be a finite number ≥ 0`);
  return v;
}

/** v, a positive integer (an epoch or step count), or an Error naming op, the option and its value. */
export function checkPositiveInteger(v: unknown, name: string, op: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${op}: ${name}=${String(v)} must be a positive integer`);
  return v;
}

/**
 * The base of the epoch-based schedulers (PyTorch's `_LRScheduler`): construction sets the optimizer's lrs for epoch 0;
 * each step() moves one epoch and writes the new lrs into the optimizer's parameter groups.
 */
export abstract class LRScheduler {
  /** The epoch the lrs were last set for (0 after construction). */
  lastEpoch: number;
  /** Each group's lr when scheduling began. */
  readonly baseLrs: number[];
  private stepCount = 0;
  private lastLr: number[] = [];

  protected constructor(
    /** The class name, for checkpoints. */
    readonly name: string,
    /** The optimizer whose lrs are set. */
    readonly optimizer: AnyOptimizer,
    lastEpoch: number,
  ) {
    if (typeof optimizer !== 'object' || optimizer === null || !Array.isArray(optimizer.paramGroups)) {
      throw new Error(`${name}: optimizer must be an Optimizer`);
    }
    if (lastEpoch !== -1)
      throw new Error(`${name}: lastEpoch=${lastEpoch} is not supported; resume with loadStateDict instead (expected -1)`);
    for (const g of optimizer.paramGroups) (g as { initialLr?: number }).initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => (g as { initialLr?: number }).initialLr ?? g.lr);
    this.lastEpoch = lastEpoch;
  }

  /** Subclasses call this at the end of their constructor: PyTorch's initial step to epoch 0. */
  protected initialStep(): void {
    this.step();
  }

  protected abstract computeLr(stepCount: number): number[];

  /** Moves to the next epoch (call once per epoch after optimizer.step(); OneCycleLR once per batch). */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.computeLr(this.stepCount);
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLr = lrs;
  }

  /** The learning rates set by the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's position, to save with a checkpoint. */
  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /** Restores a position from stateDict() (the optimizer's lrs come back with the optimizer's own state). */
  loadStateDict(sd: Pick<LRSchedulerState, 'lastEpoch' | 'stepCount' | 'lastLr'>): void {
    if (!Number.isInteger(sd?.lastEpoch) || !Number.isInteger(sd?.stepCount) || !Array.isArray(sd?.lastLr)) {
      throw new Error(`${this.name}.loadStateDict: expected { lastEpoch, stepCount, lastLr }`);
    }
    this.lastEpoch = sd.lastEpoch;
    this.stepCount = sd.stepCount;
    this.lastLr = [...sd.lastLr];
  }
}
