// Image transforms as torchvision's (0.14, tensor path): ToTensor, Normalize, Resize (bilinear,
// antialias off), CenterCrop, RandomCrop (with padding), RandomHorizontalFlip and Compose. Images are
// tensors [C, H, W] (or [N, C, H, W]); the random ones draw from the global generator exactly as
// torchvision draws from PyTorch's (torch.randint for a crop's corner, torch.rand(1) for a flip), so the
// same torch.manual_seed gives the same crops and flips.
import { Tensor, tensor } from '../tensor/tensor.js';
import { defaultGenerator } from '../tensor/random.js';
import { formatShape } from '../tensor/shape.js';
import { checkOptionKeys } from '../tensor/options.js';
import { flip, interpolate, pad, slice } from '../ops/index.js';

/** Anything that maps an image to an image. */
export interface Transform {
  /** The transformed image: a [C, H, W] tensor (an image as decoded is turned into one by ToTensor). */
  forward(img: Tensor | RawImage): Tensor;
}

/** An image as pixels in row-major HWC bytes (a PNG/JPEG decoder's output, or a canvas's ImageData: 4 channels). */
export interface RawImage {
  /** The pixels, row by row, channels interleaved (as a canvas's ImageData or a decoder gives them). */
  data: Uint8Array | Uint8ClampedArray;
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** 1 (grayscale), 3 (RGB) or 4 (RGBA); ImageData's 4 when left out. */
  channels?: number;
}

function checkImage(img: unknown, op: string): Tensor {
  if (!(img instanceof Tensor))
    throw new Error(`${op}: expected an image tensor [C, H, W] (ToTensor makes one from pixels); got ${typeof img}`);
  if (img.ndim < 3) throw new Error(`${op}: an image tensor has shape [..., C, H, W]; got ${formatShape(img.shape)}`);
  return img;
}

/** [h, w] from a number (square) or a pair. */
function sizePair(size: unknown, op: string): [number, number] {
  const pair = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 1 ? [size[0], size[0]] : size;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v > 0))
    throw new Error(`${op}: size=${JSON.stringify(size)} must be a positive integer or [height, width]`);
  return pair as [number, number];
}

/** torchvision's padding: an int (all sides), [left/right, top/bottom] or [left, top, right, bottom]. */
function paddingLTRB(padding: unknown, op: string): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : padding;
  if (!Array.isArray(p) || ![1, 2, 4].includes(p.length) || !p.every((v) => Number.isInteger(v) && v >= 0))
    throw new Error(`${op}: padding=${JSON.stringify(padding)} must be a non-negative integer or a list of 1, 2 or 4 of them`);
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  return p as [number, number, number, number];
}

/** How RandomCrop fills its padding, as torchvision's padding_mode. */
export type PaddingMode = 'constant' | 'edge' | 'reflect';

/** F.pad for an image tensor: left, top, right, bottom. */
function padImage(img: Tensor, [l, t, r, b]: readonly number[], fill: number, mode: PaddingMode): Tensor {
  if (l + t + r + b === 0) return img;
  return pad(img, [l, r, t, b], mode === 'edge' ? 'replicate' : mode, mode === 'constant' ? fill : undefined);
}

/** The rows top..top+h and columns left..left+w (F.crop; past the edge is zero-padded, as torchvision's). */
function crop(img: Tensor, top: number, left: number, h: number, w: number): Tensor {
  const H = img.shape[img.ndim - 2];
  const W = img.shape[img.ndim - 1];
  if (top < 0 || left < 0 || top + h > H || left + w > W) {
    const padded = padImage(
      img,
      [Math.max(-left, 0), Math.max(-top, 0), Math.max(left + w - W, 0), Math.max(top + h - H, 0)],
      0,
      'constant',
    );
    return crop(padded, Math.max(top, 0), Math.max(left, 0), h, w);
  }
  return slice(slice(img, img.ndim - 2, top, top + h), img.ndim - 1, left, left + w);
}

/** Python's round(): halves to even. */
const roundHalfEven = (v: number): number => {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
};

/** torch.randint(0, high, (1,)).item() from the global generator. */
const randomBelow = (high: number): number => defaultGenerator.randomInt(0, high);

/** Pixels (HWC bytes) to a float32 tensor [C, H, W] in [0, 1], as transforms.ToTensor: byte / 255. */
export class ToTensor implements Transform {
  forward(img: Tensor | RawImage): Tensor {
    const op = 'ToTensor';
    if (img instanceof Tensor) return img;
    const { data, width, height } = img ?? {};
    const channels = img?.channels ?? 4;
    if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || !Number.isInteger(width) || !Number.isInteger(height))
      throw new Error(`${op}: expected { data: Uint8Array, width, height, channels } (HWC bytes) or a tensor`);
    if (![1, 2, 3, 4].includes(channels) || data.length !== width * height * channels)
      throw new Error(`${op}: ${data.length} bytes do not hold ${height}×${width} pixels of ${channels} channels`);
    const out = new Float32Array(channels * height * width);
    for (let c = 0; c < channels; c++)
      for (let p = 0; p < height * width; p++) out[c * height * width + p] = Math.fround(data[p * channels + c] / 255);
    return tensor(out, { shape: [channels, height, width] });
  }

  toString(): string {
    return 'ToTensor()';
  }
}

/** (x − mean[c]) / std[c] per channel, in the image's precision (transforms.Normalize). */
export class Normalize implements Transform {
  /** Subtracted per channel. */
  readonly mean: number[];
  /** Divided by, per channel. */
  readonly std: number[];

  constructor(mean: readonly number[], std: readonly number[]) {
    const op = 'Normalize';
    if (!Array.isArray(mean) || !Array.isArray(std) || mean.length === 0 || mean.length !== std.length)
      throw new Error(`${op}: mean and std must be lists of one number per channel, of the same length`);
    if (std.some((s) => s === 0)) throw new Error(`${op}: std evaluated to zero after conversion to float32, leading to division by zero`);
    this.mean = [...mean];
    this.std = [...std];
  }

  forward(img: Tensor | RawImage): Tensor {
    const x = checkImage(img, 'Normalize');
    const C = x.shape[x.ndim - 3];
    if (this.mean.length !== 1 && this.mean.length !== C)
      throw new Error(`Normalize: ${this.mean.length} means for an image of ${C} channels`);
    const view = [this.mean.length, 1, 1];
    const mean = tensor(this.mean, { dtype: x.dtype }).view(...view);
    const std = tensor(this.std, { dtype: x.dtype }).view(...view);
    return x.sub(mean).div(std);
  }

  toString(): string {
    return `Normalize(mean=[${this.mean.join(', ')}], std=[${this.std.join(', ')}])`;
  }
}

/**
 * Resizes to [h, w], or (a number) the shorter side to it keeping the aspect ratio (the longer side
 * ⌊size·long/short⌋, capped by maxSize), bilinear with antialias off, as transforms.Resize on tensors.
 */
export class Resize implements Transform {
  /** An int (the smaller edge, the aspect ratio kept) or [height, width]. */
  readonly size: number | [number, number];
  /** The longer edge's limit with an int size, or null. */
  readonly maxSize: number | null;

  constructor(size: number | readonly [number, number], options: { maxSize?: number | null } = {}) {
    checkOptionKeys(options, ['maxSize'], 'Resize');
    this.size = typeof size === 'number' ? sizePair(size, 'Resize')[0] : sizePair(size, 'Resize');
    this.maxSize = options.maxSize ?? null;
    if (this.maxSize !== null && (typeof this.size !== 'number' || !Number.isInteger(this.maxSize) || this.maxSize <= this.size))
      throw new Error(`Resize: maxSize=${String(options.maxSize)} applies to a single size and must be greater than it`);
  }

  forward(img: Tensor | RawImage): Tensor {
    const x = checkImage(img, 'Resize');
    const h = x.shape[x.ndim - 2];
    const w = x.shape[x.ndim - 1];
    let out: [number, number];
    if (typeof this.size === 'number') {
      const [short, long] = w <= h ? [w, h] : [h, w];
      let newShort = this.size;
      let newLong = Math.floor((this.size * long) / short);
      if (this.maxSize !== null && newLong > this.maxSize) {
        newShort = Math.floor((this.maxSize * newShort) / newLong);
        newLong = this.maxSize;
      }
      out = w <= h ? [newLong, newShort] : [newShort, newLong];
    } else out = this.size;
    if (out[0] === h && out[1] === w) return x;
    const batched = x.ndim === 4;
    const y = interpolate(batched ? x : x.unsqueeze(0), { size: out, mode: 'bilinear', alignCorners: false });
    return batched ? y : y.squeeze(0);
  }

  toString(): string {
    return `Resize(size=${JSON.stringify(this.size)}, interpolation=bilinear, max_size=${this.maxSize ?? 'None'}, antialias=None)`;
  }
}

/** The centre [h, w] (zero-padded first when larger than the image), as transforms.CenterCrop. */
export class CenterCrop implements Transform {
  /** [height, width] of the crop. */
  readonly size: [number, number];

  constructor(size: number | readonly [number, number]) {
    this.size = sizePair(size, 'CenterCrop');
  }

  forward(img: Tensor | RawImage): Tensor {
    let x = checkImage(img, 'CenterCrop');
    const [ch, cw] = this.size;
    let h = x.shape[x.ndim - 2];
    let w = x.shape[x.ndim - 1];
    if (cw > w || ch > h) {
      const ltrb = [
        cw > w ? Math.floor((cw - w) / 2) : 0,
        ch > h ? Math.floor((ch - h) / 2) : 0,
        cw > w ? Math.floor((cw - w + 1) / 2) : 0,
        ch > h ? Math.floor((ch - h + 1) / 2) : 0,
      ];
      x = padImage(x, ltrb, 0, 'constant');
      h = x.shape[x.ndim - 2];
      w = x.shape[x.ndim - 1];
      if (cw === w && ch === h) return x;
    }
    return crop(x, roundHalfEven((h - ch) / 2), roundHalfEven((w - cw) / 2), ch, cw);
  }

  toString(): string {
    return `CenterCrop(size=(${this.size.join(', ')}))`;
  }
}

/** Options of {@link RandomCrop}, as torchvision's arguments. */
export interface RandomCropOptions {
  /** Pad the image first: an int (all sides), [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | readonly number[] | null;
  /** Pad a side shorter than the crop up to it. */
  padIfNeeded?: boolean;
  /** The value of constant padding (default 0). */
  fill?: number;
  /** 'constant' (default), 'edge' or 'reflect'. */
  paddingMode?: PaddingMode;
}

/** A [h, w] crop at a random corner (after optional padding), as transforms.RandomCrop: i then j from torch.randint. */
export class RandomCrop implements Transform {
  /** [height, width] of the crop. */
  readonly size: [number, number];
  /** [left, top, right, bottom] added first, or null. */
  readonly padding: [number, number, number, number] | null;
  /** Whether an image smaller than the crop is padded to fit. */
  readonly padIfNeeded: boolean;
  /** The value of constant padding. */
  readonly fill: number;
  /** How the padding is filled. */
  readonly paddingMode: PaddingMode;

  constructor(size: number | readonly [number, number], options: RandomCropOptions = {}) {
    const op = 'RandomCrop';
    checkOptionKeys(options, ['padding', 'padIfNeeded', 'fill', 'paddingMode'], op);
    this.size = sizePair(size, op);
    this.padding = options.padding === undefined || options.padding === null ? null : paddingLTRB(options.padding, op);
    this.padIfNeeded = options.padIfNeeded ?? false;
    this.fill = options.fill ?? 0;
    this.paddingMode = options.paddingMode ?? 'constant';
    if (!['constant', 'edge', 'reflect'].includes(this.paddingMode))
      throw new Error(
        `${op}: paddingMode=${JSON.stringify(options.paddingMode)} is not supported; expected 'constant', 'edge' or 'reflect'`,
      );
  }

  forward(img: Tensor | RawImage): Tensor {
    const op = 'RandomCrop';
    let x = checkImage(img, op);
    if (this.padding !== null) x = padImage(x, this.padding, this.fill, this.paddingMode);
    const [th, tw] = this.size;
    let h = x.shape[x.ndim - 2];
    let w = x.shape[x.ndim - 1];
    if (this.padIfNeeded && w < tw) x = padImage(x, [tw - w, 0, tw - w, 0], this.fill, this.paddingMode);
    if (this.padIfNeeded && h < th) x = padImage(x, [0, th - h, 0, th - h], this.fill, this.paddingMode);
    h = x.shape[x.ndim - 2];
    w = x.shape[x.ndim - 1];
    if (h + 1 < th || w + 1 < tw)
      throw new Error(`${op}: required crop size (${th}, ${tw}) is larger than the input image size (${h}, ${w})`);
    if (w === tw && h === th) return x;
    const i = randomBelow(h - th + 1);
    const j = randomBelow(w - tw + 1);
    return crop(x, i, j, th, tw);
  }

  toString(): string {
    return `RandomCrop(size=(${this.size.join(', ')}), padding=${this.padding === null ? 'None' : `[${this.padding.join(', ')}]`})`;
  }
}

/** Mirrors left–right with probability p, as transforms.RandomHorizontalFlip: one torch.rand(1) per image. */
export class RandomHorizontalFlip implements Transform {
  constructor(
    /** The probability of flipping each image (default 0.5). */
    readonly p = 0.5,
  ) {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new Error(`RandomHorizontalFlip: p=${String(p)} must be a probability in [0, 1]`);
  }

  forward(img: Tensor | RawImage): Tensor {
    const x = checkImage(img, 'RandomHorizontalFlip');
    return defaultGenerator.uniformFloat32(0, 1) < this.p ? flip(x, [-1]) : x;
  }

  toString(): string {
    return `RandomHorizontalFlip(p=${this.p})`;
  }
}

/** The transforms one after another, as transforms.Compose. */
export class Compose implements Transform {
  /** Applied in order. */
  readonly transforms: readonly Transform[];

  constructor(transforms: readonly Transform[]) {
    if (!Array.isArray(transforms) || transforms.some((t) => typeof (t as Partial<Transform>)?.forward !== 'function'))
      throw new Error('Compose: expected a list of transforms (objects with forward)');
    this.transforms = [...transforms];
  }

  forward(img: Tensor | RawImage): Tensor {
    let x: Tensor | RawImage = img;
    for (const t of this.transforms) x = t.forward(x);
    return checkImage(x, 'Compose');
  }

  toString(): string {
    return `Compose(\n${this.transforms.map((t) => `    ${String(t)}`).join('\n')}\n)`;
  }
}
