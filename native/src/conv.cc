// 2D/3D convolution forward, backward-data and backward-weights on channels-last (tfjs) buffers.
// Primitives and their layout reorders are cached by shape; user buffers are used in place.
#include <memory>
#include <unordered_map>

#include "common.h"

namespace kitseg {
using dnnl::algorithm;
using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

struct ConvGeom {
  memory::dims src, wei, dst, strides, dil, padL, padR;  // logical oneDNN dims (N C [D] H W; O I [KD] KH KW)
  int spatial;
};

// Channels-last shapes from JS → logical dims; tfjs dilation 1 means oneDNN dilation 0.
ConvGeom geom(const Napi::CallbackInfo &info, int xi, int wi, int yi, int si) {
  memory::dims xs = dimsArg(info[xi]), ws = dimsArg(info[wi]), ys = dimsArg(info[yi]);
  ConvGeom g;
  g.spatial = static_cast<int>(xs.size()) - 2;
  auto nc = [&](const memory::dims &s) {
    memory::dims d{s[0], s.back()};
    for (int i = 1; i <= g.spatial; i++) d.push_back(s[i]);
    return d;
  };
  g.src = nc(xs);
  g.dst = nc(ys);
  g.wei = {ws[g.spatial + 1], ws[g.spatial]};
  for (int i = 0; i < g.spatial; i++) g.wei.push_back(ws[i]);
  g.strides = dimsArg(info[si]);
  g.dil = dimsArg(info[si + 1]);
  for (auto &d : g.dil) d -= 1;
  g.padL = dimsArg(info[si + 2]);
  g.padR = dimsArg(info[si + 3]);
  return g;
}

tag actTag(int spatial) { return spatial == 3 ? tag::ndhwc : tag::nhwc; }
tag weiTag(int spatial) { return spatial == 3 ? tag::dhwio : tag::hwio; }

// bf16 mixed precision: convolution inputs (activations, weights, incoming gradients) are read
// as bf16, products accumulate and results are written in f32, as PyTorch's CPU autocast does.
bool g_bf16 = false;

// The data type of a convolution *input*; outputs always stay f32.
dt inT() { return g_bf16 ? dt::bf16 : dt::f32; }

memory::desc anyMd(const memory::dims &d, dt t = dt::f32) { return memory::desc(d, t, tag::any); }

// Activations in the user's channels-last layout: oneDNN's AVX-512 kernels run on it directly,
// which saves two full reorders per call; weights (small) still take the preferred blocked format.
memory::desc actMd(const memory::dims &d, int spatial, dt t = dt::f32) {
  return memory::desc(d, t, spatial == 3 ? tag::ndhwc : tag::nhwc);
}

dnnl::convolution_forward::primitive_desc forwardPd(const ConvGeom &g, bool bias, const dnnl::primitive_attr &attr) {
  const dt t = inT();
  auto d = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algorithm::convolution_direct,
                                                  actMd(g.src, g.spatial, t), anyMd(g.wei, t), memory::desc({g.dst[1]}, dt::f32, tag::x),
                                                  actMd(g.dst, g.spatial), g.strides, g.dil, g.padL, g.padR)
                : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algorithm::convolution_direct,
                                                  actMd(g.src, g.spatial, t), anyMd(g.wei, t), actMd(g.dst, g.spatial), g.strides,
                                                  g.dil, g.padL, g.padR);
  return dnnl::convolution_forward::primitive_desc(d, attr, engine());
}

// The cache key's precision part.
std::string prec() { return g_bf16 ? "_bf16" : ""; }

struct Fwd {
  dnnl::convolution_forward prim;
  Staged src, wei, dst;
  memory::desc biasMd;
};

struct BwdData {
  dnnl::convolution_backward_data prim;
  Staged diffDst, wei, diffSrc;
};

struct BwdWeights {
  dnnl::convolution_backward_weights prim;
  Staged src, diffDst, diffWei;
};

template <class T>
std::unordered_map<std::string, std::unique_ptr<T>> &cache() {
  static std::unordered_map<std::string, std::unique_ptr<T>> c;
  return c;
}

}  // namespace

// setBf16(on): later convolutions read their inputs as bf16 (AVX512_BF16 CPUs; checked in JS).
Napi::Value SetBf16(const Napi::CallbackInfo &info) {
  g_bf16 = info[0].As<Napi::Boolean>().Value();
  return info.Env().Undefined();
}

// convForward(x, xShape, w, wShape, bias|null, y, yShape, strides, dilations, padL, padR, act, alpha)
// act: 0 none, 1 relu, 2 leaky relu (alpha), 3 elu, 4 relu6.
Napi::Value ConvForward(const Napi::CallbackInfo &info) {
  ConvGeom g = geom(info, 1, 3, 6, 7);
  bool hasBias = !info[4].IsNull() && !info[4].IsUndefined();
  int act = info[11].As<Napi::Number>().Int32Value();
  float alpha = info[12].As<Napi::Number>().FloatValue();
  std::string k = key({g.src, g.wei, g.dst, g.strides, g.dil, g.padL, g.padR},
                      "f" + std::to_string(hasBias) + "a" + std::to_string(act) + "_" + std::to_string(alpha) + prec());
  auto &c = cache<Fwd>();
  auto it = c.find(k);
  if (it == c.end()) {
    dnnl::primitive_attr attr;
    if (act != 0) {
      dnnl::post_ops po;
      if (act == 1) po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      if (act == 2) po.append_eltwise(1.f, algorithm::eltwise_relu, alpha, 0.f);
      if (act == 3) po.append_eltwise(1.f, algorithm::eltwise_elu, 1.f, 0.f);
      if (act == 4) po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
      attr.set_post_ops(po);
    }
    auto pd = forwardPd(g, hasBias, attr);
    auto e = std::make_unique<Fwd>();
    e->prim = dnnl::convolution_forward(pd);
    e->src = Staged(memory::desc(g.src, dt::f32, actTag(g.spatial)), pd.src_desc(), true, false);
    e->wei = Staged(memory::desc(g.wei, dt::f32, weiTag(g.spatial)), pd.weights_desc(), true, false);
    e->dst = Staged(memory::desc(g.dst, dt::f32, actTag(g.spatial)), pd.dst_desc(), false, true);
    e->biasMd = memory::desc({g.dst[1]}, dt::f32, tag::x);
    it = c.emplace(k, std::move(e)).first;
  }
  Fwd &e = *it->second;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.src.in(f32Arg(info[0]))},
                                       {DNNL_ARG_WEIGHTS, e.wei.in(f32Arg(info[2]))},
                                       {DNNL_ARG_DST, e.dst.target(f32Arg(info[5]))}};
  if (hasBias) args.emplace(DNNL_ARG_BIAS, memory(e.biasMd, engine(), f32Arg(info[4])));
  e.prim.execute(stream(), args);
  e.dst.out(f32Arg(info[5]));
  stream().wait();
  return info.Env().Undefined();
}

// convBackwardData(dy, dyShape, w, wShape, dx, dxShape, strides, dilations, padL, padR)
Napi::Value ConvBackwardData(const Napi::CallbackInfo &info) {
  // geom() reads (x, w, y) shapes: here x = dx (index 5), y = dy (index 1).
  ConvGeom g = geom(info, 5, 3, 1, 6);
  std::string k = key({g.src, g.wei, g.dst, g.strides, g.dil, g.padL, g.padR}, "bd" + prec());
  auto &c = cache<BwdData>();
  auto it = c.find(k);
  if (it == c.end()) {
    auto hint = forwardPd(g, false, dnnl::primitive_attr());
    auto d = dnnl::convolution_backward_data::desc(algorithm::convolution_direct, actMd(g.src, g.spatial),
                                                   anyMd(g.wei, inT()), actMd(g.dst, g.spatial, inT()), g.strides,
                                                   g.dil, g.padL, g.padR);
    dnnl::convolution_backward_data::primitive_desc pd(d, engine(), hint);
    auto e = std::make_unique<BwdData>();
    e->prim = dnnl::convolution_backward_data(pd);
    e->diffDst = Staged(memory::desc(g.dst, dt::f32, actTag(g.spatial)), pd.diff_dst_desc(), true, false);
    e->wei = Staged(memory::desc(g.wei, dt::f32, weiTag(g.spatial)), pd.weights_desc(), true, false);
    e->diffSrc = Staged(memory::desc(g.src, dt::f32, actTag(g.spatial)), pd.diff_src_desc(), false, true);
    it = c.emplace(k, std::move(e)).first;
  }
  BwdData &e = *it->second;
  e.prim.execute(stream(), {{DNNL_ARG_DIFF_DST, e.diffDst.in(f32Arg(info[0]))},
                            {DNNL_ARG_WEIGHTS, e.wei.in(f32Arg(info[2]))},
                            {DNNL_ARG_DIFF_SRC, e.diffSrc.target(f32Arg(info[4]))}});
  e.diffSrc.out(f32Arg(info[4]));
  stream().wait();
  return info.Env().Undefined();
}

// convBackwardWeights(x, xShape, dy, dyShape, dw, dwShape, strides, dilations, padL, padR, db|null)
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo &info) {
  ConvGeom g = geom(info, 1, 5, 3, 6);
  const bool hasBias = info.Length() > 10 && !info[10].IsNull() && !info[10].IsUndefined();
  std::string k = key({g.src, g.wei, g.dst, g.strides, g.dil, g.padL, g.padR}, (hasBias ? "bwb" : "bw") + prec());
  auto &c = cache<BwdWeights>();
  auto it = c.find(k);
  if (it == c.end()) {
    auto hint = forwardPd(g, hasBias, dnnl::primitive_attr());
    const dt t = inT();
    auto d = hasBias ? dnnl::convolution_backward_weights::desc(
                           algorithm::convolution_direct, actMd(g.src, g.spatial, t), anyMd(g.wei),
                           memory::desc({g.dst[1]}, dt::f32, tag::x), actMd(g.dst, g.spatial, t), g.strides, g.dil,
                           g.padL, g.padR)
                     : dnnl::convolution_backward_weights::desc(algorithm::convolution_direct,
                                                                actMd(g.src, g.spatial, t), anyMd(g.wei),
                                                                actMd(g.dst, g.spatial, t), g.strides, g.dil, g.padL,
                                                                g.padR);
    dnnl::convolution_backward_weights::primitive_desc pd(d, engine(), hint);
    auto e = std::make_unique<BwdWeights>();
    e->prim = dnnl::convolution_backward_weights(pd);
    e->src = Staged(memory::desc(g.src, dt::f32, actTag(g.spatial)), pd.src_desc(), true, false);
    e->diffDst = Staged(memory::desc(g.dst, dt::f32, actTag(g.spatial)), pd.diff_dst_desc(), true, false);
    e->diffWei = Staged(memory::desc(g.wei, dt::f32, weiTag(g.spatial)), pd.diff_weights_desc(), false, true);
    it = c.emplace(k, std::move(e)).first;
  }
  BwdWeights &e = *it->second;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.src.in(f32Arg(info[0]))},
                                       {DNNL_ARG_DIFF_DST, e.diffDst.in(f32Arg(info[2]))},
                                       {DNNL_ARG_DIFF_WEIGHTS, e.diffWei.target(f32Arg(info[4]))}};
  if (hasBias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(memory::desc({g.dst[1]}, dt::f32, tag::x), engine(), f32Arg(info[10])));
  e.prim.execute(stream(), args);
  e.diffWei.out(f32Arg(info[4]));
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace kitseg
