// ConstantPad1d/2d/3d, as torch.nn.ConstantPadNd.
import type { Tensor } from '../tensor/tensor.js';
import { pad } from '../ops/index.js';
import { Module, pyTuple, markOwnLayers } from './module.js';

class ConstantPadNd extends Module {
  /** Sizes added, last dimension first: [left, right, top, bottom, front, back] as far as the dimensions go. */
  readonly padding: number[];

  constructor(
    dims: number,
    padding: number | readonly number[],
    /** The value the added cells hold. */
    readonly value: number,
  ) {
    super();
    const op = this.constructor.name;
    const list = typeof padding === 'number' ? new Array<number>(2 * dims).fill(padding) : [...padding];
    if (list.length !== 2 * dims || list.some((p) => !Number.isInteger(p))) {
      throw new Error(
        `${op}: padding=${JSON.stringify(padding)} is invalid; expected an int or ${2 * dims} ints (before/after for each padded dimension)`,
      );
    }
    if (typeof value !== 'number') throw new Error(`${op}: value=${String(value)} must be a number`);
    this.padding = list;
  }

  forward(x: Tensor): Tensor {
    return pad(x, this.padding, 'constant', this.value);
  }

  override extraRepr(): string {
    return `padding=${pyTuple(this.padding)}, value=${this.value}`;
  }
}

/** Pads the last dimension with a constant, as `torch.nn.ConstantPad1d` (padding: an int for both sides, or [left, right]). */
export class ConstantPad1d extends ConstantPadNd {
  constructor(padding: number | readonly number[], value: number) {
    super(1, padding, value);
  }
}
/** Pads the last two dimensions with a constant, as `torch.nn.ConstantPad2d` (an int, or [left, right, top, bottom]). */
export class ConstantPad2d extends ConstantPadNd {
  constructor(padding: number | readonly number[], value: number) {
    super(2, padding, value);
  }
}
/** Pads the last three dimensions with a constant, as `torch.nn.ConstantPad3d` (an int, or six sizes, last dimension first). */
export class ConstantPad3d extends ConstantPadNd {
  constructor(padding: number | readonly number[], value: number) {
    super(3, padding, value);
  }
}

markOwnLayers(ConstantPad1d, ConstantPad2d, ConstantPad3d);
