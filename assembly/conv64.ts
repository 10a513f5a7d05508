// float64 convolutions: im2col per (image, group), then a GEMM in f64x2 lanes. Plain loops: float64
// training is about correctness first, and this is 30-60× the JavaScript reference. Every pass is a conv
// job (OP_*_F64), on one thread or several: the forward and input gradient by runs of images, the weight
// gradient by runs of output channels, each element summed over the images in order by one task, so the
// bits are the same for any thread count. The kernels read the geometry from the job header.
// Geometry in 3 spatial dims (d, h, w); 1-d and 2-d convs pass 1 for the dims they lack.
//   forward       y[n, g·Co + o, :]  = W_g[o, :] · col(x[n, g])            (col: Cg·K rows × Y columns)
//   weight grad   dW_g[o, r]        += Σ_n Σ_q dy[n, g·Co + o, q] · col(x[n, g])[r, q]
//   input grad    dx[n, g]           = col2im(W_gᵀ · dy[n, g])
import { ConvJob, MatmulJob, OP_FORWARD_F64, OP_GRAD_INPUT_F64 } from './boundary.generated';

/**
 * col[r, q] = x[c, od·sd + kd·dd − pd, oh·sh + kh·dh − ph, ow·sw + kw·dw − pw] (0 outside x) for the
 * Cg channels of one group: r = ((c·KD + kd)·KH + kh)·KW + kw, q = (od·YH + oh)·YW + ow.
 */
function im2col(x: usize, col: usize, cg: i32, t: ConvJob): void {
  const X = t.xd * t.xh * t.xw;
  let at = col;
  for (let c = 0; c < cg; c++) {
    const plane = x + ((<usize>c * <usize>X) << 3);
    for (let kd = 0; kd < t.kd; kd++) for (let kh = 0; kh < t.kh; kh++) for (let kw = 0; kw < t.kw; kw++) {
      for (let od = 0; od < t.yd; od++) {
        const id = od * t.sd + kd * t.dd - t.pd;
        for (let oh = 0; oh < t.yh; oh++) {
          const ih = oh * t.sh + kh * t.dh - t.ph;
          if (id < 0 || id >= t.xd || ih < 0 || ih >= t.xh) {
            memory.fill(at, 0, <usize>t.yw << 3);
            at += <usize>t.yw << 3;
            continue;
          }
          const row = plane + ((<usize>(id * t.xh + ih) * <usize>t.xw) << 3);
          let iw = kw * t.dw - t.pw;
          if (t.sw == 1) {
            // Stride 1: the row's taps are one run of x between zeros.
            const lo = min(t.yw, max(0, -iw));
            const hi = max(lo, min(t.yw, t.xw - iw));
            // Short runs (LeNet's are 10-24): two lanes at a time beat memory.copy's call.
            let ow = 0;
            for (; ow < lo; ow++) store<f64>(at + (<usize>ow << 3), 0);
            for (; ow + 2 <= hi; ow += 2) v128.store(at + (<usize>ow << 3), v128.load(row + (<usize>(iw + ow) << 3)));
            for (; ow < hi; ow++) store<f64>(at + (<usize>ow << 3), load<f64>(row + (<usize>(iw + ow) << 3)));
            for (; ow < t.yw; ow++) store<f64>(at + (<usize>ow << 3), 0);
            at += <usize>t.yw << 3;
            continue;
          }
          for (let ow = 0; ow < t.yw; ow++) {
            store<f64>(at, iw >= 0 && iw < t.xw ? load<f64>(row + (<usize>iw << 3)) : 0);
            at += 8;
            iw += t.sw;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: x[c, …] += col[r, q] for every tap that lands inside x. */
function col2im(col: usize, x: usize, cg: i32, t: ConvJob): void {
  const X = t.xd * t.xh * t.xw;
  let at = col;
  for (let c = 0; c < cg; c++) {
    const plane = x + ((<usize>c * <usize>X) << 3);
    for (let kd = 0; kd < t.kd; kd++) for (let kh = 0; kh < t.kh; kh++) for (let kw = 0; kw < t.kw; kw++) {
      for (let od = 0; od < t.yd; od++) {
        const id = od * t.sd + kd * t.dd - t.pd;
        for (let oh = 0; oh < t.yh; oh++) {
          const ih = oh * t.sh + kh * t.dh - t.ph;
          if (id < 0 || id >= t.xd || ih < 0 || ih >= t.xh) {
            at += <usize>t.yw << 3;
            continue;
          }
          const row = plane + ((<usize>(id * t.xh + ih) * <usize>t.xw) << 3);
          let iw = kw * t.dw - t.pw;
          if (t.sw == 1) {
            // Stride 1: the row's taps land on one run of x, added two lanes at a time.
            const lo = min(t.yw, max(0, -iw));
            const hi = max(lo, min(t.yw, t.xw - iw));
            let ow = lo;
            for (; ow + 2 <= hi; ow += 2) {
              const p = row + (<usize>(iw + ow) << 3);
              v128.store(p, f64x2.add(v128.load(p), v128.load(at + (<usize>ow << 3))));
            }
            if (ow < hi) {
              const p = row + (<usize>(iw + ow) << 3);
              store<f64>(p, load<f64>(p) + load<f64>(at + (<usize>ow << 3)));
            }
            at += <usize>t.yw << 3;
            continue;
          }
          for (let ow = 0; ow < t.yw; ow++) {
            if (iw >= 0 && iw < t.xw) {
              const p = row + (<usize>iw << 3);
              store<f64>(p, load<f64>(p) + load<f64>(at));
            }
            at += 8;
            iw += t.sw;
          }
        }
      }
    }
  }
}

/**
 * C[m, j] = Σ_k A(m, k)·B[k, j] for m < M, j < N, with A(m, k) at a + 8·(m·am + k·ak) (so Aᵀ is read in
 * place), B and C row-major (ldb, ldc doubles). Tiles of 4 rows × 4 columns: 8 f64x2 accumulators.
 */
function gemm(a: usize, am: i32, ak: i32, b: usize, ldb: i32, c: usize, ldc: i32, M: i32, N: i32, K: i32): void {
  const akB = <usize>ak << 3;
  const ldbB = <usize>ldb << 3;
  let m0 = 0;
  for (; m0 + 4 <= M; m0 += 4) {
    const a0 = a + ((<usize>m0 * <usize>am) << 3);
    const a1 = a0 + (<usize>am << 3);
    const a2 = a1 + (<usize>am << 3);
    const a3 = a2 + (<usize>am << 3);
    const c0 = c + ((<usize>m0 * <usize>ldc) << 3);
    const c1 = c0 + (<usize>ldc << 3);
    const c2 = c1 + (<usize>ldc << 3);
    const c3 = c2 + (<usize>ldc << 3);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s10 = f64x2.splat(0), s11 = f64x2.splat(0);
      let s20 = f64x2.splat(0), s21 = f64x2.splat(0), s30 = f64x2.splat(0), s31 = f64x2.splat(0);
      let bp = b + (<usize>j << 3);
      let ap: usize = 0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        let v = v128.load64_splat(a0 + ap);
        s00 = f64x2.add(s00, f64x2.mul(v, b0)); s01 = f64x2.add(s01, f64x2.mul(v, b1));
        v = v128.load64_splat(a1 + ap);
        s10 = f64x2.add(s10, f64x2.mul(v, b0)); s11 = f64x2.add(s11, f64x2.mul(v, b1));
        v = v128.load64_splat(a2 + ap);
        s20 = f64x2.add(s20, f64x2.mul(v, b0)); s21 = f64x2.add(s21, f64x2.mul(v, b1));
        v = v128.load64_splat(a3 + ap);
        s30 = f64x2.add(s30, f64x2.mul(v, b0)); s31 = f64x2.add(s31, f64x2.mul(v, b1));
        bp += ldbB;
        ap += akB;
      }
      const o = <usize>j << 3;
      v128.store(c0 + o, s00); v128.store(c0 + o, s01, 16);
      v128.store(c1 + o, s10); v128.store(c1 + o, s11, 16);
      v128.store(c2 + o, s20); v128.store(c2 + o, s21, 16);
      v128.store(c3 + o, s30); v128.store(c3 + o, s31, 16);
    }
    for (; j < N; j++) {
      for (let r = 0; r < 4; r++) {
        const ar = a0 + ((<usize>r * <usize>am) << 3);
        let s: f64 = 0;
        for (let k = 0; k < K; k++) s += load<f64>(ar + <usize>k * akB) * load<f64>(b + <usize>k * ldbB + (<usize>j << 3));
        store<f64>(c0 + ((<usize>r * <usize>ldc) << 3) + (<usize>j << 3), s);
      }
    }
  }
  for (; m0 < M; m0++) {
    const ar = a + ((<usize>m0 * <usize>am) << 3);
    const cr = c + ((<usize>m0 * <usize>ldc) << 3);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
      let bp = b + (<usize>j << 3);
      for (let k = 0; k < K; k++) {
        const v = v128.load64_splat(ar + <usize>k * akB);
        s0 = f64x2.add(s0, f64x2.mul(v, v128.load(bp)));
        s1 = f64x2.add(s1, f64x2.mul(v, v128.load(bp, 16)));
        bp += ldbB;
      }
      v128.store(cr + (<usize>j << 3), s0);
      v128.store(cr + (<usize>j << 3), s1, 16);
    }
    for (; j < N; j++) {
      let s: f64 = 0;
      for (let k = 0; k < K; k++) s += load<f64>(ar + <usize>k * akB) * load<f64>(b + <usize>k * ldbB + (<usize>j << 3));
      store<f64>(cr + (<usize>j << 3), s);
    }
  }
}

/** Σ_q a[q]·b[q] for q < n, in two f64x2 lanes then the tail. */
@inline function dot(a: usize, b: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let q = 0;
  for (; q + 4 <= n; q += 4) {
    const o = <usize>q << 3;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  const s = f64x2.add(s0, s1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; q < n; q++) total += load<f64>(a + (<usize>q << 3)) * load<f64>(b + (<usize>q << 3));
  return total;
}

/** The forward pass for images i0 ≤ i < i1. */
function forwardImages(x: usize, w: usize, y: usize, colAt: usize, t: ConvJob, i0: i32, i1: i32): void {
  const g = t.g, cx = t.cx, cy = t.cy;
  const cg = cx / g, co = cy / g, K = t.kd * t.kh * t.kw, X = t.xd * t.xh * t.xw, Y = t.yd * t.yh * t.yw;
  for (let i = i0; i < i1; i++) {
    for (let grp = 0; grp < g; grp++) {
      im2col(x + ((<usize>(i * cx + grp * cg) * <usize>X) << 3), colAt, cg, t);
      gemm(w + ((<usize>(grp * co) * <usize>(cg * K)) << 3), cg * K, 1, colAt, Y, y + ((<usize>(i * cy + grp * co) * <usize>Y) << 3), Y, co, Y, cg * K);
    }
  }
}

/** The input gradient for images i0 ≤ i < i1 (their dx zeroed first). */
function gradInputImages(dy: usize, w: usize, dx: usize, colAt: usize, t: ConvJob, i0: i32, i1: i32): void {
  const g = t.g, cx = t.cx, cy = t.cy;
  const cg = cx / g, co = cy / g, K = t.kd * t.kh * t.kw, X = t.xd * t.xh * t.xw, Y = t.yd * t.yh * t.yw;
  memory.fill(dx + ((<usize>i0 * <usize>cx * <usize>X) << 3), 0, (<usize>(i1 - i0) * <usize>cx * <usize>X) << 3);
  for (let i = i0; i < i1; i++) {
    for (let grp = 0; grp < g; grp++) {
      // A(r, o) = W_g[o, r]: the transpose read in place.
      gemm(w + ((<usize>(grp * co) * <usize>(cg * K)) << 3), 1, cg * K, dy + ((<usize>(i * cy + grp * co) * <usize>Y) << 3), Y, colAt, Y, cg * K, Y, co);
      col2im(colAt, dx + ((<usize>(i * cx + grp * cg) * <usize>X) << 3), cg, t);
    }
  }
}

/** The weight gradient's rows of output channels o0 ≤ o < o1 (zeroed first), each summed over the images in order. */
function gradWeightChannels(x: usize, dy: usize, dw: usize, colAt: usize, t: ConvJob, o0: i32, o1: i32): void {
  const n = t.n, g = t.g, cx = t.cx, cy = t.cy;
  const cg = cx / g, co = cy / g, K = t.kd * t.kh * t.kw, X = t.xd * t.xh * t.xw, Y = t.yd * t.yh * t.yw;
  const R = cg * K;
  memory.fill(dw + ((<usize>o0 * <usize>R) << 3), 0, (<usize>(o1 - o0) * <usize>R) << 3);
  for (let i = 0; i < n; i++) {
    for (let grp = o0 / co; grp * co < o1; grp++) {
      im2col(x + ((<usize>(i * cx + grp * cg) * <usize>X) << 3), colAt, cg, t);
      for (let o = max(0, o0 - grp * co); o < min(co, o1 - grp * co); o++) {
        const dyRow = dy + ((<usize>(i * cy + grp * co + o) * <usize>Y) << 3);
        const dwRow = dw + ((<usize>(grp * co + o) * <usize>R) << 3);
        for (let r = 0; r < R; r++) {
          const at = dwRow + (<usize>r << 3);
          store<f64>(at, load<f64>(at) + dot(dyRow, colAt + ((<usize>r * <usize>Y) << 3), Y));
        }
      }
    }
  }
}

/**
 * Task `task` of a float64 conv job on thread `thread`: job.chunk images (the weight gradient: output
 * channels) from task·chunk on, with the thread's scratch for the columns.
 */
export function conv64Task(job: ConvJob, task: i32, thread: i32): void {
  const col = <usize>job.scratch + <usize>thread * <usize>job.scratchBytes;
  const from = task * job.chunk;
  const a = <usize>job.xPtr, b = <usize>job.wPtr, out = <usize>job.outPtr;
  if (job.op == OP_FORWARD_F64) forwardImages(a, b, out, col, job, from, min(job.n, from + job.chunk));
  else if (job.op == OP_GRAD_INPUT_F64) gradInputImages(a, b, out, col, job, from, min(job.n, from + job.chunk));
  else gradWeightChannels(a, b, out, col, job, from, min(job.cy, from + job.chunk));
}

/**
 * Task `task` of a float64 matmul job (matmul and linear): C's rows from task·rows on, c[m, j] = Σ_k
 * A(m, k)·B(k, j) with A read in place (stored M×K, or K×M where transA) and B row-major (transposed
 * first where it was stored N×K). Each element is the same sum whichever rows a task takes.
 */
export function matmul64Task(job: MatmulJob, task: i32): void {
  const m0 = task * job.rows;
  const rows = min(job.m, m0 + job.rows) - m0;
  const K = job.k, N = job.n;
  const c = <usize>job.c + ((<usize>m0 * <usize>N) << 3);
  if (job.transA) gemm(<usize>job.a + (<usize>m0 << 3), 1, job.m, <usize>job.b, N, c, N, rows, N, K);
  else gemm(<usize>job.a + ((<usize>m0 * <usize>K) << 3), K, 1, <usize>job.b, N, c, N, rows, N, K);
}
