{
  "targets": [
    {
      "target_name": "kitseg_native",
      "sources": ["src/addon.cc", "src/conv.cc", "src/matmul.cc", "src/memops.cc", "src/shapeops.cc", "src/fastops.cc", "src/eltwise.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
