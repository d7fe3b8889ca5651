// Hand-written kernels for the two shapes of elementwise work that dominate training after the
// convolutions, where oneDNN 2.6 falls back to reference code:
//  - binary2: y = a ∘ b on [A, B] with b full, a row [1, B], a column [A, 1] or a scalar;
//  - reduce3: y[a, c] = reduce_b x[a, b, c] (sum, mean, max, min).
// JS merges adjacent axes so any broadcast or reduction with at most that many groups lands here.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common.h"

namespace kitseg {

namespace {
template <class F>
void binaryLoop(const float *full, const float *part, float *y, int64_t A, int64_t B, int mode, bool rev, F f) {
  auto op = [&](float u, float v) { return rev ? f(v, u) : f(u, v); };
#pragma omp parallel for schedule(static)
  for (int64_t a = 0; a < A; a++) {
    const float *p = full + a * B;
    float *q = y + a * B;
    if (mode == 0) {
      const float *r = part + a * B;
      for (int64_t b = 0; b < B; b++) q[b] = op(p[b], r[b]);
    } else if (mode == 1) {
      for (int64_t b = 0; b < B; b++) q[b] = op(p[b], part[b]);
    } else {
      const float s = mode == 2 ? part[a] : part[0];
      for (int64_t b = 0; b < B; b++) q[b] = op(p[b], s);
    }
  }
}
}  // namespace

// binary2(alg, full, part, y, A, B, mode, reverse): mode 0 same shape, 1 part is [1,B], 2 part is
// [A,1], 3 part is a scalar; y = reverse ? part ∘ full : full ∘ part. alg as in binary().
Napi::Value Binary2(const Napi::CallbackInfo &info) {
  const int alg = info[0].As<Napi::Number>().Int32Value();
  const float *full = f32Arg(info[1]), *part = f32Arg(info[2]);
  float *y = f32Arg(info[3]);
  const int64_t A = info[4].As<Napi::Number>().Int64Value(), B = info[5].As<Napi::Number>().Int64Value();
  const int mode = info[6].As<Napi::Number>().Int32Value();
  const bool rev = info[7].As<Napi::Boolean>().Value();
  switch (alg) {
    case 0: binaryLoop(full, part, y, A, B, mode, rev, [](float u, float v) { return u + v; }); break;
    case 1: binaryLoop(full, part, y, A, B, mode, rev, [](float u, float v) { return u - v; }); break;
    case 2: binaryLoop(full, part, y, A, B, mode, rev, [](float u, float v) { return u * v; }); break;
    case 3: binaryLoop(full, part, y, A, B, mode, rev, [](float u, float v) { return u / v; }); break;
    case 4: binaryLoop(full, part, y, A, B, mode, rev, [](float u, float v) { return std::max(u, v); }); break;
    case 5: binaryLoop(full, part, y, A, B, mode, rev, [](float u, float v) { return std::min(u, v); }); break;
  }
  return info.Env().Undefined();
}

// reduce3(alg, x, A, B, C, y): alg 0 sum, 1 mean, 2 max, 3 min.
Napi::Value Reduce3(const Napi::CallbackInfo &info) {
  const int alg = info[0].As<Napi::Number>().Int32Value();
  const float *x = f32Arg(info[1]);
  const int64_t A = info[2].As<Napi::Number>().Int64Value(), B = info[3].As<Napi::Number>().Int64Value(),
                C = info[4].As<Napi::Number>().Int64Value();
  float *y = f32Arg(info[5]);
  const bool isSum = alg <= 1;
  const double init = isSum ? 0.0 : alg == 2 ? -std::numeric_limits<double>::infinity()
                                             : std::numeric_limits<double>::infinity();
  auto combine = [alg](double acc, double v) {
    return alg <= 1 ? acc + v : alg == 2 ? (v > acc || std::isnan(v) ? v : acc) : (v < acc || std::isnan(v) ? v : acc);
  };
  const int threads = omp_get_max_threads();
  std::vector<double> out(A * C, init);
  if (A * C >= 64 * threads || B < 1024) {
#pragma omp parallel for schedule(static)
    for (int64_t a = 0; a < A; a++) {
      double *o = out.data() + a * C;
      for (int64_t b = 0; b < B; b++) {
        const float *p = x + (a * B + b) * C;
        for (int64_t c = 0; c < C; c++) o[c] = combine(o[c], p[c]);
      }
    }
  } else {
    // Few outputs, long reductions: split B across threads, then combine the partials.
    std::vector<std::vector<double>> part(threads, std::vector<double>(A * C, init));
#pragma omp parallel
    {
      std::vector<double> &o = part[omp_get_thread_num()];
      for (int64_t a = 0; a < A; a++) {
#pragma omp for schedule(static) nowait
        for (int64_t b = 0; b < B; b++) {
          const float *p = x + (a * B + b) * C;
          double *oo = o.data() + a * C;
          for (int64_t c = 0; c < C; c++) oo[c] = combine(oo[c], p[c]);
        }
      }
    }
    for (const auto &p : part)
      for (int64_t i = 0; i < A * C; i++) out[i] = combine(out[i], p[i]);
  }
  for (int64_t i = 0; i < A * C; i++) y[i] = float(alg == 1 ? out[i] / double(B) : out[i]);
  return info.Env().Undefined();
}

}  // namespace kitseg

namespace kitseg {
// adamUpdate(w, g, m, v, w2, m2, v2, lr, beta1, beta2, epsilon, c1, c2): one fused pass of tfjs's
// Adam, m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², w' = w − lr·(m'/c1)/(√(v'/c2) + ε),
// with c1 = 1 − β1^t, c2 = 1 − β2^t.
Napi::Value AdamUpdate(const Napi::CallbackInfo &info) {
  const float *w = f32Arg(info[0]), *g = f32Arg(info[1]), *m = f32Arg(info[2]), *v = f32Arg(info[3]);
  float *w2 = f32Arg(info[4]), *m2 = f32Arg(info[5]), *v2 = f32Arg(info[6]);
  const int64_t n = info[0].As<Napi::Float32Array>().ElementLength();
  auto num = [&](int i) { return info[i].As<Napi::Number>().FloatValue(); };
  const float lr = num(7), b1 = num(8), b2 = num(9), eps = num(10), c1 = num(11), c2 = num(12);
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; i++) {
    const float mi = b1 * m[i] + (1.f - b1) * g[i];
    const float vi = b2 * v[i] + (1.f - b2) * g[i] * g[i];
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = w[i] - lr * (mi / c1) / (std::sqrt(vi / c2) + eps);
  }
  return info.Env().Undefined();
}
}  // namespace kitseg

namespace kitseg {

// segStats(p, y, G, S, C, withCe, eps, out): for each group g of S voxels (a sample, or the whole
// batch) and class c, out[g][0..3][c] = Σ p·y, Σ p, Σ y and (withCe) Σ y·log(clamp(p, eps, 1 − eps)).
// One read of p and y serves soft Dice and cross-entropy together; sums accumulate in double.
Napi::Value SegStats(const Napi::CallbackInfo &info) {
  const float *p = f32Arg(info[0]), *y = f32Arg(info[1]);
  const int64_t G = info[2].As<Napi::Number>().Int64Value(), S = info[3].As<Napi::Number>().Int64Value(),
                C = info[4].As<Napi::Number>().Int64Value();
  const bool withCe = info[5].As<Napi::Boolean>().Value();
  const double eps = info[6].As<Napi::Number>().DoubleValue();
  const float lo = static_cast<float>(eps), hi = static_cast<float>(1.0 - eps);
  float *out = f32Arg(info[7]);
  const int64_t W = 4 * C;
  const int threads = omp_get_max_threads();
  std::vector<double> acc(static_cast<size_t>(threads * G * W), 0.0);
#pragma omp parallel
  {
    double *a = acc.data() + static_cast<size_t>(omp_get_thread_num() * G * W);
    for (int64_t g = 0; g < G; g++) {
      double *ag = a + g * W;
#pragma omp for schedule(static) nowait
      for (int64_t s = 0; s < S; s++) {
        const float *pv = p + (g * S + s) * C, *yv = y + (g * S + s) * C;
        for (int64_t c = 0; c < C; c++) {
          const float u = pv[c], t = yv[c];
          ag[c] += static_cast<double>(u) * t;
          ag[C + c] += u;
          ag[2 * C + c] += t;
          if (withCe && t != 0.f) ag[3 * C + c] += t * std::log(std::min(std::max(u, lo), hi));
        }
      }
    }
  }
  for (int64_t i = 0; i < G * W; i++) {
    double v = 0;
    for (int t = 0; t < threads; t++) v += acc[static_cast<size_t>(t * G * W + i)];
    out[i] = static_cast<float>(v);
  }
  return info.Env().Undefined();
}

// segStatsGrad(p, y, dStats, G, S, C, eps, dp): the gradient of segStats' outputs with respect to p,
// dp = dS₀·y + dS₁ + dS₃·y / p (the log term only where p is inside the clamp), in one pass.
Napi::Value SegStatsGrad(const Napi::CallbackInfo &info) {
  const float *p = f32Arg(info[0]), *y = f32Arg(info[1]), *d = f32Arg(info[2]);
  const int64_t G = info[3].As<Napi::Number>().Int64Value(), S = info[4].As<Napi::Number>().Int64Value(),
                C = info[5].As<Napi::Number>().Int64Value();
  const double eps = info[6].As<Napi::Number>().DoubleValue();
  const float lo = static_cast<float>(eps), hi = static_cast<float>(1.0 - eps);
  float *dp = f32Arg(info[7]);
  for (int64_t g = 0; g < G; g++) {
    const float *dg = d + g * 4 * C;
#pragma omp parallel for schedule(static)
    for (int64_t s = 0; s < S; s++) {
      const int64_t o = (g * S + s) * C;
      for (int64_t c = 0; c < C; c++) {
        const float u = p[o + c], t = y[o + c];
        float v = dg[c] * t + dg[C + c];
        if (t != 0.f && u >= lo && u <= hi) v += dg[3 * C + c] * t / u;
        dp[o + c] = v;
      }
    }
  }
  return info.Env().Undefined();
}

// softmaxGrad(y, dy, dx, rows, C): dx = y · (dy − Σ_c dy·y) over the last axis, in one pass
// (tfjs composes it from four full-size kernels).
Napi::Value SoftmaxGrad(const Napi::CallbackInfo &info) {
  const float *y = f32Arg(info[0]), *dy = f32Arg(info[1]);
  float *dx = f32Arg(info[2]);
  const int64_t rows = info[3].As<Napi::Number>().Int64Value(), C = info[4].As<Napi::Number>().Int64Value();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; r++) {
    const float *yr = y + r * C, *dr = dy + r * C;
    float dot = 0.f;
    for (int64_t c = 0; c < C; c++) dot += dr[c] * yr[c];
    for (int64_t c = 0; c < C; c++) dx[r * C + c] = yr[c] * (dr[c] - dot);
  }
  return info.Env().Undefined();
}

}  // namespace kitseg

namespace kitseg {

// prelu(x, alpha, y, C): y = x > 0 ? x : alpha[c]·x over [N, C] (channels last; C = 1 for one
// shared slope). The JS loop it replaces took a quarter of a V-Net cascade's prediction.
Napi::Value Prelu(const Napi::CallbackInfo &info) {
  const float *x = f32Arg(info[0]), *a = f32Arg(info[1]);
  float *y = f32Arg(info[2]);
  const int64_t C = info[3].As<Napi::Number>().Int64Value();
  const int64_t rows = info[0].As<Napi::Float32Array>().ElementLength() / C;
#pragma omp parallel for schedule(static) if (rows * C > 65536)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * C;
    float *yr = y + r * C;
    for (int64_t c = 0; c < C; c++) yr[c] = xr[c] > 0.f ? xr[c] : a[c] * xr[c];
  }
  return info.Env().Undefined();
}

// preluGrad(x, alpha, dy, dx, dAlpha, C): dx = dy where x > 0, else alpha[c]·dy; dAlpha[c] = Σ dy·x
// over x ≤ 0, accumulated per thread in double.
Napi::Value PreluGrad(const Napi::CallbackInfo &info) {
  const float *x = f32Arg(info[0]), *a = f32Arg(info[1]), *dy = f32Arg(info[2]);
  float *dx = f32Arg(info[3]), *da = f32Arg(info[4]);
  const int64_t C = info[5].As<Napi::Number>().Int64Value();
  const int64_t rows = info[0].As<Napi::Float32Array>().ElementLength() / C;
  const int threads = omp_get_max_threads();
  std::vector<double> acc(static_cast<size_t>(threads * C), 0.0);
#pragma omp parallel
  {
    double *s = acc.data() + static_cast<size_t>(omp_get_thread_num() * C);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; r++) {
      const int64_t o = r * C;
      for (int64_t c = 0; c < C; c++) {
        const float v = x[o + c], g = dy[o + c];
        if (v > 0.f) {
          dx[o + c] = g;
        } else {
          dx[o + c] = a[c] * g;
          s[c] += static_cast<double>(g) * v;
        }
      }
    }
  }
  for (int64_t c = 0; c < C; c++) {
    double v = 0;
    for (int t = 0; t < threads; t++) v += acc[static_cast<size_t>(t * C + c)];
    da[c] = static_cast<float>(v);
  }
  return info.Env().Undefined();
}

}  // namespace kitseg
