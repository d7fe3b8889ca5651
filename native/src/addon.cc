// Module entry: engine/stream singletons, thread control, version info.
#include <malloc.h>
#include <omp.h>

#include "common.h"

namespace kitseg {

dnnl::engine &engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream &stream() {
  static dnnl::stream s(engine());
  return s;
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo &info) {
  omp_set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

// Large tensors are malloc'd above glibc's mmap threshold, so every one is a fresh mapping whose
// pages fault in on first write and are unmapped on free. Keeping them on the heap lets freed
// buffers be reused: far fewer page faults per training step.
static Napi::Value KeepLargeAllocations(const Napi::CallbackInfo &info) {
  const bool ok = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  return Napi::Boolean::New(info.Env(), ok);
}

// Inference holds a few volume-sized arrays for a whole case: above `threshold` bytes they are
// mapped again and unmapped on free, and the heap's free pages go back to the system, so peak RSS
// follows the live data rather than every buffer the case ever freed.
static Napi::Value ReleaseLargeAllocations(const Napi::CallbackInfo &info) {
  const int threshold = info[0].As<Napi::Number>().Int32Value();
  const bool ok = mallopt(M_MMAP_MAX, 65536) == 1 && mallopt(M_MMAP_THRESHOLD, threshold) == 1 &&
                  mallopt(M_TRIM_THRESHOLD, threshold) == 1;
  malloc_trim(0);
  return Napi::Boolean::New(info.Env(), ok);
}

static Napi::Value Version(const Napi::CallbackInfo &info) {
  const dnnl_version_t *v = dnnl_version();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("dnnl", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("isa", static_cast<int>(dnnl_get_effective_cpu_isa()));
  return o;
}

// Wraps a kernel so oneDNN exceptions become JS errors naming the primitive.
template <Napi::Value (*F)(const Napi::CallbackInfo &)>
static Napi::Value Guard(const Napi::CallbackInfo &info) {
  try {
    return F(info);
  } catch (const dnnl::error &e) {
    Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what()).ThrowAsJavaScriptException();
  } catch (const std::exception &e) {
    Napi::Error::New(info.Env(), std::string("kitseg-native: ") + e.what()).ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, Guard<ConvForward>));
  exports.Set("setBf16", Napi::Function::New(env, Guard<SetBf16>));
  exports.Set("convBackwardData", Napi::Function::New(env, Guard<ConvBackwardData>));
  exports.Set("convBackwardWeights", Napi::Function::New(env, Guard<ConvBackwardWeights>));
  exports.Set("matMul", Napi::Function::New(env, Guard<MatMul>));
  exports.Set("adamUpdate", Napi::Function::New(env, Guard<AdamUpdate>));
  exports.Set("binary2", Napi::Function::New(env, Guard<Binary2>));
  exports.Set("reduce3", Napi::Function::New(env, Guard<Reduce3>));
  exports.Set("eltwise", Napi::Function::New(env, Guard<Eltwise>));
  exports.Set("eltwiseBackward", Napi::Function::New(env, Guard<EltwiseBackward>));
  exports.Set("softmax", Napi::Function::New(env, Guard<Softmax>));
  exports.Set("slice", Napi::Function::New(env, Guard<Slice>));
  exports.Set("concat", Napi::Function::New(env, Guard<Concat>));
  exports.Set("maxPool3d", Napi::Function::New(env, Guard<MaxPool3d>));
  exports.Set("maxPool3dGrad", Napi::Function::New(env, Guard<MaxPool3dGrad>));
  exports.Set("transpose", Napi::Function::New(env, Guard<Transpose>));
  exports.Set("binary", Napi::Function::New(env, Guard<Binary>));
  exports.Set("reduce", Napi::Function::New(env, Guard<Reduce>));
  exports.Set("instanceNormForward", Napi::Function::New(env, Guard<InstanceNormForward>));
  exports.Set("instanceNormBackward", Napi::Function::New(env, Guard<InstanceNormBackward>));
  exports.Set("segStats", Napi::Function::New(env, Guard<SegStats>));
  exports.Set("segStatsGrad", Napi::Function::New(env, Guard<SegStatsGrad>));
  exports.Set("softmaxGrad", Napi::Function::New(env, Guard<SoftmaxGrad>));
  exports.Set("prelu", Napi::Function::New(env, Guard<Prelu>));
  exports.Set("preluGrad", Napi::Function::New(env, Guard<PreluGrad>));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("keepLargeAllocations", Napi::Function::New(env, KeepLargeAllocations));
  exports.Set("releaseLargeAllocations", Napi::Function::New(env, ReleaseLargeAllocations));
  return exports;
}

}  // namespace kitseg

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return kitseg::Init(env, exports); }

NODE_API_MODULE(kitseg_native, InitModule)
