// Shape and pooling kernels: Slice (reorder of a sub-memory), Concat, 3D max pooling forward and
// backward (oneDNN pooling on the channels-last layout itself, no reorders).
#include <memory>
#include <unordered_map>

#include "common.h"

namespace kitseg {
using memory = dnnl::memory;
using dt = memory::data_type;
using dnnl::algorithm;

namespace {

// Channels-last [N, D, H, W, C] → logical N C D H W with the ndhwc tag.
memory::desc ndhwc(const memory::dims &s) {
  return memory::desc({s[0], s[4], s[1], s[2], s[3]}, dt::f32, memory::format_tag::ndhwc);
}
}  // namespace

// slice(x, shape, begin, size, y)
Napi::Value Slice(const Napi::CallbackInfo &info) {
  memory::dims shape = dimsArg(info[1]), begin = dimsArg(info[2]), size = dimsArg(info[3]);
  static std::unordered_map<std::string, std::unique_ptr<dnnl::reorder>> cache;
  memory::desc src = plainMd(shape).submemory_desc(size, begin), dst = plainMd(size);
  std::string k = key({shape, begin, size}, "sl");
  auto it = cache.find(k);
  if (it == cache.end()) {
    it = cache.emplace(k, std::make_unique<dnnl::reorder>(dnnl::reorder::primitive_desc(engine(), src, engine(), dst))).first;
  }
  memory sm(src, engine(), f32Arg(info[0])), dm(dst, engine(), f32Arg(info[4]));
  it->second->execute(stream(), sm, dm);
  stream().wait();
  return info.Env().Undefined();
}

// concat(inputs[], shapes[], axis, y, outShape)
Napi::Value Concat(const Napi::CallbackInfo &info) {
  Napi::Array xs = info[0].As<Napi::Array>(), shapes = info[1].As<Napi::Array>();
  const int axis = info[2].As<Napi::Number>().Int32Value();
  memory::dims outShape = dimsArg(info[4]);
  std::vector<memory::desc> mds;
  std::vector<memory::dims> keyParts{outShape};
  for (uint32_t i = 0; i < shapes.Length(); i++) {
    memory::dims s = dimsArg(shapes.Get(i));
    mds.push_back(plainMd(s));
    keyParts.push_back(s);
  }
  static std::unordered_map<std::string, std::unique_ptr<dnnl::concat>> cache;
  std::string k = key(keyParts, "cc" + std::to_string(axis));
  auto it = cache.find(k);
  if (it == cache.end()) {
    dnnl::concat::primitive_desc pd(plainMd(outShape), axis, mds, engine());
    it = cache.emplace(k, std::make_unique<dnnl::concat>(pd)).first;
  }
  std::unordered_map<int, memory> args{{DNNL_ARG_DST, memory(plainMd(outShape), engine(), f32Arg(info[3]))}};
  for (uint32_t i = 0; i < xs.Length(); i++) args.emplace(DNNL_ARG_MULTIPLE_SRC + i, memory(mds[i], engine(), f32Arg(xs.Get(i))));
  it->second->execute(stream(), args);
  stream().wait();
  return info.Env().Undefined();
}

namespace {
struct Pool {
  dnnl::pooling_forward::primitive_desc fpd;
  dnnl::pooling_forward fwd;
  dnnl::pooling_backward bwd;
  memory workspace;
  bool hasBwd = false;
};

Pool &pool(const memory::dims &xs, const memory::dims &ys, const memory::dims &k, const memory::dims &s,
           const memory::dims &pl, const memory::dims &pr) {
  static std::unordered_map<std::string, std::unique_ptr<Pool>> cache;
  std::string key_ = key({xs, ys, k, s, pl, pr}, "mp");
  auto it = cache.find(key_);
  if (it == cache.end()) {
    auto p = std::make_unique<Pool>();
    dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_training, algorithm::pooling_max, ndhwc(xs), ndhwc(ys), s, k,
                                  pl, pr);
    p->fpd = dnnl::pooling_forward::primitive_desc(d, engine());
    p->fwd = dnnl::pooling_forward(p->fpd);
    p->workspace = memory(p->fpd.workspace_desc(), engine());
    it = cache.emplace(key_, std::move(p)).first;
  }
  return *it->second;
}
}  // namespace

// maxPool3d(x, xShape, y, yShape, kernel, strides, padL, padR)
Napi::Value MaxPool3d(const Napi::CallbackInfo &info) {
  memory::dims xs = dimsArg(info[1]), ys = dimsArg(info[3]);
  Pool &p = pool(xs, ys, dimsArg(info[4]), dimsArg(info[5]), dimsArg(info[6]), dimsArg(info[7]));
  p.fwd.execute(stream(), {{DNNL_ARG_SRC, memory(ndhwc(xs), engine(), f32Arg(info[0]))},
                           {DNNL_ARG_DST, memory(ndhwc(ys), engine(), f32Arg(info[2]))},
                           {DNNL_ARG_WORKSPACE, p.workspace}});
  stream().wait();
  return info.Env().Undefined();
}

// maxPool3dGrad(x, xShape, dy, yShape, dx, kernel, strides, padL, padR): recomputes the forward
// pass for its argmax workspace, then scatters dy.
Napi::Value MaxPool3dGrad(const Napi::CallbackInfo &info) {
  memory::dims xs = dimsArg(info[1]), ys = dimsArg(info[3]), k = dimsArg(info[5]), s = dimsArg(info[6]),
               pl = dimsArg(info[7]), pr = dimsArg(info[8]);
  Pool &p = pool(xs, ys, k, s, pl, pr);
  if (!p.hasBwd) {
    dnnl::pooling_backward::desc d(algorithm::pooling_max, ndhwc(xs), ndhwc(ys), s, k, pl, pr);
    p.bwd = dnnl::pooling_backward(dnnl::pooling_backward::primitive_desc(d, engine(), p.fpd));
    p.hasBwd = true;
  }
  std::vector<float> y(ys[0] * ys[1] * ys[2] * ys[3] * ys[4]);
  p.fwd.execute(stream(), {{DNNL_ARG_SRC, memory(ndhwc(xs), engine(), f32Arg(info[0]))},
                           {DNNL_ARG_DST, memory(ndhwc(ys), engine(), y.data())},
                           {DNNL_ARG_WORKSPACE, p.workspace}});
  p.bwd.execute(stream(), {{DNNL_ARG_DIFF_DST, memory(ndhwc(ys), engine(), f32Arg(info[2]))},
                           {DNNL_ARG_DIFF_SRC, memory(ndhwc(xs), engine(), f32Arg(info[4]))},
                           {DNNL_ARG_WORKSPACE, p.workspace}});
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace kitseg
