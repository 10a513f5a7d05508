// Learning-rate schedulers, as torch.optim.lr_scheduler (the `optim.lrScheduler` namespace): the shared
// base and checks (schedulers/base.ts), the closed-form epoch schedulers (schedulers/epoch.ts),
// ReduceLROnPlateau (schedulers/plateau.ts) and OneCycleLR (schedulers/one_cycle.ts).
export { LRScheduler, type AnyOptimizer, type LRSchedulerState } from './schedulers/base.js';
export { StepLR, CosineAnnealingLR, MultiStepLR, ExponentialLR } from './schedulers/epoch.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from './schedulers/plateau.js';
export { OneCycleLR, type OneCycleLROptions } from './schedulers/one_cycle.js';
