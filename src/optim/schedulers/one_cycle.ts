// OneCycleLR: the lr rises to maxLr and anneals far below the start, the momentum moving the other way,
// stepped once per batch.
import { checkBoolean } from '../../tensor/options.js';
import { checkFiniteNonNegative, checkPositiveInteger, LRScheduler, schedulerOptions, type AnyOptimizer } from './base.js';

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
    if (o.totalSteps !== undefined) totalSteps = checkPositiveInteger(o.totalSteps, 'totalSteps', op);
    else {
      if (o.epochs === undefined && o.stepsPerEpoch === undefined)
        throw new Error(`${op}: give totalSteps, or epochs and stepsPerEpoch (e.g. { maxLr: 0.1, totalSteps: 1000 })`);
      totalSteps = checkPositiveInteger(o.epochs, 'epochs', op) * checkPositiveInteger(o.stepsPerEpoch, 'stepsPerEpoch', op);
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
