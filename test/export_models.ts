// The models the PyTorch export is checked on (scripts/write-export-fixture.mjs and test/export.test.ts),
// each built after manualSeed(0), so PyTorch's build() after torch.manual_seed(0) draws the same weights.
import { manualSeed, nn } from '../src/index.js';
import { buildModel } from '../src/cli/models.js';

export const exportModels: Record<string, () => nn.Sequential> = {
  lenet: () => {
    manualSeed(0);
    return buildModel('lenet', 8, 8);
  },
  mlp: () => {
    manualSeed(0);
    return buildModel('mlp', 8, 8);
  },
  bncnn: () => {
    manualSeed(0);
    return new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 'same', paddingMode: 'reflect' }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.Sequential(new nn.MaxPool2d(2), new nn.Dropout(0.25)),
      new nn.Flatten(),
      new nn.Linear(64, 3),
    );
  },
};
