// Activation kernels (float32; exp and log in float64 too), each the loop of its reference kernel (src/ops/activation.ts, elementwise.ts) with the
// same float32 rounding at every step; hardswish and hardtanh four lanes at a time.

/** y = x·σ(x) = x / (1 + e^(−x)), in double and rounded once (as the reference kernel). */
export function silu(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const v = <f64>load<f32>(x + at);
    store<f32>(y + at, <f32>(v / (1 + Math.exp(-v))));
  }
}

/** dx = dy·σ(x)·(1 + x·(1 − σ(x))), in double and rounded once. */
export function siluGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const v = <f64>load<f32>(x + at);
    const s = 1 / (1 + Math.exp(-v));
    store<f32>(dx + at, <f32>(<f64>load<f32>(dy + at) * s * (1 + v * (1 - s))));
  }
}

/** y = x·min(max(x + 3, 0), 6) / 6, each step rounded to float32 (PyTorch's vectorized order). */
export function hardswish(x: usize, y: usize, n: i32): void {
  const three = f32x4.splat(3), six = f32x4.splat(6), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const v = v128.load(x + at);
    v128.store(y + at, f32x4.div(f32x4.mul(v, f32x4.min(f32x4.max(f32x4.add(v, three), zero), six)), six));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(x + at);
    store<f32>(y + at, (v * min<f32>(max<f32>(v + 3, 0), 6)) / 6);
  }
}

/** dx = x < −3 ? 0 : x ≥ 3 ? dy : dy·(x/3 + 1/2) (PyTorch's vectorized rule: at x = 3 exactly dy, NaN for NaN). */
export function hardswishGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(x + at);
    const g = load<f32>(dy + at);
    store<f32>(dx + at, v < -3 ? 0 : v >= 3 ? g : g * (v / 3 + 0.5));
  }
}

/** y = min(max(x, minVal), maxVal) (NaN stays NaN). */
export function hardtanh(x: usize, y: usize, n: i32, minVal: f32, maxVal: f32): void {
  const lo = f32x4.splat(minVal), hi = f32x4.splat(maxVal);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(y + at, f32x4.min(f32x4.max(v128.load(x + at), lo), hi));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(x + at);
    store<f32>(y + at, v != v ? v : min<f32>(max<f32>(v, minVal), maxVal));
  }
}

/** dx = x ≤ minVal or x ≥ maxVal ? 0 : dy (zero at the kinks, as PyTorch's hardtanh_backward). */
export function hardtanhGrad(dy: usize, x: usize, dx: usize, n: i32, minVal: f32, maxVal: f32): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    const v = load<f32>(x + at);
    store<f32>(dx + at, v <= minVal || v >= maxVal ? 0 : load<f32>(dy + at));
  }
}

/** y = e^x, or log x where `log` is 1: in double, rounded once to T (as the reference's Math.exp, Math.log). */
export function expLog<T>(x: usize, y: usize, n: i32, log: i32): void {
  const shift = alignof<T>();
  if (log) {
    for (let i = 0; i < n; i++) {
      const at = <usize>i << shift;
      const v = Math.log(<f64>load<T>(x + at));
      if (sizeof<T>() == 4) store<f32>(y + at, <f32>v);
      else store<f64>(y + at, v);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const at = <usize>i << shift;
      const v = Math.exp(<f64>load<T>(x + at));
      if (sizeof<T>() == 4) store<f32>(y + at, <f32>v);
      else store<f64>(y + at, v);
    }
  }
}
