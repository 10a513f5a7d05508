// The models `convgrad train` and `convgrad predict` build, by name and input size.
import { Sequential } from '../nn/container.js';
import { Conv2d } from '../nn/conv.js';
import { ReLU } from '../nn/activation.js';
import { MaxPool2d } from '../nn/pooling.js';
import { Flatten } from '../nn/container.js';
import { Linear } from '../nn/linear.js';

export const MODELS = ['lenet', 'mlp'] as const;
export type ModelName = (typeof MODELS)[number];

/**
 * lenet: LeNet-5 for 28×28 images (conv 1→6 k5 p2, ReLU, max-pool 2, conv 6→16 k5, ReLU, max-pool 2,
 * 400→120→84→10); for 8×8 digits the same shape of network with 3×3 kernels and 16 and 32 channels (128→120→84→10).
 * mlp: one hidden layer of 128 ReLU units.
 */
export function buildModel(name: ModelName, height: number, width: number, classes = 10, channels = 1): Sequential {
  if (name === 'mlp')
    return new Sequential(new Flatten(), new Linear(channels * height * width, 128), new ReLU(), new Linear(128, classes));
  if (height >= 28 && width >= 28) {
    const h = Math.floor((Math.floor(height / 2) - 4) / 2);
    const w = Math.floor((Math.floor(width / 2) - 4) / 2);
    return new Sequential(
      new Conv2d(channels, 6, 5, { padding: 2 }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(6, 16, 5),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(16 * h * w, 120),
      new ReLU(),
      new Linear(120, 84),
      new ReLU(),
      new Linear(84, classes),
    );
  }
  const h = Math.floor(Math.floor(height / 2) / 2);
  const w = Math.floor(Math.floor(width / 2) / 2);
  if (h < 1 || w < 1) throw new Error(`convgrad: the lenet model needs images of at least 4×4; got ${height}×${width}`);
  return new Sequential(
    new Conv2d(channels, 16, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(16, 32, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(32 * h * w, 120),
    new ReLU(),
    new Linear(120, 84),
    new ReLU(),
    new Linear(84, classes),
  );
}
