/*
 * The Node-API boundary of the tree-level SHA-256 (sha256-level.h). Node-API is ABI-stable, so
 * the addon `npm install` builds under the system Node runs unchanged under the project's Node 22.
 *
 *   hashLevel(tag, input, inOffset, output, outOffset, count[, kernel])
 *     output[outOffset + 32 i ..) = SHA-256(tag || input[inOffset + 64 i .. +64)), i < count
 *   hashBytes(input, inOffset, length, output, outOffset[, kernel])
 *     output[outOffset .. +32) = SHA-256(input[inOffset .. inOffset + length))
 *   kernel   the kernel chosen at load by CPUID: "sha-ni" or "portable"
 *   kernels  every kernel this CPU can run (the optional `kernel` argument picks one; tests)
 *
 * INVARIANT: no argument reaches a kernel unchecked. Buffers must be Uint8Arrays, indices safe
 * non-negative integers, every byte touched inside its buffer, and an output overlapping its
 * input must not start after it (a kernel hashes in place only forwards). Anything else throws a
 * TypeError with a one-line message; nothing here can read or write out of bounds.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdio.h>
#include <string.h>

#include "sha256-level.h"

typedef struct {
  const char *name;
  sha256_level_fn level;
  void (*bytes)(const uint8_t *, size_t, uint8_t *);
} kernel_t;

static const kernel_t PORTABLE = {"portable", sha256_level_portable, sha256_bytes_portable};
#ifdef VERINFER_HAVE_SHANI_KERNEL
static const kernel_t SHANI = {"sha-ni", sha256_level_shani, sha256_bytes_shani};
#endif

/* The kernels this CPU runs, best first; set once in Init. */
static const kernel_t *available[2];
static size_t available_count = 0;

#define MAX_SAFE_INTEGER 9007199254740991.0

static napi_value throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* A Uint8Array (or Buffer) argument: its bytes and length. Returns 0 after throwing. */
static int get_bytes(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) {
    char m[96];
    snprintf(m, sizeof m, "%s must be a Uint8Array", what);
    throw_type_error(env, m);
    return 0;
  }
  napi_typedarray_type type;
  void *p = NULL;
  size_t n = 0;
  if (napi_get_typedarray_info(env, v, &type, &n, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    char m[96];
    snprintf(m, sizeof m, "%s must be a Uint8Array, not another typed array", what);
    throw_type_error(env, m);
    return 0;
  }
  *data = p; /* NULL for an empty or detached buffer: then its length is 0 and no range fits */
  *length = n;
  return 1;
}

/* A safe non-negative integer argument. Returns 0 after throwing. */
static int get_index(napi_env env, napi_value v, const char *what, double max, uint64_t *out) {
  napi_valuetype t;
  double d = -1;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok ||
      !(d >= 0 && d <= max) || d != (double)(uint64_t)d) {
    char m[128];
    snprintf(m, sizeof m, "%s must be an integer in 0..%.0f", what, max);
    throw_type_error(env, m);
    return 0;
  }
  *out = (uint64_t)d;
  return 1;
}

/* The optional kernel-name argument (undefined: the best kernel). Returns NULL after throwing. */
static const kernel_t *get_kernel(napi_env env, size_t argc, napi_value *argv, size_t at) {
  if (argc <= at) return available[0];
  napi_valuetype t;
  napi_typeof(env, argv[at], &t);
  if (t == napi_undefined) return available[0];
  char name[32];
  size_t len = 0;
  if (t != napi_string || napi_get_value_string_utf8(env, argv[at], name, sizeof name, &len) != napi_ok) {
    throw_type_error(env, "kernel must be a kernel name string");
    return NULL;
  }
  for (size_t i = 0; i < available_count; i++) {
    if (strcmp(name, available[i]->name) == 0) return available[i];
  }
  char m[96];
  snprintf(m, sizeof m, "kernel \"%s\" is not available on this CPU", name);
  throw_type_error(env, m);
  return NULL;
}

/* Checks that [offset, offset + bytes) lies inside a buffer of `length` bytes. */
static int in_range(uint64_t offset, uint64_t bytes, size_t length) {
  return offset <= length && bytes <= length - offset;
}

static napi_value HashLevel(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 6) return throw_type_error(env, "hashLevel(tag, input, inOffset, output, outOffset, count[, kernel]) takes 6 or 7 arguments");
  uint64_t tag, in_off, out_off, count;
  uint8_t *in, *out;
  size_t in_len, out_len;
  if (!get_index(env, argv[0], "tag", 255, &tag)) return NULL;
  if (!get_bytes(env, argv[1], "input", &in, &in_len)) return NULL;
  if (!get_index(env, argv[2], "inOffset", MAX_SAFE_INTEGER, &in_off)) return NULL;
  if (!get_bytes(env, argv[3], "output", &out, &out_len)) return NULL;
  if (!get_index(env, argv[4], "outOffset", MAX_SAFE_INTEGER, &out_off)) return NULL;
  if (!get_index(env, argv[5], "count", MAX_SAFE_INTEGER, &count)) return NULL;
  const kernel_t *k = get_kernel(env, argc, argv, 6);
  if (k == NULL) return NULL;
  if (count == 0) return NULL;
  /* count <= 2^53 and 64 * 2^53 < 2^64: the products cannot wrap. */
  if (!in_range(in_off, 64 * count, in_len)) {
    char m[160];
    snprintf(m, sizeof m, "input of %zu bytes holds no %llu pairs at offset %llu", in_len, (unsigned long long)count, (unsigned long long)in_off);
    return throw_type_error(env, m);
  }
  if (!in_range(out_off, 32 * count, out_len)) {
    char m[160];
    snprintf(m, sizeof m, "output of %zu bytes holds no %llu digests at offset %llu", out_len, (unsigned long long)count, (unsigned long long)out_off);
    return throw_type_error(env, m);
  }
  const uint8_t *src = in + in_off;
  uint8_t *dst = out + out_off;
  if (dst > src && dst < src + 64 * count) return throw_type_error(env, "output overlaps the input and starts after it");
  k->level((uint8_t)tag, src, dst, (size_t)count);
  return NULL;
}

static napi_value HashBytes(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 5) return throw_type_error(env, "hashBytes(input, inOffset, length, output, outOffset[, kernel]) takes 5 or 6 arguments");
  uint64_t in_off, len, out_off;
  uint8_t *in, *out;
  size_t in_len, out_len;
  if (!get_bytes(env, argv[0], "input", &in, &in_len)) return NULL;
  if (!get_index(env, argv[1], "inOffset", MAX_SAFE_INTEGER, &in_off)) return NULL;
  if (!get_index(env, argv[2], "length", MAX_SAFE_INTEGER, &len)) return NULL;
  if (!get_bytes(env, argv[3], "output", &out, &out_len)) return NULL;
  if (!get_index(env, argv[4], "outOffset", MAX_SAFE_INTEGER, &out_off)) return NULL;
  const kernel_t *k = get_kernel(env, argc, argv, 5);
  if (k == NULL) return NULL;
  if (!in_range(in_off, len, in_len)) {
    char m[160];
    snprintf(m, sizeof m, "input of %zu bytes holds no %llu bytes at offset %llu", in_len, (unsigned long long)len, (unsigned long long)in_off);
    return throw_type_error(env, m);
  }
  if (!in_range(out_off, 32, out_len)) {
    char m[128];
    snprintf(m, sizeof m, "output of %zu bytes holds no digest at offset %llu", out_len, (unsigned long long)out_off);
    return throw_type_error(env, m);
  }
  /* The digest is computed whole before it is stored, so any overlap is harmless. */
  uint8_t digest[32];
  k->bytes(len == 0 ? (const uint8_t *)"" : in + in_off, (size_t)len, digest);
  memcpy(out + out_off, digest, 32);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  sha256_init_tables();
#ifdef VERINFER_HAVE_SHANI_KERNEL
  if (sha256_cpu_has_shani()) available[available_count++] = &SHANI;
#endif
  available[available_count++] = &PORTABLE;

  napi_value kernel, kernels, fn;
  napi_create_string_utf8(env, available[0]->name, NAPI_AUTO_LENGTH, &kernel);
  napi_create_array_with_length(env, available_count, &kernels);
  for (size_t i = 0; i < available_count; i++) {
    napi_value name;
    napi_create_string_utf8(env, available[i]->name, NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, kernels, (uint32_t)i, name);
  }
  napi_set_named_property(env, exports, "kernel", kernel);
  napi_set_named_property(env, exports, "kernels", kernels);
  napi_create_function(env, "hashLevel", NAPI_AUTO_LENGTH, HashLevel, NULL, &fn);
  napi_set_named_property(env, exports, "hashLevel", fn);
  napi_create_function(env, "hashBytes", NAPI_AUTO_LENGTH, HashBytes, NULL, &fn);
  napi_set_named_property(env, exports, "hashBytes", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
