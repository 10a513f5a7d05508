// Learning-rate schedulers, as torch.optim.lr_scheduler (1.13's recursive forms, so the lrs are
// PyTorch's to the last bit): construction sets lastEpoch to 0 and the lrs to their initial values;
// each step() moves one epoch.
import type { Optimizer } from './optimizer.js';
import { checkOptionKeys } from '../tensor/options.js';

type AnyOptimizer = Optimizer<{ lr: number }>;

/** A scheduler's options: an object (its required option has no default) with only the keys it knows. */
function schedulerOptions<T extends { lastEpoch?: number }>(options: T, allowed: readonly string[], op: string): T {
  if (typeof options !== 'object' || options === null)
    throw new Error(`${op}: options=${String(options)} must be an object with ${allowed[0]} (e.g. { ${allowed[0]}: 10 })`);
  checkOptionKeys(options, allowed, op);
  return options;
}

/** A rate factor or floor: a finite number ≥ 0 (a negative or infinite one would only fail later, in the optimizer's step). */
function checkFiniteNonNegative(v: unknown, name: string, op: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${op}: ${name}=${String(v)} must be a finite number ≥ 0`);
  return v;
}

export abstract class LRScheduler {
  lastEpoch: number;
  readonly baseLrs: number[];
  private stepCount = 0;
  private lastLr: number[] = [];

  protected constructor(
    readonly name: string,
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

  stateDict(): { lastEpoch: number; stepCount: number; baseLrs: number[]; lastLr: number[] } {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  loadStateDict(sd: { lastEpoch: number; stepCount: number; lastLr: number[] }): void {
    if (!Number.isInteger(sd?.lastEpoch) || !Number.isInteger(sd?.stepCount) || !Array.isArray(sd?.lastLr)) {
      throw new Error(`${this.name}.loadStateDict: expected { lastEpoch, stepCount, lastLr }`);
    }
    this.lastEpoch = sd.lastEpoch;
    this.stepCount = sd.stepCount;
    this.lastLr = [...sd.lastLr];
  }
}

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super('StepLR', optimizer, schedulerOptions(options, ['stepSize', 'gamma', 'lastEpoch'], 'StepLR').lastEpoch ?? -1);
    if (!Number.isInteger(options.stepSize) || options.stepSize <= 0)
      throw new Error(`StepLR: stepSize=${String(options.stepSize)} must be a positive integer`);
    this.stepSize = options.stepSize;
    this.gamma = checkFiniteNonNegative(options.gamma ?? 0.1, 'gamma', 'StepLR');
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

/** Cosine annealing from the initial lr to etaMin over tMax epochs (SGDR without restarts). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: AnyOptimizer, options: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super('CosineAnnealingLR', optimizer, schedulerOptions(options, ['tMax', 'etaMin', 'lastEpoch'], 'CosineAnnealingLR').lastEpoch ?? -1);
    if (!Number.isInteger(options.tMax) || options.tMax <= 0)
      throw new Error(`CosineAnnealingLR: tMax=${String(options.tMax)} must be a positive integer`);
    this.tMax = options.tMax;
    this.etaMin = checkFiniteNonNegative(options.etaMin ?? 0, 'etaMin', 'CosineAnnealingLR');
    this.initialStep();
  }

  protected computeLr(stepCount: number): number[] {
    const groups = this.optimizer.paramGroups;
    const { tMax, etaMin, lastEpoch } = this;
    if (lastEpoch === 0) return groups.map((g) => g.lr);
    if (stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((lastEpoch * Math.PI) / tMax))) / 2);
    }
    const period = 2 * tMax;
    if ((((lastEpoch - 1 - tMax) % period) + period) % period === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }
}

/** Multiplies the lr by gamma at each epoch in milestones (a milestone listed twice, twice). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: { milestones: readonly number[]; gamma?: number; lastEpoch?: number }) {
    super('MultiStepLR', optimizer, schedulerOptions(options, ['milestones', 'gamma', 'lastEpoch'], 'MultiStepLR').lastEpoch ?? -1);
    if (!Array.isArray(options.milestones) || !options.milestones.every((m) => Number.isInteger(m) && m >= 0))
      throw new Error(`MultiStepLR: milestones=${JSON.stringify(options.milestones)} must be an array of non-negative integers`);
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.gamma = checkFiniteNonNegative(options.gamma ?? 0.1, 'gamma', 'MultiStepLR');
    this.initialStep();
  }

  protected computeLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    const groups = this.optimizer.paramGroups;
    return hits === 0 ? groups.map((g) => g.lr) : groups.map((g) => g.lr * this.gamma ** hits);
  }
}

/** Multiplies the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: { gamma: number; lastEpoch?: number }) {
    super('ExponentialLR', optimizer, schedulerOptions(options, ['gamma', 'lastEpoch'], 'ExponentialLR').lastEpoch ?? -1);
    if (options.gamma === undefined) throw new Error('ExponentialLR: gamma is required (e.g. { gamma: 0.9 })');
    this.gamma = checkFiniteNonNegative(options.gamma, 'gamma', 'ExponentialLR');
    this.initialStep();
  }

  protected computeLr(): number[] {
    const groups = this.optimizer.paramGroups;
    return this.lastEpoch === 0 ? groups.map((g) => g.lr) : groups.map((g) => g.lr * this.gamma);
  }
}
