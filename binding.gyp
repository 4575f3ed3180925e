{
  "targets": [
    {
      "target_name": "verinfer_sha256",
      "sources": [
        "native/sha256/addon.c",
        "native/sha256/sha256-portable.c",
        "native/sha256/sha256-shani.c",
        "native/sha256/tensor-tree.c"
      ],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "cflags!": ["-O2"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS"]
    }
  ]
}
