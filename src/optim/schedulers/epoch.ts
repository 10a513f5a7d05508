// The epoch schedulers with a closed rule: StepLR, CosineAnnealingLR, MultiStepLR, ExponentialLR, each
// PyTorch 1.13's recursive form (the lr of an epoch from the last one's), so the lrs are PyTorch's to the bit.
import { checkFiniteNonNegative, checkPositiveInteger, LRScheduler, schedulerOptions, type AnyOptimizer } from './base.js';

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  /** Epochs between multiplications. */
  readonly stepSize: number;
  /** The factor. */
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super('StepLR', optimizer, schedulerOptions(options, ['stepSize', 'gamma', 'lastEpoch'], 'StepLR').lastEpoch ?? -1);
    this.stepSize = checkPositiveInteger(options.stepSize, 'stepSize', 'StepLR');
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
  /** Epochs from the initial lr down to etaMin. */
  readonly tMax: number;
  /** The lowest lr. */
  readonly etaMin: number;

  constructor(optimizer: AnyOptimizer, options: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super('CosineAnnealingLR', optimizer, schedulerOptions(options, ['tMax', 'etaMin', 'lastEpoch'], 'CosineAnnealingLR').lastEpoch ?? -1);
    this.tMax = checkPositiveInteger(options.tMax, 'tMax', 'CosineAnnealingLR');
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
  /** The epochs at which the lr is multiplied. */
  readonly milestones: readonly number[];
  /** The factor. */
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
  /** The factor per epoch. */
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
