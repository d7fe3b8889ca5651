// Batched matrix multiply C[b] = op(A[b]) · op(B[b]) with optional transposes and batch broadcast
// (a batch of 1 broadcasts), on row-major float32 buffers.
#include <memory>
#include <unordered_map>

#include "common.h"

namespace kitseg {
using memory = dnnl::memory;
using dt = memory::data_type;

// matMul(a, b, c, batchA, batchB, M, K, N, transposeA, transposeB)
Napi::Value MatMul(const Napi::CallbackInfo &info) {
  auto num = [&](int i) { return info[i].As<Napi::Number>().Int64Value(); };
  const int64_t bA = num(3), bB = num(4), M = num(5), K = num(6), N = num(7);
  const bool tA = info[8].As<Napi::Boolean>().Value(), tB = info[9].As<Napi::Boolean>().Value();
  const int64_t B = std::max(bA, bB);
  memory::desc a({bA, M, K}, dt::f32, tA ? memory::dims{M * K, 1, M} : memory::dims{M * K, K, 1});
  memory::desc b({bB, K, N}, dt::f32, tB ? memory::dims{K * N, 1, K} : memory::dims{K * N, N, 1});
  memory::desc c({B, M, N}, dt::f32, memory::dims{M * N, N, 1});
  static std::unordered_map<std::string, std::unique_ptr<dnnl::matmul>> cache;
  std::string k = key({{bA, bB, M, K, N, tA, tB}}, "mm");
  auto it = cache.find(k);
  if (it == cache.end()) {
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), engine());
    it = cache.emplace(k, std::make_unique<dnnl::matmul>(pd)).first;
  }
  it->second->execute(stream(), {{DNNL_ARG_SRC, memory(a, engine(), f32Arg(info[0]))},
                                 {DNNL_ARG_WEIGHTS, memory(b, engine(), f32Arg(info[1]))},
                                 {DNNL_ARG_DST, memory(c, engine(), f32Arg(info[2]))}});
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace kitseg
