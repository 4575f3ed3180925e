/*
 * The Node-API boundary of the tree-level SHA-256 (sha256-level.h). Node-API is ABI-stable, so
 * the addon `npm install` builds under the system Node runs unchanged under the project's Node 22.
 *
 *   hashLevel(tag, input, inOffset, output, outOffset, count[, kernel])
 *     output[outOffset + 32 i ..) = SHA-256(tag || input[inOffset + 64 i .. +64)), i < count
 *   hashBytes(input, inOffset, length, output, outOffset[, kernel])
 *     output[outOffset .. +32) = SHA-256(input[inOffset .. inOffset + length))
 *   tensorRoot(data, output[, kernel])
 *     output[0 .. 32) = the tensor tree root of `data` (docs/SPEC.md section 3), in one call
 *   tensorCommitment(typeWord, data, output[, kernel])
 *     output[0 .. 32) = H(0x02 || typeWord || tensorRoot(data)), the tensor commitment
 *   listCommitment(commitments, output[, kernel])
 *     output[0 .. 32) = H(0x03 || u32 k || c_0 || ... || c_{k-1}) of k "0x"-hex commitments
 *     (docs/SPEC.md section 3, a list commitment), the hex decoded here in the same call
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
  if (count == 0) return NULL;
  const uint8_t *src = in + in_off;
  uint8_t *dst = out + out_off;
  const uintptr_t s = (uintptr_t)src, d = (uintptr_t)dst;
  if (d > s && d < s + 64 * count) return throw_type_error(env, "output overlaps the input and starts after it");
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

/* The tree and commitment calls share everything but the header. */
static napi_value tree_call(napi_env env, napi_callback_info info, int with_header) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  const size_t need = with_header ? 3 : 2;
  if (argc < need) {
    return throw_type_error(env, with_header ? "tensorCommitment(typeWord, data, output[, kernel]) takes 3 or 4 arguments"
                                             : "tensorRoot(data, output[, kernel]) takes 2 or 3 arguments");
  }
  uint8_t *type_word = NULL, *data, *out;
  size_t type_len = 0, data_len, out_len;
  size_t at = 0;
  if (with_header) {
    if (!get_bytes(env, argv[at++], "typeWord", &type_word, &type_len)) return NULL;
    if (type_len != 32) {
      char m[80];
      snprintf(m, sizeof m, "typeWord must be 32 bytes, got %zu", type_len);
      return throw_type_error(env, m);
    }
  }
  if (!get_bytes(env, argv[at++], "data", &data, &data_len)) return NULL;
  if (!get_bytes(env, argv[at++], "output", &out, &out_len)) return NULL;
  if (out_len < 32) {
    char m[80];
    snprintf(m, sizeof m, "output of %zu bytes holds no digest", out_len);
    return throw_type_error(env, m);
  }
  const kernel_t *k = get_kernel(env, argc, argv, at);
  if (k == NULL) return NULL;
  uint8_t pair[64];
  if (sha256_tensor_root(k->level, data_len == 0 ? pair : data, data_len, pair + 32) != 0) {
    char m[120];
    snprintf(m, sizeof m, "a tensor of %zu bytes exceeds tree depth %d (or its work memory)", data_len, SHA256_TREE_MAX_DEPTH);
    return throw_type_error(env, m);
  }
  if (with_header) {
    memcpy(pair, type_word, 32);
    k->level(0x02, pair, out, 1); /* Tag.TENSOR: H(0x02 || typeWord || root) */
  } else {
    memcpy(out, pair + 32, 32);
  }
  return NULL;
}

static napi_value TensorRoot(napi_env env, napi_callback_info info) {
  return tree_call(env, info, 0);
}

static napi_value TensorCommitment(napi_env env, napi_callback_info info) {
  return tree_call(env, info, 1);
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Lists up to this many commitments hash from the stack; longer ones get a heap message. */
#define LIST_STACK_ITEMS 16

static napi_value ListCommitment(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2) return throw_type_error(env, "listCommitment(commitments, output[, kernel]) takes 2 or 3 arguments");
  bool is_array = false;
  uint32_t k = 0;
  if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[0], &k) != napi_ok) {
    return throw_type_error(env, "commitments must be an array of 0x-prefixed 32-byte hex strings");
  }
  uint8_t *out;
  size_t out_len;
  if (!get_bytes(env, argv[1], "output", &out, &out_len)) return NULL;
  if (out_len < 32) {
    char m[80];
    snprintf(m, sizeof m, "output of %zu bytes holds no digest", out_len);
    return throw_type_error(env, m);
  }
  const kernel_t *kern = get_kernel(env, argc, argv, 2);
  if (kern == NULL) return NULL;
  /* k <= 2^32 - 1, so 5 + 32 k fits in 64 bits. */
  const uint64_t length = 5 + 32 * (uint64_t)k;
  if (length > SIZE_MAX) return throw_type_error(env, "commitments: list too long");
  uint8_t stack_message[5 + 32 * LIST_STACK_ITEMS];
  uint8_t *message = k <= LIST_STACK_ITEMS ? stack_message : malloc((size_t)length);
  if (message == NULL) return throw_type_error(env, "commitments: list too long to hash");
  message[0] = 0x03; /* Tag.TENSOR_LIST */
  message[1] = (uint8_t)(k >> 24);
  message[2] = (uint8_t)(k >> 16);
  message[3] = (uint8_t)(k >> 8);
  message[4] = (uint8_t)k;
  for (uint32_t i = 0; i < k; i++) {
    napi_value item;
    /* 66 characters plus the terminator; a longer string is caught by its reported length. */
    char hex[68];
    size_t got = 0;
    int ok = napi_get_element(env, argv[0], i, &item) == napi_ok &&
             napi_get_value_string_latin1(env, item, hex, sizeof hex, &got) == napi_ok && got == 66 && hex[0] == '0' && hex[1] == 'x';
    for (int j = 0; ok && j < 32; j++) {
      const int hi = hex_digit(hex[2 + 2 * j]), lo = hex_digit(hex[3 + 2 * j]);
      if (hi < 0 || lo < 0) ok = 0;
      else message[5 + 32 * (size_t)i + j] = (uint8_t)(hi << 4 | lo);
    }
    if (!ok) {
      if (message != stack_message) free(message);
      /* A pending exception (a throwing getter) stays the one thrown. */
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) return NULL;
      char m[120];
      snprintf(m, sizeof m, "commitments[%u] is not a 0x-prefixed 32-byte hex string", i);
      return throw_type_error(env, m);
    }
  }
  uint8_t digest[32];
  kern->bytes(message, (size_t)length, digest);
  memcpy(out, digest, 32);
  if (message != stack_message) free(message);
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
  napi_create_function(env, "tensorRoot", NAPI_AUTO_LENGTH, TensorRoot, NULL, &fn);
  napi_set_named_property(env, exports, "tensorRoot", fn);
  napi_create_function(env, "tensorCommitment", NAPI_AUTO_LENGTH, TensorCommitment, NULL, &fn);
  napi_set_named_property(env, exports, "tensorCommitment", fn);
  napi_create_function(env, "listCommitment", NAPI_AUTO_LENGTH, ListCommitment, NULL, &fn);
  napi_set_named_property(env, exports, "listCommitment", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
