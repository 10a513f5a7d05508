// The `F` namespace, like torch.nn.functional: every op (convolutions, padding, activations, pooling,
// normalization, losses, and the tensor ops too), from the one list in ops/index.ts.
export * from './ops/index.js';
