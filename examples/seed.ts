// The seed's experiments, written as the note writes them in PyTorch (run: npm run build && node build/examples/seed.js
// after `npm test`, or `npx convgrad seed`).
import { nn, range } from '../src/index.js';

for (const [inChannels, outChannels, p] of [
  [1, 1, 0],
  [1, 2, 0],
  [2, 1, 0],
  [2, 2, 0],
  [1, 2, 1],
]) {
  const conv = new nn.Conv2d(inChannels, outChannels, 3, { padding: p, bias: false, stride: 1 });
  const padding = new nn.ConstantPad2d(p, 0);
  const inputv = range(1, 16 * inChannels).view(1, inChannels, 4, 4);
  let out = conv.forward(inputv);
  const padded = padding.forward(inputv);
  console.log(padded);
  console.log(out);
  out = out.mean();
  out.backward();
  console.log(conv.weight.grad);
}
