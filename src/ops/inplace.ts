// In-place ops (PyTorch's trailing underscore): they change a tensor's data and bump its version, so a
// backward pass that needs the old values refuses to run (the version counter, autograd/node.ts).
// As in PyTorch, a leaf that requires grad may only be changed under noGrad (an optimizer's update);
// convgrad's autograd does not rewrite graphs, so tensors with a gradFn are refused too.
import { defineMethods, type Tensor, type TensorOrScalar, bumpVersion } from '../tensor/tensor.js';
import { broadcastShapes, formatShape, sameShape } from '../tensor/shape.js';
import { isGradEnabled } from '../autograd/mode.js';
import { expandKernel } from '../kernels/reference/elementwise.js';
import { checkNumberOrTensor, checkTensor, empty } from './util.js';
import { add, div, mul, sub } from './elementwise.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** Fills with zeros, in place. */
    zero_(): Tensor;
    /** Fills with value, in place. */
    fill_(value: number): Tensor;
    /** this += other (broadcast to this tensor's shape), in place. */
    add_(other: TensorOrScalar): Tensor;
    /** this −= other (broadcast to this tensor's shape), in place. */
    sub_(other: TensorOrScalar): Tensor;
    /** this *= other (broadcast to this tensor's shape), in place. */
    mul_(other: TensorOrScalar): Tensor;
    /** this /= other (broadcast to this tensor's shape), in place. */
    div_(other: TensorOrScalar): Tensor;
    /** Copies src (broadcast, converted to this dtype) into this tensor. */
    copy_(src: Tensor): Tensor;
  }
}

function checkWritable(t: Tensor, op: string): void {
  if (!isGradEnabled()) return;
  if (t.requiresGrad && t.isLeaf) {
    throw new Error(
      `${op}: a leaf tensor that requires grad is being used in an in-place operation; run it under noGrad (as an optimizer's update does)`,
    );
  }
  if (t.gradFn !== null) {
    throw new Error(
      `${op}: in-place operations on a tensor computed by the graph (gradFn ${t.gradFn.name}) are not supported; use the out-of-place op`,
    );
  }
}

/** Writes `values` (of this tensor's shape) into t's data and bumps its version. */
function overwrite(t: Tensor, values: Tensor, op: string): Tensor {
  if (!sameShape(values.shape, t.shape)) {
    throw new Error(
      `${op}: the result has shape ${formatShape(values.shape)}, which cannot be written into a tensor of shape ${formatShape(t.shape)}`,
    );
  }
  t.storage.set(values.storage);
  return bumpVersion(t);
}

function arithmetic(t: Tensor, other: TensorOrScalar, op: string, f: (a: Tensor, b: TensorOrScalar) => Tensor): Tensor {
  checkTensor(t, 'input', op);
  checkNumberOrTensor(other, 'other', op);
  checkWritable(t, op);
  if (typeof other !== 'number') broadcastShapes(t.shape, other.shape, op);
  const value = f(t.detach(), typeof other === 'number' ? other : other.detach());
  return overwrite(t, value.dtype === t.dtype ? value : value.to(t.dtype), op);
}

defineMethods({
  zero_(this: Tensor) {
    checkWritable(this, 'zero_');
    this.storage.fill(0);
    return bumpVersion(this);
  },
  fill_(this: Tensor, value: number) {
    if (typeof value !== 'number') throw new Error(`fill_: value=${String(value)} must be a number`);
    checkWritable(this, 'fill_');
    this.storage.fill(value);
    return bumpVersion(this);
  },
  add_(this: Tensor, other: TensorOrScalar) {
    return arithmetic(this, other, 'add_', add);
  },
  sub_(this: Tensor, other: TensorOrScalar) {
    return arithmetic(this, other, 'sub_', sub);
  },
  mul_(this: Tensor, other: TensorOrScalar) {
    return arithmetic(this, other, 'mul_', mul);
  },
  div_(this: Tensor, other: TensorOrScalar) {
    return arithmetic(this, other, 'div_', div);
  },
  copy_(this: Tensor, src: Tensor) {
    checkTensor(src, 'src', 'copy_');
    checkWritable(this, 'copy_');
    broadcastShapes(this.shape, src.shape, 'copy_');
    const full = empty(src.dtype, this.shape);
    expandKernel(src.storage, src.shape, full.storage, this.shape);
    return overwrite(this, full.dtype === this.dtype ? full : full.to(this.dtype), 'copy_');
  },
});
