// The built-in data set: the UCI optical digits (1797 images of 8×8, pixels 0..16, labels 0-9;
// E. Alpaydin, C. Kaynak, 1998; CC BY 4.0, UCI Machine Learning Repository; data/README.md).
import { tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { randperm } from '../tensor/creation.js';
import { indexSelect } from '../ops/index.js';
import { DIGITS_BASE64, DIGITS_ROWS } from './digits.generated.js';
import { TensorDataset, type TrainTest } from './dataset.js';

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

let cached: { images: Float32Array; labels: number[] } | null = null;

/**
 * The digits, split as scikit-learn users often do but reproducibly: test = the first 360 indices of
 * randperm(1797) from a generator seeded with 0, train = the rest; images (N, 1, 8, 8) float32 with
 * pixels / 16, labels int64.
 */
export function digits(): TrainTest {
  if (cached === null) {
    const raw = decode(DIGITS_BASE64);
    const images = new Float32Array(DIGITS_ROWS * 64);
    const labels: number[] = [];
    for (let r = 0; r < DIGITS_ROWS; r++) {
      for (let p = 0; p < 64; p++) images[r * 64 + p] = raw[r * 65 + p] / 16;
      labels.push(raw[r * 65 + 64]);
    }
    cached = { images, labels };
  }
  const all = new TensorDataset(tensor(cached.images, { shape: [DIGITS_ROWS, 1, 8, 8] }), tensor(cached.labels, { dtype: 'int64' }));
  const perm = randperm(DIGITS_ROWS, { generator: new Generator().manualSeed(0) });
  const split = (lo: number, hi: number): TensorDataset => {
    const idx = perm.slice(0, lo, hi);
    return new TensorDataset(indexSelect(all.images, 0, idx), indexSelect(all.labels, 0, idx));
  };
  return { test: split(0, 360), train: split(360, DIGITS_ROWS) };
}
