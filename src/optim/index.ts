// The `optim` namespace, like torch.optim.
export { Optimizer } from './optimizer.js';
export type { ParamGroup, ParamGroupInput, ParamsInput, ParamState, OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
/** Learning-rate schedulers, as `torch.optim.lr_scheduler` (PyTorch 1.13's lrs to the last bit). */
export * as lrScheduler from './lr_scheduler.js';
