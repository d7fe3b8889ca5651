// Memory-bound kernels: transpose (as a oneDNN reorder between permuted strides), broadcasting
// binary ops (oneDNN binary, src1 broadcast), reductions (oneDNN reduction), and a fused
// channels-last instance normalisation forward/backward written directly with OpenMP.
#include <cmath>
#include <memory>
#include <unordered_map>

#include "common.h"

namespace kitseg {
using memory = dnnl::memory;
using dt = memory::data_type;
using dnnl::algorithm;

namespace {


dt dtypeArg(const Napi::Value &v) { return v.As<Napi::Number>().Int32Value() == 1 ? dt::s32 : dt::f32; }

void *bufArg(const Napi::Value &v) { return v.As<Napi::TypedArray>().ArrayBuffer().Data() + v.As<Napi::TypedArray>().ByteOffset(); }

template <class P>
std::unordered_map<std::string, std::unique_ptr<P>> &cacheOf() {
  static std::unordered_map<std::string, std::unique_ptr<P>> c;
  return c;
}

}  // namespace

// transpose(x, shape, perm, y, dtype) — dtype 0 float32, 1 int32. y[perm-applied index] = x.
Napi::Value Transpose(const Napi::CallbackInfo &info) {
  memory::dims shape = dimsArg(info[1]), perm = dimsArg(info[2]);
  dt t = dtypeArg(info[4]);
  const size_t r = shape.size();
  memory::dims outShape(r), inStrides = rowMajorStrides(shape), srcStrides(r);
  for (size_t i = 0; i < r; i++) {
    outShape[i] = shape[perm[i]];
    srcStrides[i] = inStrides[perm[i]];  // reading x in output order
  }
  memory::desc src(outShape, t, srcStrides), dst = plainMd(outShape, t);
  std::string k = key({shape, perm}, t == dt::s32 ? "ti" : "tf");
  auto &c = cacheOf<dnnl::reorder>();
  auto it = c.find(k);
  if (it == c.end()) {
    it = c.emplace(k, std::make_unique<dnnl::reorder>(dnnl::reorder::primitive_desc(engine(), src, engine(), dst))).first;
  }
  memory sm(src, engine(), bufArg(info[0])), dm(dst, engine(), bufArg(info[3]));
  it->second->execute(stream(), sm, dm);
  stream().wait();
  return info.Env().Undefined();
}

// binary(alg, a, aShape, b, bShape, y) — shapes of equal rank; aShape is the output shape and
// bShape broadcasts (1s). alg: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min.
Napi::Value Binary(const Napi::CallbackInfo &info) {
  static const algorithm ALGS[] = {algorithm::binary_add, algorithm::binary_sub, algorithm::binary_mul,
                                   algorithm::binary_div, algorithm::binary_max, algorithm::binary_min};
  int alg = info[0].As<Napi::Number>().Int32Value();
  memory::dims as = dimsArg(info[2]), bs = dimsArg(info[4]);
  memory::desc a = plainMd(as, dt::f32), b = plainMd(bs, dt::f32);
  std::string k = key({as, bs}, "b" + std::to_string(alg));
  auto &c = cacheOf<dnnl::binary>();
  auto it = c.find(k);
  if (it == c.end()) {
    dnnl::binary::primitive_desc pd(dnnl::binary::desc(ALGS[alg], a, b, a), engine());
    it = c.emplace(k, std::make_unique<dnnl::binary>(pd)).first;
  }
  it->second->execute(stream(), {{DNNL_ARG_SRC_0, memory(a, engine(), f32Arg(info[1]))},
                                 {DNNL_ARG_SRC_1, memory(b, engine(), f32Arg(info[3]))},
                                 {DNNL_ARG_DST, memory(a, engine(), f32Arg(info[5]))}});
  stream().wait();
  return info.Env().Undefined();
}

// reduce(alg, x, shape, y, outShape) — outShape has 1s on reduced axes. alg: 0 sum, 1 mean, 2 max, 3 min.
Napi::Value Reduce(const Napi::CallbackInfo &info) {
  static const algorithm ALGS[] = {algorithm::reduction_sum, algorithm::reduction_mean, algorithm::reduction_max,
                                   algorithm::reduction_min};
  int alg = info[0].As<Napi::Number>().Int32Value();
  memory::dims xs = dimsArg(info[2]), ys = dimsArg(info[4]);
  memory::desc x = plainMd(xs, dt::f32), y = plainMd(ys, dt::f32);
  std::string k = key({xs, ys}, "r" + std::to_string(alg));
  auto &c = cacheOf<dnnl::reduction>();
  auto it = c.find(k);
  if (it == c.end()) {
    dnnl::reduction::primitive_desc pd(dnnl::reduction::desc(ALGS[alg], x, y, 0.f, 0.f), engine());
    it = c.emplace(k, std::make_unique<dnnl::reduction>(pd)).first;
  }
  it->second->execute(stream(), {{DNNL_ARG_SRC, memory(x, engine(), f32Arg(info[1]))},
                                 {DNNL_ARG_DST, memory(y, engine(), f32Arg(info[3]))}});
  stream().wait();
  return info.Env().Undefined();
}

// instanceNormForward(x, N, S, C, gamma, beta, eps, y, mean, rstd, slope): x is [N, S, C] (S = D·H·W);
// slope ≥ 0 fuses a LeakyReLU with that negative slope (1 = identity).
Napi::Value InstanceNormForward(const Napi::CallbackInfo &info) {
  const float *x = f32Arg(info[0]);
  const int64_t N = info[1].As<Napi::Number>().Int64Value(), S = info[2].As<Napi::Number>().Int64Value(),
                C = info[3].As<Napi::Number>().Int64Value();
  const float *gamma = f32Arg(info[4]), *beta = f32Arg(info[5]);
  const float eps = info[6].As<Napi::Number>().FloatValue();
  float *y = f32Arg(info[7]), *mean = f32Arg(info[8]), *rstd = f32Arg(info[9]);
  const float slope = info[10].As<Napi::Number>().FloatValue();
  for (int64_t n = 0; n < N; n++) {
    const float *xn = x + n * S * C;
    float *yn = y + n * S * C;
    std::vector<double> sum(C, 0.0), sq(C, 0.0);
#pragma omp parallel
    {
      std::vector<double> ls(C, 0.0), lq(C, 0.0);
#pragma omp for nowait
      for (int64_t s = 0; s < S; s++) {
        const float *p = xn + s * C;
        for (int64_t c = 0; c < C; c++) {
          ls[c] += p[c];
          lq[c] += double(p[c]) * p[c];
        }
      }
#pragma omp critical
      for (int64_t c = 0; c < C; c++) {
        sum[c] += ls[c];
        sq[c] += lq[c];
      }
    }
    std::vector<float> a(C), b(C);
    for (int64_t c = 0; c < C; c++) {
      const double m = sum[c] / S, v = std::max(0.0, sq[c] / S - m * m);
      const float r = float(1.0 / std::sqrt(v + eps));
      mean[n * C + c] = float(m);
      rstd[n * C + c] = r;
      a[c] = gamma[c] * r;
      b[c] = beta[c] - float(m) * a[c];
    }
#pragma omp parallel for
    for (int64_t s = 0; s < S; s++) {
      const float *p = xn + s * C;
      float *q = yn + s * C;
      for (int64_t c = 0; c < C; c++) {
        const float v = p[c] * a[c] + b[c];
        q[c] = v > 0.f ? v : v * slope;
      }
    }
  }
  return info.Env().Undefined();
}

// instanceNormBackward(x, dy, N, S, C, mean, rstd, gamma, dx, dgamma, dbeta, beta, slope): with a
// fused LeakyReLU the incoming gradient is first scaled by its slope where γ·x̂ + β ≤ 0.
// dx = γ·r·(dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy (sums over samples and space).
Napi::Value InstanceNormBackward(const Napi::CallbackInfo &info) {
  const float *x = f32Arg(info[0]), *dy = f32Arg(info[1]);
  const int64_t N = info[2].As<Napi::Number>().Int64Value(), S = info[3].As<Napi::Number>().Int64Value(),
                C = info[4].As<Napi::Number>().Int64Value();
  const float *mean = f32Arg(info[5]), *rstd = f32Arg(info[6]), *gamma = f32Arg(info[7]);
  float *dx = f32Arg(info[8]), *dgamma = f32Arg(info[9]), *dbeta = f32Arg(info[10]);
  const float *beta = f32Arg(info[11]);
  const float slope = info[12].As<Napi::Number>().FloatValue();
  const bool act = slope != 1.f;
  for (int64_t c = 0; c < C; c++) dgamma[c] = dbeta[c] = 0.f;
  for (int64_t n = 0; n < N; n++) {
    const float *xn = x + n * S * C, *dyn = dy + n * S * C;
    float *dxn = dx + n * S * C;
    const float *mu = mean + n * C, *r = rstd + n * C;
    std::vector<double> sdy(C, 0.0), sdyx(C, 0.0);
#pragma omp parallel
    {
      std::vector<double> a(C, 0.0), b(C, 0.0);
      // Pass 1: the activation-scaled gradient goes into dx; its sums feed the closed form.
#pragma omp for nowait
      for (int64_t s = 0; s < S; s++) {
        const float *p = xn + s * C, *g = dyn + s * C;
        float *q = dxn + s * C;
        for (int64_t c = 0; c < C; c++) {
          const float xh = (p[c] - mu[c]) * r[c];
          const float gc = act && gamma[c] * xh + beta[c] <= 0.f ? g[c] * slope : g[c];
          q[c] = gc;
          a[c] += gc;
          b[c] += double(gc) * xh;
        }
      }
#pragma omp critical
      for (int64_t c = 0; c < C; c++) {
        sdy[c] += a[c];
        sdyx[c] += b[c];
      }
    }
    std::vector<float> k1(C), k2(C), k3(C);
    for (int64_t c = 0; c < C; c++) {
      dgamma[c] += float(sdyx[c]);
      dbeta[c] += float(sdy[c]);
      k1[c] = gamma[c] * r[c];
      k2[c] = float(sdy[c] / S);
      k3[c] = float(sdyx[c] / S);
    }
#pragma omp parallel for
    for (int64_t s = 0; s < S; s++) {
      const float *p = xn + s * C;
      float *q = dxn + s * C;
      for (int64_t c = 0; c < C; c++) q[c] = k1[c] * (q[c] - k2[c] - (p[c] - mu[c]) * r[c] * k3[c]);
    }
  }
  return info.Env().Undefined();
}

}  // namespace kitseg
