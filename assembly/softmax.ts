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
