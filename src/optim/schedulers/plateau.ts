// ReduceLROnPlateau: lowers the lr when a metric stops improving (not an LRScheduler: its step takes the
// metric, and it keeps its own counters).
import { checkOptionKeys } from '../../tensor/options.js';
import { checkFiniteNonNegative, type AnyOptimizer } from './base.js';

/** ReduceLROnPlateau's state (its stateDict). */
export interface ReduceLROnPlateauState {
  /** The best metric so far (±Infinity before the first). */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs: number;
  /** Epochs of cooldown left. */
  cooldownCounter: number;
  /** Epochs stepped. */
  lastEpoch: number;
  /** The lrs after the last step. */
  lastLr: number[];
}

/** Options of {@link ReduceLROnPlateau}, as PyTorch's. */
export interface ReduceLROnPlateauOptions {
  /** 'min' (default): lower the lr when the metric stops falling; 'max': when it stops rising. */
  mode?: 'min' | 'max';
  /** The lr is multiplied by this (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before lowering (default 10). */
  patience?: number;
  /** How much better counts as better (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): better by a fraction of the best; 'abs': by an amount. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after lowering before counting again (default 0). */
  cooldown?: number;
  /** The lowest lr, one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A change of the lr smaller than this is skipped (default 1e-8). */
  eps?: number;
}

/**
 * Lowers the lr by `factor` once a metric has not improved for more than `patience` epochs, as
 * torch.optim.lr_scheduler.ReduceLROnPlateau (1.13): step(metric) once per epoch.
 */
export class ReduceLROnPlateau {
  /** The class name, for checkpoints. */
  readonly name = 'ReduceLROnPlateau';
  /** 'min' or 'max'. */
  readonly mode: 'min' | 'max';
  /** The lr is multiplied by this. */
  readonly factor: number;
  /** Epochs without improvement tolerated. */
  readonly patience: number;
  /** How much better counts as better. */
  readonly threshold: number;
  /** 'rel' or 'abs'. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after lowering. */
  readonly cooldown: number;
  /** The lowest lr per group. */
  readonly minLrs: number[];
  /** Smallest change of the lr applied. */
  readonly eps: number;
  /** The best metric so far (±Infinity before the first). */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Epochs stepped so far. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    /** The optimizer whose lrs are lowered. */
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

  /** The learning rates after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Where the schedule stands: the best metric so far (±Infinity before the first), its counters and last lrs. */
  stateDict(): ReduceLROnPlateauState {
    const { best, numBadEpochs, cooldownCounter, lastEpoch } = this;
    return { best, numBadEpochs, cooldownCounter, lastEpoch, lastLr: [...this.lastLr] };
  }

  /** Restores what stateDict() returned. */
  loadStateDict(sd: ReduceLROnPlateauState): void {
    const counters = [sd?.numBadEpochs, sd?.cooldownCounter, sd?.lastEpoch];
    if (typeof sd?.best !== 'number' || !counters.every((c) => Number.isInteger(c) && (c as number) >= 0) || !Array.isArray(sd?.lastLr))
      throw new Error('ReduceLROnPlateau.loadStateDict: expected { best, numBadEpochs, cooldownCounter, lastEpoch, lastLr }');
    this.best = sd.best;
    this.numBadEpochs = sd.numBadEpochs;
    this.cooldownCounter = sd.cooldownCounter;
    this.lastEpoch = sd.lastEpoch;
    this.lastLr = [...sd.lastLr];
  }
}
