// Trains a LeNet-style CNN on the built-in digits (8×8) and reports the test accuracy after each epoch.
// Run: npm test (builds), then node build/examples/train_lenet.js [epochs]
import { DataLoader, F, Generator, datasets, manualSeed, nn, noGrad, optim } from '../src/index.js';

const epochs = Number(process.argv[2] ?? 10);
manualSeed(0);
const { train, test } = datasets.digits();
const model = new nn.Sequential(
  new nn.Conv2d(1, 6, 3, { padding: 1 }),
  new nn.ReLU(),
  new nn.MaxPool2d(2), // 6×4×4
  new nn.Conv2d(6, 16, 3, { padding: 1 }),
  new nn.ReLU(),
  new nn.MaxPool2d(2), // 16×2×2
  new nn.Flatten(),
  new nn.Linear(64, 32),
  new nn.ReLU(),
  new nn.Linear(32, 10),
);
console.log(String(model));
const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
const loader = new DataLoader(train, { batchSize: 32, shuffle: true, generator: new Generator().manualSeed(1) });

for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  let total = 0;
  for (const { x, y } of loader) {
    const loss = F.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    total += loss.item() * y.numel;
  }
  model.eval();
  const accuracy = noGrad(() => model.forward(test.images).argmax(1).eq(test.labels).sum().item() / test.length);
  console.log(`epoch ${epoch}: train loss ${(total / train.length).toFixed(4)}, test accuracy ${(100 * accuracy).toFixed(1)}%`);
}
