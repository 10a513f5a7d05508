// The IDX format of MNIST and Fashion-MNIST (gzip or plain): a magic number 0x00000800 + type code
// (0x08: unsigned bytes) and a dimension count, the sizes as big-endian u32, then the data.
// datasets.idx(dir) reads the four standard files of a directory, as torchvision does.
import { Tensor, tensor } from '../tensor/tensor.js';
import { TensorDataset, type TrainTest } from './dataset.js';

/** The contents of an IDX file of unsigned bytes: its shape and its bytes in row-major order. */
export interface IdxArray {
  /** The dimensions, from the file's header. */
  shape: number[];
  /** The values. */
  data: Uint8Array;
}

/** Parses IDX bytes of unsigned bytes with `dims` dimensions; `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string, dims: number): IdxArray {
  const fail = (why: string): never => {
    throw new Error(`idx: ${file}: ${why}`);
  };
  if (bytes.length < 4 + 4 * dims) fail(`the file has ${bytes.length} bytes, too few for an IDX header of ${dims} dimensions (truncated?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const want = 0x800 + dims;
  if (magic !== want) {
    fail(
      `wrong magic number 0x${magic.toString(16).padStart(8, '0')}; expected 0x${want.toString(16).padStart(8, '0')} (unsigned bytes, ${dims} dimension${dims === 1 ? '' : 's'})`,
    );
  }
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * dims;
  if (bytes.length - start < count)
    fail(`the header promises ${count} values of shape [${shape.join(', ')}] but the file holds ${bytes.length - start} (truncated)`);
  if (bytes.length - start > count)
    fail(`the file holds ${bytes.length - start} values after its header; the shape [${shape.join(', ')}] has ${count}`);
  return { shape, data: bytes.subarray(start, start + count) };
}

type NodeModules = {
  fs: { readFileSync(path: string): Uint8Array; existsSync(path: string): boolean };
  zlib: { gunzipSync(data: Uint8Array): Uint8Array };
};

function node(op: string): NodeModules {
  const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } };
  const get = g.process?.getBuiltinModule;
  if (get === undefined)
    throw new Error(`${op}: reading files needs Node.js (≥ 20.16); in a browser, parse the bytes with datasets.parseIdx`);
  return { fs: get('node:fs') as NodeModules['fs'], zlib: get('node:zlib') as NodeModules['zlib'] };
}

/** Reads dir/name or dir/name.gz (gzip by its magic bytes). */
function readIdxFile(dir: string, name: string, dims: number, op: string): IdxArray {
  const { fs, zlib } = node(op);
  const plain = `${dir}/${name}`;
  const file = fs.existsSync(plain) ? plain : fs.existsSync(`${plain}.gz`) ? `${plain}.gz` : null;
  if (file === null) throw new Error(`${op}: ${plain}(.gz) is missing; expected the four MNIST-format files in ${dir}`);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    // A directory, a file without read permission: say which file.
    throw new Error(`${op}: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (e) {
      throw new Error(`idx: ${file}: the gzip data is damaged or truncated (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return parseIdx(bytes, file, dims);
}

function split(dir: string, prefix: string, op: string): TensorDataset {
  const images = readIdxFile(dir, `${prefix}-images-idx3-ubyte`, 3, op);
  const labels = readIdxFile(dir, `${prefix}-labels-idx1-ubyte`, 1, op);
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(
      `${op}: ${dir}/${prefix}-images-idx3-ubyte has ${images.shape[0]} images but ${prefix}-labels-idx1-ubyte has ${labels.shape[0]} labels; expected equal counts`,
    );
  }
  const [n, h, w] = images.shape;
  const pixels = new Float32Array(images.data.length);
  // As torchvision's ToTensor: bytes / 255.
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  return new TensorDataset(new Tensor(pixels, [n, 1, h, w]), tensor(Array.from(labels.data), { dtype: 'int64' }));
}

/** The MNIST-format data set in dir: train-* and t10k-* images and labels, images (N, 1, H, W) / 255, int64 labels. */
export function idx(dir: string): TrainTest {
  if (typeof dir !== 'string' || dir === '') throw new Error(`datasets.idx: dir=${JSON.stringify(dir)} must be a directory path`);
  return { train: split(dir, 'train', 'datasets.idx'), test: split(dir, 't10k', 'datasets.idx') };
}

/** Fashion-MNIST (60 000 + 10 000 images of 28×28), by default from Debian's dataset-fashion-mnist package. */
export function fashionMnist(dir = '/usr/share/datasets/fashion-mnist'): TrainTest {
  return idx(dir);
}
