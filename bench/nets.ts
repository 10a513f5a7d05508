// The four nets the training benchmark times, built as a PyTorch user writes them; the same four are in
// scripts/bench_torch_train.py, layer for layer.
import { F, nn, optim, type Tensor } from '../src/index.js';
import { buildModel } from '../src/cli/models.js';

export const NET_NAMES = ['lenet5', 'bncnn', 'resnet8', 'lenet5-f64'] as const;
export type NetName = (typeof NET_NAMES)[number];

export const NET_TITLES: Record<NetName, string> = {
  lenet5: 'LeNet-5 (Fashion-MNIST 28², Adam)',
  bncnn: 'BatchNorm CNN (Fashion-MNIST 28²: conv 1→32 + BN, conv 32→64 + BN, 3136→128→10; AdamW)',
  resnet8: 'ResNet-8 (3×32², BasicBlocks 16, 32 s2, 64 s2 with BN; SGD momentum 0.9 nesterov, wd 5e-4)',
  'lenet5-f64': 'LeNet-5 in float64 (model.double(), Adam)',
};

/** LeNet-5 for 28×28 images: the model `convgrad train --model lenet` builds. */
export const lenet5 = (): nn.Sequential => buildModel('lenet', 28, 28);

const bnCnn = (): nn.Sequential =>
  new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1 }),
    new nn.BatchNorm2d(32),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }),
    new nn.BatchNorm2d(64),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(3136, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  );

/** ResNet's BasicBlock: conv3×3 + BN + ReLU, conv3×3 + BN, plus the input (or its 1×1 conv + BN), ReLU. */
class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  shortcut: nn.Sequential | null;
  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(cout);
    this.conv2 = new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(cout);
    this.shortcut =
      stride !== 1 || cin !== cout
        ? new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout))
        : null;
  }
  forward(x: Tensor): Tensor {
    const y = this.bn2.forward(this.conv2.forward(F.relu(this.bn1.forward(this.conv1.forward(x)))));
    return F.relu(y.add(this.shortcut === null ? x : this.shortcut.forward(x)));
  }
}

class ResNet8 extends nn.Module {
  stem = new nn.Sequential(new nn.Conv2d(3, 16, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(16), new nn.ReLU());
  layers = new nn.Sequential(new BasicBlock(16, 16, 1), new BasicBlock(16, 32, 2), new BasicBlock(32, 64, 2));
  pool = new nn.AdaptiveAvgPool2d(1);
  fc = new nn.Linear(64, 10);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.pool.forward(this.layers.forward(this.stem.forward(x))).flatten(1));
  }
}

export interface NetSetup {
  model: nn.Module;
  optimizer: { zeroGrad(): void; step(): void };
  /** 28×28 Fashion-MNIST images (1 channel) or 3×32×32 synthetic ones. */
  input: 'fashion-mnist' | 'synthetic-3x32x32';
  dtype: 'float32' | 'float64';
}

export function buildNet(name: NetName): NetSetup {
  switch (name) {
    case 'lenet5': {
      const model = lenet5();
      return { model, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }), input: 'fashion-mnist', dtype: 'float32' };
    }
    case 'lenet5-f64': {
      const model = lenet5().double();
      return { model, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }), input: 'fashion-mnist', dtype: 'float64' };
    }
    case 'bncnn': {
      const model = bnCnn();
      return { model, optimizer: new optim.AdamW(model.parameters(), { lr: 1e-3 }), input: 'fashion-mnist', dtype: 'float32' };
    }
    case 'resnet8': {
      const model = new ResNet8();
      const optimizer = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
      return { model, optimizer, input: 'synthetic-3x32x32', dtype: 'float32' };
    }
  }
}
