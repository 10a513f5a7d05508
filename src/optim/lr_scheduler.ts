// Learning-rate schedulers, as torch.optim.lr_scheduler (1.13's recursive forms, so the lrs are
// PyTorch's to the last bit): construction sets lastEpoch to 0 and the lrs to their initial values;
// each step() moves one epoch.
import type { Optimizer } from './optimizer.js';
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';

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

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  /** Epochs between multiplications. */
  readonly stepSize: number;
  /** The factor. */
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
  /** Epochs from the initial lr down to etaMin. */
  readonly tMax: number;
  /** The lowest lr. */
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

/** Options of {@link OneCycleLR}, as PyTorch's. */
export interface OneCycleLROptions {
  /** The peak lr, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** The number of steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  /** With stepsPerEpoch, the cycle's length (instead of totalSteps). */
  epochs?: number;
  /** With epochs, the cycle's length (instead of totalSteps). */
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the lr (0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing between the phases' lrs. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD's momentum, Adam's beta1) inversely to the lr, between baseMomentum and maxMomentum. */
  cycleMomentum?: boolean;
  /** The momentum at the lr's peak (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** The momentum at the cycle's ends (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** The initial lr is maxLr / divFactor (25); the last is that / finalDivFactor (1e4). */
  divFactor?: number;
  /** The last lr is the initial one / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** A third phase annihilates the lr after a symmetric rise and fall (default false). */
  threePhase?: boolean;
  /** Only -1, as PyTorch's default; resume with loadStateDict. */
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: 'initialLr' | 'maxLr' | 'minLr';
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  startMomentum: 'maxMomentum' | 'baseMomentum';
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

type CycleGroup = { lr: number; initialLr: number; maxLr: number; minLr: number; maxMomentum: number; baseMomentum: number } & {
  momentum?: number;
  betas?: readonly [number, number];
};

/** One value per parameter group: a number for all, or a list with one per group (PyTorch's _format_param). */
function perGroup(v: unknown, name: string, groups: number, op: string): number[] {
  const values = Array.isArray(v) ? [...(v as number[])] : new Array<number>(groups).fill(v as number);
  if (values.length !== groups) throw new Error(`${op}: ${name} has ${values.length} values; the optimizer has ${groups} parameter groups`);
  values.forEach((x, i) => checkFiniteNonNegative(x, Array.isArray(v) ? `${name}[${i}]` : name, op));
  return values;
}

/**
 * The 1cycle policy (Smith & Topsom), as torch.optim.lr_scheduler.OneCycleLR (1.13): the lr rises from
 * maxLr/divFactor to maxLr over pctStart of the steps, then anneals to initialLr/finalDivFactor, while
 * the momentum moves the other way. step() after every batch, totalSteps times in all.
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle: step() is called this many times. */
  readonly totalSteps: number;
  /** 'cos' or 'linear'. */
  readonly annealStrategy: 'cos' | 'linear';
  /** Whether the momentum cycles against the lr. */
  readonly cycleMomentum: boolean;
  private readonly phases: Phase[];
  private readonly useBeta1: boolean;

  constructor(optimizer: AnyOptimizer, options: OneCycleLROptions) {
    const op = 'OneCycleLR';
    const o = schedulerOptions(
      options,
      [
        'maxLr',
        'totalSteps',
        'epochs',
        'stepsPerEpoch',
        'pctStart',
        'annealStrategy',
        'cycleMomentum',
        'baseMomentum',
        'maxMomentum',
        'divFactor',
        'finalDivFactor',
        'threePhase',
        'lastEpoch',
      ],
      op,
    );
    if (typeof optimizer !== 'object' || optimizer === null || !Array.isArray(optimizer.paramGroups))
      throw new Error(`${op}: optimizer must be an Optimizer`);
    let totalSteps: number;
    if (o.totalSteps !== undefined) {
      if (!Number.isInteger(o.totalSteps) || o.totalSteps <= 0)
        throw new Error(`${op}: totalSteps=${String(o.totalSteps)} must be a positive integer`);
      totalSteps = o.totalSteps;
    } else {
      if (o.epochs === undefined && o.stepsPerEpoch === undefined)
        throw new Error(`${op}: give totalSteps, or epochs and stepsPerEpoch (e.g. { maxLr: 0.1, totalSteps: 1000 })`);
      for (const [name, v] of [
        ['epochs', o.epochs],
        ['stepsPerEpoch', o.stepsPerEpoch],
      ] as const) {
        if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`${op}: ${name}=${String(v)} must be a positive integer`);
      }
      totalSteps = o.epochs! * o.stepsPerEpoch!;
    }
    const pctStart = o.pctStart ?? 0.3;
    if (typeof pctStart !== 'number' || !(pctStart >= 0 && pctStart <= 1))
      throw new Error(`${op}: pctStart=${String(pctStart)} must be a number in [0, 1]`);
    const annealStrategy = o.annealStrategy ?? 'cos';
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear')
      throw new Error(`${op}: annealStrategy=${String(annealStrategy)} is invalid; expected 'cos' or 'linear'`);
    const divFactor = checkFiniteNonNegative(o.divFactor ?? 25, 'divFactor', op);
    const finalDivFactor = checkFiniteNonNegative(o.finalDivFactor ?? 1e4, 'finalDivFactor', op);
    const cycleMomentum = checkBoolean(o.cycleMomentum, 'cycleMomentum', op, true);
    const threePhase = checkBoolean(o.threePhase, 'threePhase', op, false);
    const groups = optimizer.paramGroups as unknown as CycleGroup[];
    const maxLrs = perGroup(o.maxLr, 'maxLr', groups.length, op);
    const defaults = optimizer.defaults as { momentum?: number; betas?: unknown };
    const useBeta1 = defaults.betas !== undefined;
    if (cycleMomentum && !useBeta1 && defaults.momentum === undefined)
      throw new Error(`${op}: the optimizer has no momentum to cycle; pass cycleMomentum: false`);
    const maxMomentums = cycleMomentum ? perGroup(o.maxMomentum ?? 0.95, 'maxMomentum', groups.length, op) : [];
    const baseMomentums = cycleMomentum ? perGroup(o.baseMomentum ?? 0.85, 'baseMomentum', groups.length, op) : [];
    // Everything checked: the groups take their cycle's lrs (and momentum) before the base class reads initialLr.
    groups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / divFactor;
      g.maxLr = maxLrs[i];
      g.minLr = g.initialLr / finalDivFactor;
      if (cycleMomentum) {
        if (useBeta1) g.betas = [maxMomentums[i], g.betas![1]];
        else g.momentum = maxMomentums[i];
        g.maxMomentum = maxMomentums[i];
        g.baseMomentum = baseMomentums[i];
      }
    });
    super(op, optimizer, o.lastEpoch ?? -1);
    this.totalSteps = totalSteps;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.phases = threePhase
      ? [
          {
            endStep: pctStart * totalSteps - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: 2 * pctStart * totalSteps - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          {
            endStep: pctStart * totalSteps - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
  }

  protected computeLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps)
      throw new Error(`OneCycleLR.step: tried to step ${step + 1} times; the cycle has totalSteps=${this.totalSteps}`);
    const groups = this.optimizer.paramGroups as unknown as CycleGroup[];
    return groups.map((g) => {
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i];
        if (step <= phase.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (phase.endStep - start);
          if (this.cycleMomentum) {
            const m = this.anneal(g[phase.startMomentum], g[phase.endMomentum], pct);
            if (this.useBeta1) g.betas = [m, g.betas![1]];
            else g.momentum = m;
          }
          return this.anneal(g[phase.startLr], g[phase.endLr], pct);
        }
        start = phase.endStep;
      }
      return g.lr; // unreachable: the last phase always matches
    });
  }
}
