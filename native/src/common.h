// Shared state of the addon: one CPU engine and stream, helpers to read JS arguments.
#pragma once
#include <napi.h>

#include <dnnl.hpp>
#include <string>
#include <vector>

namespace kitseg {

dnnl::engine &engine();
dnnl::stream &stream();

// Reads a JS array of integers.
inline dnnl::memory::dims dimsArg(const Napi::Value &v) {
  Napi::Array a = v.As<Napi::Array>();
  dnnl::memory::dims d(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) d[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return d;
}

inline float *f32Arg(const Napi::Value &v) {
  return v.As<Napi::Float32Array>().Data();
}

// Row-major (C-order) strides of a shape.
inline dnnl::memory::dims rowMajorStrides(const dnnl::memory::dims &d) {
  dnnl::memory::dims s(d.size());
  int64_t acc = 1;
  for (size_t i = d.size(); i-- > 0;) {
    s[i] = acc;
    acc *= d[i];
  }
  return s;
}

// A plain row-major memory descriptor.
inline dnnl::memory::desc plainMd(const dnnl::memory::dims &d, dnnl::memory::data_type t = dnnl::memory::data_type::f32) {
  return dnnl::memory::desc(d, t, rowMajorStrides(d));
}

inline std::string key(const std::vector<dnnl::memory::dims> &parts, const std::string &tag) {
  std::string k = tag;
  for (const auto &p : parts) {
    k += '|';
    for (auto x : p) k += std::to_string(x) + ',';
  }
  return k;
}

// Memory in a primitive's preferred layout, plus reorders from/to the user's layout when they differ.
struct Staged {
  dnnl::memory::desc user;
  dnnl::memory::desc prim;
  dnnl::memory buffer;  // owned, only when layouts differ
  dnnl::reorder toPrim, toUser;
  bool same = true;

  Staged() = default;
  Staged(const dnnl::memory::desc &u, const dnnl::memory::desc &p, bool needIn, bool needOut)
      : user(u), prim(p), same(u == p) {
    if (same) return;
    buffer = dnnl::memory(p, engine());
    dnnl::memory um(u, engine(), DNNL_MEMORY_NONE);
    if (needIn) toPrim = dnnl::reorder(dnnl::reorder::primitive_desc(engine(), u, engine(), p));
    if (needOut) toUser = dnnl::reorder(dnnl::reorder::primitive_desc(engine(), p, engine(), u));
  }

  // The memory the primitive reads, filled from user data when layouts differ.
  dnnl::memory in(float *data) {
    dnnl::memory um(user, engine(), data);
    if (same) return um;
    toPrim.execute(stream(), um, buffer);
    return buffer;
  }
  // The memory the primitive writes; call `out` afterwards to copy into user data.
  dnnl::memory target(float *data) {
    if (same) return dnnl::memory(user, engine(), data);
    return buffer;
  }
  void out(float *data) {
    if (same) return;
    dnnl::memory um(user, engine(), data);
    toUser.execute(stream(), buffer, um);
  }
};

Napi::Value ConvForward(const Napi::CallbackInfo &info);
Napi::Value SetBf16(const Napi::CallbackInfo &info);
Napi::Value ConvBackwardData(const Napi::CallbackInfo &info);
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo &info);
Napi::Value MatMul(const Napi::CallbackInfo &info);
Napi::Value Transpose(const Napi::CallbackInfo &info);
Napi::Value Binary(const Napi::CallbackInfo &info);
Napi::Value Reduce(const Napi::CallbackInfo &info);
Napi::Value AdamUpdate(const Napi::CallbackInfo &info);
Napi::Value Binary2(const Napi::CallbackInfo &info);
Napi::Value Reduce3(const Napi::CallbackInfo &info);
Napi::Value Eltwise(const Napi::CallbackInfo &info);
Napi::Value EltwiseBackward(const Napi::CallbackInfo &info);
Napi::Value Softmax(const Napi::CallbackInfo &info);
Napi::Value Slice(const Napi::CallbackInfo &info);
Napi::Value Concat(const Napi::CallbackInfo &info);
Napi::Value MaxPool3d(const Napi::CallbackInfo &info);
Napi::Value MaxPool3dGrad(const Napi::CallbackInfo &info);
Napi::Value InstanceNormForward(const Napi::CallbackInfo &info);
Napi::Value InstanceNormBackward(const Napi::CallbackInfo &info);
Napi::Value SegStats(const Napi::CallbackInfo &info);
Napi::Value SegStatsGrad(const Napi::CallbackInfo &info);
Napi::Value SoftmaxGrad(const Napi::CallbackInfo &info);
Napi::Value Prelu(const Napi::CallbackInfo &info);
Napi::Value PreluGrad(const Napi::CallbackInfo &info);

}  // namespace kitseg
