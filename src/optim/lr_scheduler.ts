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

export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | readonly number[];
  eps?: number;
}

/**
 * Lowers the lr by `factor` once a metric has not improved for more than `patience` epochs, as
 * torch.optim.lr_scheduler.ReduceLROnPlateau (1.13): step(metric) once per epoch.
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    readonly optimizer: AnyOptimizer,
    options: ReduceLROnPlateauOptions = {},
  ) {
    const op = 'ReduceLROnPlateau';
    if (typeof optimizer !== 'object' || optimizer === null || !Array.isArray(optimizer.paramGroups))
      throw new Error(`${op}: optimizer must be an Optimizer`);
    checkOptionKeys(options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'], op);
    this.mode = options.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max') throw new Error(`${op}: mode=${String(this.mode)} is invalid; expected 'min' or 'max'`);
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs')
      throw new Error(`${op}: thresholdMode=${String(this.thresholdMode)} is invalid; expected 'rel' or 'abs'`);
    this.factor = options.factor ?? 0.1;
    if (typeof this.factor !== 'number' || !(this.factor >= 0 && this.factor < 1))
      throw new Error(`${op}: factor=${String(this.factor)} must be in [0, 1)`);
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    for (const [name, v] of [
      ['patience', this.patience],
      ['cooldown', this.cooldown],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: ${name}=${String(v)} must be a non-negative integer`);
    }
    this.threshold = checkFiniteNonNegative(options.threshold ?? 1e-4, 'threshold', op);
    this.eps = checkFiniteNonNegative(options.eps ?? 1e-8, 'eps', op);
    const groups = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    this.minLrs = Array.isArray(minLr) ? [...minLr] : new Array<number>(groups).fill(minLr as number);
    if (this.minLrs.length !== groups)
      throw new Error(`${op}: minLr has ${this.minLrs.length} values; the optimizer has ${groups} parameter groups`);
    this.minLrs.forEach((v, i) => checkFiniteNonNegative(v, `minLr[${i}]`, op));
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** One epoch's metric (a number, or a 0-d tensor's value). */
  step(metric: number | { item(): number }): void {
    const current = typeof metric === 'number' ? metric : typeof metric?.item === 'function' ? metric.item() : Number.NaN;
    if (typeof metric !== 'number' && (typeof metric !== 'object' || metric === null))
      throw new Error(`ReduceLROnPlateau.step: metric=${String(metric)} must be a number or a 0-d tensor`);
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }
}
