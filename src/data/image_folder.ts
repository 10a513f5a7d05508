// Image folders, as torchvision.datasets.ImageFolder: one subfolder per class (classes in sorted order,
// files sorted within each), PNG and JPEG, each image converted to RGB as torchvision's loader converts it
// (or to grayscale with mode 'L', as PIL's convert('L')), made a tensor by ToTensor and then `transform`.
// Node decodes with pngjs and jpeg-js: pure JavaScript, so `npm install` needs no compiler or system
// library, and they are loaded only when a folder is read (the core has no run-time dependency). In a
// browser, `imageFolderFromFiles` takes File objects (a directory picker's) and the browser's own decoders.
import { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/index.js';
import { checkOptionKeys } from '../tensor/options.js';
import { TensorDataset } from './dataset.js';
import { ToTensor, type RawImage, type Transform } from './transforms.js';

/** Options of {@link imageFolder} and {@link imageFolderFromFiles}. */
export interface ImageFolderOptions {
  /** Applied to each image tensor as it is read (a Resize to one size, say); random augmentation belongs in DataLoader({ transform }). */
  transform?: Transform | null;
  /** 'RGB' (torchvision's loader: 3 channels) or 'L' (one luma channel, PIL's convert('L')). */
  mode?: 'RGB' | 'L';
}

/** The images (stacked: they must share a size after `transform`), the labels, and where they came from. */
export class ImageFolderDataset extends TensorDataset {
  constructor(
    images: Tensor,
    labels: Tensor,
    /** Class names, sorted; label i is classes[i]. */
    readonly classes: string[],
    /** Each image's path (relative to the folder) and label, in the data set's order. */
    readonly samples: [string, number][],
  ) {
    super(images, labels);
  }

  /** Each class name's label, as ImageFolder's class_to_idx. */
  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }
}

/** torchvision's IMG_EXTENSIONS that convgrad decodes. */
const EXTENSIONS = ['.png', '.jpg', '.jpeg'];
const isImage = (name: string): boolean => EXTENSIONS.some((e) => name.toLowerCase().endsWith(e));

/** RGBA bytes (a decoder's) to HWC bytes in `mode`: RGB drops alpha (as PIL's convert), L is PIL's luma. */
function fromRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, mode: 'RGB' | 'L'): RawImage {
  const n = width * height;
  if (mode === 'L') {
    const data = new Uint8Array(n);
    // PIL: L = R·299/1000 + G·587/1000 + B·114/1000, in 16-bit fixed point, rounded.
    for (let p = 0; p < n; p++) data[p] = (rgba[4 * p] * 19595 + rgba[4 * p + 1] * 38470 + rgba[4 * p + 2] * 7471 + 0x8000) >>> 16;
    return { data, width, height, channels: 1 };
  }
  const data = new Uint8Array(3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[3 * p + c] = rgba[4 * p + c];
  return { data, width, height, channels: 3 };
}

interface NodeModules {
  fs: {
    readdirSync(p: string, o: { withFileTypes: true }): { name: string; isDirectory(): boolean; isFile(): boolean }[];
    readFileSync(p: string): Uint8Array;
  };
  path: { join(...p: string[]): string };
}

function nodeModules(op: string): NodeModules {
  const g = globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } };
  const fs = g.process?.getBuiltinModule?.('node:fs') as NodeModules['fs'] | undefined;
  const path = g.process?.getBuiltinModule?.('node:path') as NodeModules['path'] | undefined;
  if (fs === undefined || path === undefined)
    throw new Error(`${op}: reading a folder needs Node.js (≥ 20.16); in a browser use imageFolderFromFiles(files)`);
  return { fs, path };
}

type Decoded = { data: Uint8Array | Uint8ClampedArray; width: number; height: number };
type PngModule = { PNG: { sync: { read(buffer: Uint8Array): Decoded } } };
type JpegModule = { decode(buffer: Uint8Array, options: { useTArray: boolean; formatAsRGBA: boolean }): Decoded };

/** Decodes and converts one file's bytes, naming the file when it is not a readable image. */
function decode(bytes: Uint8Array, name: string, png: PngModule, jpeg: JpegModule, mode: 'RGB' | 'L'): RawImage {
  let img: Decoded;
  try {
    img = name.toLowerCase().endsWith('.png') ? png.PNG.sync.read(bytes) : jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (e) {
    throw new Error(`imageFolder: cannot decode ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return fromRgba(img.data, img.width, img.height, mode);
}

function checkOptions(options: ImageFolderOptions, op: string): { transform: Transform | null; mode: 'RGB' | 'L' } {
  checkOptionKeys(options, ['transform', 'mode'], op);
  const mode = options.mode ?? 'RGB';
  if (mode !== 'RGB' && mode !== 'L') throw new Error(`${op}: mode=${JSON.stringify(mode)} must be 'RGB' or 'L'`);
  const transform = options.transform ?? null;
  if (transform !== null && typeof (transform as Partial<Transform>).forward !== 'function')
    throw new Error(`${op}: transform must be a transform (an object with forward(img))`);
  return { transform, mode };
}

/** Tensors of each image (after ToTensor and the transform), stacked, or a clear error when sizes differ. */
function assemble(
  images: { name: string; image: RawImage; label: number }[],
  classes: string[],
  transform: Transform | null,
  op: string,
): ImageFolderDataset {
  if (images.length === 0) throw new Error(`${op}: no PNG or JPEG images found (expected one subfolder per class)`);
  const toTensor = new ToTensor();
  const tensors = images.map(({ image }) => {
    const t = toTensor.forward(image);
    return transform === null ? t : transform.forward(t);
  });
  const first = tensors[0].shape.join('×');
  const other = tensors.findIndex((t) => t.shape.join('×') !== first);
  if (other >= 0)
    throw new Error(
      `${op}: ${images[other].name} is ${tensors[other].shape.join('×')} but ${images[0].name} is ${first}; give a transform that makes one size (e.g. new transforms.Resize([28, 28]))`,
    );
  const labels = new Tensor(
    Float64Array.from(images, (i) => i.label),
    [images.length],
    false,
    'int64',
  );
  return new ImageFolderDataset(
    stack(tensors),
    labels,
    classes,
    images.map((i) => [i.name, i.label]),
  );
}

/** Reads an image folder in Node: `await datasets.imageFolder('photos', { transform: new transforms.Resize([32, 32]) })`. */
export async function imageFolder(dir: string, options: ImageFolderOptions = {}): Promise<ImageFolderDataset> {
  const op = 'imageFolder';
  if (typeof dir !== 'string' || dir === '') throw new Error(`${op}: dir=${JSON.stringify(dir)} must be a folder path`);
  const { transform, mode } = checkOptions(options, op);
  const { fs, path } = nodeModules(op);
  let entries: ReturnType<NodeModules['fs']['readdirSync']>;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`${op}: cannot read ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // As torchvision: classes are the subfolders, sorted (code-point order, as Python's sorted).
  const classes = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(byCodePoint);
  if (classes.length === 0) throw new Error(`${op}: ${dir} has no subfolders; expected one per class (${dir}/cat/…, ${dir}/dog/…)`);
  // Loaded here, by name, so that neither the core nor a browser bundle pulls the decoders in.
  const decoders = ['pngjs', 'jpeg-js'];
  const [png, jpeg] = (await Promise.all(decoders.map((m) => import(m)))) as [PngModule, { default?: JpegModule } & JpegModule];
  const jpegDecode = (jpeg.default ?? jpeg) as JpegModule;
  const images: { name: string; image: RawImage; label: number }[] = [];
  classes.forEach((cls, label) => {
    const files = fs
      .readdirSync(path.join(dir, cls), { withFileTypes: true })
      .filter((f) => f.isFile() && isImage(f.name))
      .map((f) => f.name)
      .sort(byCodePoint);
    for (const f of files) {
      const name = `${cls}/${f}`;
      images.push({ name, image: decode(fs.readFileSync(path.join(dir, cls, f)), name, png, jpegDecode, mode), label });
    }
  });
  return assemble(images, classes, transform, op);
}

/**
 * The same from File objects in a browser (an <input type="file" webkitdirectory> gives them with
 * webkitRelativePath 'root/class/name.png'), decoded by the browser itself.
 */
export async function imageFolderFromFiles(
  files: Iterable<{ name: string; webkitRelativePath?: string } & Blob>,
  options: ImageFolderOptions = {},
): Promise<ImageFolderDataset> {
  const op = 'imageFolderFromFiles';
  const { transform, mode } = checkOptions(options, op);
  const g = globalThis as unknown as {
    createImageBitmap?: (
      b: Blob,
      options?: { premultiplyAlpha?: 'none'; colorSpaceConversion?: 'none' },
    ) => Promise<{ width: number; height: number }>;
    OffscreenCanvas?: new (
      w: number,
      h: number,
    ) => {
      getContext(k: '2d'): {
        drawImage(i: unknown, x: number, y: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
  };
  if (g.createImageBitmap === undefined || g.OffscreenCanvas === undefined)
    throw new Error(`${op}: needs a browser (createImageBitmap and OffscreenCanvas); in Node use imageFolder(dir)`);
  const found = [...files]
    .map((file) => {
      const parts = (file.webkitRelativePath || file.name).split('/');
      return { file, cls: parts.length >= 2 ? parts[parts.length - 2] : '', name: parts.slice(-2).join('/') };
    })
    .filter((f) => f.cls !== '' && isImage(f.name));
  const classes = [...new Set(found.map((f) => f.cls))].sort(byCodePoint);
  found.sort((a, b) => byCodePoint(a.name, b.name));
  const images: { name: string; image: RawImage; label: number }[] = [];
  for (const f of found) {
    // As decoded: no colour-space conversion, alpha not premultiplied (PIL's convert('RGB') drops alpha untouched).
    const bitmap = await g.createImageBitmap(f.file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const ctx = new g.OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    images.push({ name: f.name, image: fromRgba(data, bitmap.width, bitmap.height, mode), label: classes.indexOf(f.cls) });
  }
  images.sort((a, b) => a.label - b.label || byCodePoint(a.name, b.name));
  return assemble(images, classes, transform, op);
}

/** Python's string order (by code point), not the locale's. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
