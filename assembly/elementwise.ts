// Broadcasting arithmetic, float32 and float64 (T): y = a ∘ b for ∘ in + − × ÷, over a loop plan of up
// to 4 merged dimensions (src/kernels/reference/elementwise.ts's loopPlan: sizes and each operand's
// strides, 0 along its broadcast dimensions). Each lane computes exactly what the scalar loop does, so
// the result equals the reference kernel's bit for bit.

import { transpose4, vadd, vdiv, vmul, vsub } from './simd';

const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;

@inline function vop<T>(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return vadd<T>(x, y);
  if (op == SUB) return vsub<T>(x, y);
  if (op == MUL) return vmul<T>(x, y);
  return vdiv<T>(x, y);
}

@inline function sop<T>(op: i32, x: T, y: T): T {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == MUL) return x * y;
  return x / y;
}

@inline function splat<T>(at: usize): v128 {
  return sizeof<T>() == 4 ? v128.load32_splat(at) : v128.load64_splat(at);
}

/** y[j] = a[j·sa] ∘ b[j·sb] for j < n: vector loops where each operand moves by 1 or stays. */
@inline function row<T>(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  const V = 16 / sizeof<T>();
  const shift = alignof<T>();
  let j = 0;
  if (sa == 1 && sb == 1) {
    for (; j + V <= n; j += V) {
      const o = <usize>j << shift;
      v128.store(y + o, vop<T>(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (sa == 1 && sb == 0) {
    const vb = splat<T>(b);
    for (; j + V <= n; j += V) {
      const o = <usize>j << shift;
      v128.store(y + o, vop<T>(op, v128.load(a + o), vb));
    }
  } else if (sa == 0 && sb == 1) {
    const va = splat<T>(a);
    for (; j + V <= n; j += V) {
      const o = <usize>j << shift;
      v128.store(y + o, vop<T>(op, va, v128.load(b + o)));
    }
  }
  for (; j < n; j++) {
    store<T>(y + (<usize>j << shift), sop<T>(op, load<T>(a + (<usize>(j * sa) << shift)), load<T>(b + (<usize>(j * sb) << shift))));
  }
}

/**
 * y[i0, i1, i2, i3] = a[Σ i·sa] ∘ b[Σ i·sb] over sizes n0 × n1 × n2 × n3 (y contiguous), ∘ = op
 * (0 add, 1 sub, 2 mul, 3 div).
 */
export function binary<T>(
  a: usize, b: usize, y: usize, op: i32,
  n0: i32, n1: i32, n2: i32, n3: i32, sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  const shift = alignof<T>();
  let out = y;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      for (let i2 = 0; i2 < n2; i2++) {
        const ia = i0 * sa0 + i1 * sa1 + i2 * sa2;
        const ib = i0 * sb0 + i1 * sb1 + i2 * sb2;
        row<T>(op, a + (<usize>ia << shift), sa3, b + (<usize>ib << shift), sb3, out, n3);
        out += <usize>n3 << shift;
      }
    }
  }
}

/**
 * y[b, c, r] = x[b, r, c]: the last two dimensions of each of `batches` rows × cols matrices swapped, in
 * 16×16 blocks (a block's rows and columns stay in cache), each 4×4 square of float32 moved as 4 vectors
 * through shuffles (float64: 2×2 squares); the edges of rows or columns not a whole square one by one.
 */
export function transpose<T>(x: usize, y: usize, batches: i32, rows: i32, cols: i32): void {
  const shift = alignof<T>();
  const S = 16 / sizeof<T>(); // a square's side: one vector of T
  const B = 16;
  const rowsV = rows - (rows % S), colsV = cols - (cols % S);
  const rowBytes = <usize>cols << shift, colBytes = <usize>rows << shift;
  for (let m = 0; m < batches; m++) {
    const base = <usize>m * <usize>rows * <usize>cols;
    const xm = x + (base << shift), ym = y + (base << shift);
    for (let r0 = 0; r0 < rows; r0 += B) {
      const r1 = min(r0 + B, rows);
      for (let c0 = 0; c0 < cols; c0 += B) {
        const c1 = min(c0 + B, cols);
        for (let r = r0; r < r1; r += S) {
          if (r >= rowsV) {
            // The last rows, fewer than a square.
            for (let rr = r; rr < r1; rr++) {
              for (let c = c0; c < c1; c++) store<T>(ym + ((<usize>c * <usize>rows + <usize>rr) << shift), load<T>(xm + ((<usize>rr * <usize>cols + <usize>c) << shift)));
            }
            break;
          }
          const src = xm + ((<usize>r * <usize>cols) << shift);
          let c = c0;
          for (; c + S <= c1; c += S) {
            const at = src + (<usize>c << shift);
            const to = ym + ((<usize>c * <usize>rows + <usize>r) << shift);
            if (sizeof<T>() == 4) {
              transpose4(at, rowBytes, to, colBytes);
            } else {
              const a0 = v128.load(at), a1 = v128.load(at + rowBytes);
              v128.store(to, v128.shuffle<f64>(a0, a1, 0, 2));
              v128.store(to + colBytes, v128.shuffle<f64>(a0, a1, 1, 3));
            }
          }
          // The last columns of these rows, fewer than a square.
          for (; c < c1; c++) {
            for (let rr = r; rr < r + S; rr++) store<T>(ym + ((<usize>c * <usize>rows + <usize>rr) << shift), load<T>(xm + ((<usize>rr * <usize>cols + <usize>c) << shift)));
          }
        }
      }
    }
  }
}

/**
 * acc[i0·sy0 + i1·sy1 + i2·sy2 + j·sy3] += x[…] over x in order (a loop plan of 4 dims whose strides sy are
 * 0 along the summed dims), in double. Where the innermost dim is summed (sy3 = 0) each run of n3 is summed
 * first and added at once; otherwise sy3 is 1. The reference kernel's order exactly, so the same bits.
 */
export function sumDims<T>(x: usize, acc: usize, n0: i32, n1: i32, n2: i32, n3: i32, sy0: i32, sy1: i32, sy2: i32, sy3: i32): void {
  const shift = alignof<T>();
  memory.fill(acc, 0, <usize>(accLength(n0, n1, n2, n3, sy0, sy1, sy2, sy3)) << 3);
  let at = x;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      for (let i2 = 0; i2 < n2; i2++) {
        const out = acc + (<usize>(i0 * sy0 + i1 * sy1 + i2 * sy2) << 3);
        if (sy3 == 0) {
          let s: f64 = 0;
          for (let j = 0; j < n3; j++) s += <f64>load<T>(at + (<usize>j << shift));
          store<f64>(out, load<f64>(out) + s);
        } else {
          // Each acc element gets one addition per run: two lanes at a time changes no order.
          let j = 0;
          for (; j + 2 <= n3; j += 2) {
            const o = out + (<usize>j << 3);
            const v = sizeof<T>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(at + (<usize>j << 2))) : v128.load(at + (<usize>j << 3));
            v128.store(o, f64x2.add(v128.load(o), v));
          }
          for (; j < n3; j++) {
            const o = out + (<usize>j << 3);
            store<f64>(o, load<f64>(o) + <f64>load<T>(at + (<usize>j << shift)));
          }
        }
        at += <usize>n3 << shift;
      }
    }
  }
}

/** The elements of acc a sum plan writes: one past its largest index. */
function accLength(n0: i32, n1: i32, n2: i32, n3: i32, sy0: i32, sy1: i32, sy2: i32, sy3: i32): i32 {
  return (n0 - 1) * sy0 + (n1 - 1) * sy1 + (n2 - 1) * sy2 + (n3 - 1) * sy3 + 1;
}
