// softmax and logSoftmax along a dimension, in double as the reference kernel computes them: per (o, i)
// the maximum m over j, s = Σ_j e^(x − m), then y = x − m − log s or e^(x − m) / s. The reference walks
// j for one (o, i) at a time; here j is the outer loop and i (contiguous) the inner one, so every
// element sees the same operations in the same order (the sum over j included): only the loads move.

/**
 * y[o, j, i] over x[o, j, i] (outer × n × inner), log or not; scratch: 2·inner doubles (the maxima and
 * the sums of one o).
 */
export function softmaxRows<T>(x: usize, y: usize, scratch: usize, outer: i32, n: i32, inner: i32, log: i32): void {
  const shift = alignof<T>();
  const m = scratch;
  const s = scratch + (<usize>inner << 3);
  const plane = <usize>n * <usize>inner;
  for (let o = 0; o < outer; o++) {
    const xo = x + ((<usize>o * plane) << shift);
    const yo = y + ((<usize>o * plane) << shift);
    for (let i = 0; i < inner; i++) {
      store<f64>(m + (<usize>i << 3), -Infinity);
      store<f64>(s + (<usize>i << 3), 0);
    }
    for (let j = 0; j < n; j++) {
      const row = xo + ((<usize>j * <usize>inner) << shift);
      for (let i = 0; i < inner; i++) {
        const at = m + (<usize>i << 3);
        store<f64>(at, Math.max(load<f64>(at), <f64>load<T>(row + (<usize>i << shift))));
      }
    }
    // All −∞ gives NaN, as in PyTorch: shift by 0 then; a NaN propagates.
    for (let i = 0; i < inner; i++) {
      const at = m + (<usize>i << 3);
      const v = load<f64>(at);
      if (v == -Infinity || isNaN(v)) store<f64>(at, 0);
    }
    for (let j = 0; j < n; j++) {
      const row = xo + ((<usize>j * <usize>inner) << shift);
      for (let i = 0; i < inner; i++) {
        const at = s + (<usize>i << 3);
        store<f64>(at, load<f64>(at) + Math.exp(<f64>load<T>(row + (<usize>i << shift)) - load<f64>(m + (<usize>i << 3))));
      }
    }
    if (log) for (let i = 0; i < inner; i++) store<f64>(s + (<usize>i << 3), Math.log(load<f64>(s + (<usize>i << 3))));
    for (let j = 0; j < n; j++) {
      const row = xo + ((<usize>j * <usize>inner) << shift);
      const out = yo + ((<usize>j * <usize>inner) << shift);
      for (let i = 0; i < inner; i++) {
        const v = <f64>load<T>(row + (<usize>i << shift)) - load<f64>(m + (<usize>i << 3));
        const r = log ? v - load<f64>(s + (<usize>i << 3)) : Math.exp(v) / load<f64>(s + (<usize>i << 3));
        if (sizeof<T>() == 4) store<f32>(out + (<usize>i << 2), <f32>r);
        else store<f64>(out + (<usize>i << 3), r);
      }
    }
  }
}

/**
 * The gradient of softmax (log = 0) or logSoftmax (log = 1) from dy and the saved output y (outer × n ×
 * inner, along n), as the reference kernel: per (o, i) S = Σ_j dy (log) or Σ_j dy·y rounded to T (softmax),
 * summed in double in j's order; then dx = dy − e^y·S (log) or y·(dy − S), every product and difference
 * rounded to T as the separate ops would. scratch: inner doubles (the sums of one o). Rows of one element
 * (inner = 1, a classifier's logits) keep the sum in a register; each mode has its own loops.
 */
export function softmaxBackwardRows<T>(dy: usize, y: usize, dx: usize, scratch: usize, outer: i32, n: i32, inner: i32, log: i32): void {
  const shift = alignof<T>();
  const plane = <usize>n * <usize>inner;
  const rowBytes = <usize>inner << shift;
  for (let o = 0; o < outer; o++) {
    const base = (<usize>o * plane) << shift;
    const dyo = dy + base;
    const yo = y + base;
    const dxo = dx + base;
    if (inner == 1) {
      let s: f64 = 0;
      if (log) {
        for (let j = 0; j < n; j++) s += <f64>load<T>(dyo + (<usize>j << shift));
        s = round<T>(s);
        for (let j = 0; j < n; j++) {
          const at = <usize>j << shift;
          store<T>(dxo + at, <T>(<f64>load<T>(dyo + at) - round<T>(round<T>(Math.exp(<f64>load<T>(yo + at))) * s)));
        }
      } else {
        for (let j = 0; j < n; j++) {
          const at = <usize>j << shift;
          s += round<T>(<f64>load<T>(dyo + at) * <f64>load<T>(yo + at));
        }
        s = round<T>(s);
        for (let j = 0; j < n; j++) {
          const at = <usize>j << shift;
          store<T>(dxo + at, <T>(<f64>load<T>(yo + at) * round<T>(<f64>load<T>(dyo + at) - s)));
        }
      }
      continue;
    }
    memory.fill(scratch, 0, <usize>inner << 3);
    for (let j = 0; j < n; j++) {
      const row = <usize>j * rowBytes;
      if (log) {
        for (let i = 0; i < inner; i++) {
          const at = scratch + (<usize>i << 3);
          store<f64>(at, load<f64>(at) + <f64>load<T>(dyo + row + (<usize>i << shift)));
        }
      } else {
        for (let i = 0; i < inner; i++) {
          const at = scratch + (<usize>i << 3);
          const e = row + (<usize>i << shift);
          store<f64>(at, load<f64>(at) + round<T>(<f64>load<T>(dyo + e) * <f64>load<T>(yo + e)));
        }
      }
    }
    for (let i = 0; i < inner; i++) store<f64>(scratch + (<usize>i << 3), round<T>(load<f64>(scratch + (<usize>i << 3))));
    for (let j = 0; j < n; j++) {
      const row = <usize>j * rowBytes;
      if (log) {
        for (let i = 0; i < inner; i++) {
          const e = row + (<usize>i << shift);
          const r = <f64>load<T>(dyo + e) - round<T>(round<T>(Math.exp(<f64>load<T>(yo + e))) * load<f64>(scratch + (<usize>i << 3)));
          store<T>(dxo + e, <T>r);
        }
      } else {
        for (let i = 0; i < inner; i++) {
          const e = row + (<usize>i << shift);
          const r = <f64>load<T>(yo + e) * round<T>(<f64>load<T>(dyo + e) - load<f64>(scratch + (<usize>i << 3)));
          store<T>(dxo + e, <T>r);
        }
      }
    }
  }
}

/** v rounded to T's precision (f32: to the nearest float; f64: itself). */
// @ts-ignore: decorator
@inline
function round<T>(v: f64): f64 {
  return sizeof<T>() == 4 ? <f64>(<f32>v) : v;
}
