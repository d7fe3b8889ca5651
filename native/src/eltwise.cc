// Elementwise activations and softmax on oneDNN: forward and backward eltwise over flat buffers
// (relu with a negative slope is LeakyReLU), and softmax over the last axis of [rows, C].
#include <memory>
#include <unordered_map>

#include "common.h"

namespace kitseg {
using memory = dnnl::memory;
using dt = memory::data_type;
using dnnl::algorithm;

namespace {
// Algorithms by code, shared with lib/backend/dnnl/eltwise-kernels.ts.
const algorithm ALGS[] = {algorithm::eltwise_relu,   algorithm::eltwise_exp,    algorithm::eltwise_log,
                          algorithm::eltwise_sqrt,   algorithm::eltwise_square, algorithm::eltwise_abs,
                          algorithm::eltwise_tanh,   algorithm::eltwise_logistic, algorithm::eltwise_elu,
                          algorithm::eltwise_linear};

memory::desc flat(int64_t n) { return memory::desc({n}, dt::f32, memory::format_tag::a); }

struct Elt {
  dnnl::eltwise_forward::primitive_desc fpd;
  dnnl::eltwise_forward fwd;
  dnnl::eltwise_backward bwd;
  bool hasBwd = false;
};

Elt &elt(int alg, int64_t n, float alpha, float beta) {
  static std::unordered_map<std::string, std::unique_ptr<Elt>> cache;
  std::string k = "e" + std::to_string(alg) + "_" + std::to_string(n) + "_" + std::to_string(alpha) + "_" +
                  std::to_string(beta);
  auto it = cache.find(k);
  if (it == cache.end()) {
    auto e = std::make_unique<Elt>();
    e->fpd = dnnl::eltwise_forward::primitive_desc(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, ALGS[alg], flat(n), alpha, beta), engine());
    e->fwd = dnnl::eltwise_forward(e->fpd);
    it = cache.emplace(k, std::move(e)).first;
  }
  return *it->second;
}
}  // namespace

// eltwise(alg, x, y, n, alpha, beta)
Napi::Value Eltwise(const Napi::CallbackInfo &info) {
  const int alg = info[0].As<Napi::Number>().Int32Value();
  const int64_t n = info[3].As<Napi::Number>().Int64Value();
  Elt &e = elt(alg, n, info[4].As<Napi::Number>().FloatValue(), info[5].As<Napi::Number>().FloatValue());
  e.fwd.execute(stream(), {{DNNL_ARG_SRC, memory(flat(n), engine(), f32Arg(info[1]))},
                           {DNNL_ARG_DST, memory(flat(n), engine(), f32Arg(info[2]))}});
  stream().wait();
  return info.Env().Undefined();
}

// eltwiseBackward(alg, x, dy, dx, n, alpha, beta): dx = f'(x) · dy, with x the forward input.
Napi::Value EltwiseBackward(const Napi::CallbackInfo &info) {
  const int alg = info[0].As<Napi::Number>().Int32Value();
  const int64_t n = info[4].As<Napi::Number>().Int64Value();
  const float alpha = info[5].As<Napi::Number>().FloatValue(), beta = info[6].As<Napi::Number>().FloatValue();
  Elt &e = elt(alg, n, alpha, beta);
  if (!e.hasBwd) {
    dnnl::eltwise_backward::desc d(ALGS[alg], flat(n), flat(n), alpha, beta);
    e.bwd = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(d, engine(), e.fpd));
    e.hasBwd = true;
  }
  e.bwd.execute(stream(), {{DNNL_ARG_SRC, memory(flat(n), engine(), f32Arg(info[1]))},
                           {DNNL_ARG_DIFF_DST, memory(flat(n), engine(), f32Arg(info[2]))},
                           {DNNL_ARG_DIFF_SRC, memory(flat(n), engine(), f32Arg(info[3]))}});
  stream().wait();
  return info.Env().Undefined();
}

// softmax(x, y, rows, C): softmax over the last axis.
Napi::Value Softmax(const Napi::CallbackInfo &info) {
  const int64_t rows = info[2].As<Napi::Number>().Int64Value(), C = info[3].As<Napi::Number>().Int64Value();
  memory::desc md({rows, C}, dt::f32, memory::format_tag::ab);
  static std::unordered_map<std::string, std::unique_ptr<dnnl::softmax_forward>> cache;
  std::string k = "s" + std::to_string(rows) + "_" + std::to_string(C);
  auto it = cache.find(k);
  if (it == cache.end()) {
    dnnl::softmax_forward::primitive_desc pd(dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, md, 1),
                                             engine());
    it = cache.emplace(k, std::make_unique<dnnl::softmax_forward>(pd)).first;
  }
  it->second->execute(stream(), {{DNNL_ARG_SRC, memory(md, engine(), f32Arg(info[0]))},
                                 {DNNL_ARG_DST, memory(md, engine(), f32Arg(info[1]))}});
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace kitseg
