// Writes test/fixtures/lenet5_convgrad.safetensors: the LeNet-5 of scripts/training_fixtures.py as
// convgrad initializes it after manualSeed(7), trained one Adam step on fixed data, saved by convgrad.
// PyTorch then loads it (scripts/gen_fixtures.py) and records its logits. Run after `npm test` (needs build/).
import { F, getBackend, manualSeed, nn, optim, rand, randint, save, setBackend } from '../build/src/index.js';

export function lenet5() {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120),
    new nn.ReLU(),
    new nn.Linear(120, 84),
    new nn.ReLU(),
    new nn.Linear(84, 10),
  );
}

/**
 * The model the fixture holds: manualSeed(7) weights after one Adam step on 8 random images, on the
 * reference kernels (the wasm weight gradient's sums may differ in the last bit with the thread count).
 */
export function convgradFixtureModel() {
  const backend = getBackend();
  setBackend('reference');
  try {
    manualSeed(7);
    const model = lenet5();
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const loss = F.crossEntropy(model.forward(rand([8, 1, 28, 28])), randint(0, 10, [8]));
    loss.backward();
    opt.step();
    return model;
  } finally {
    setBackend(backend);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  save(convgradFixtureModel().stateDict(), new URL('../test/fixtures/lenet5_convgrad.safetensors', import.meta.url).pathname, {
    written_by: 'convgrad',
  });
  console.log('wrote test/fixtures/lenet5_convgrad.safetensors');
}
