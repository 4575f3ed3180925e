/*
 * The portable kernel: plain C SHA-256, the fallback where the CPU has no SHA extensions (and
 * the twin the SHA-NI kernel is tested against). Also owns the shared tables.
 */
#include <string.h>

#include "sha256-level.h"

const uint32_t sha256_k[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

const uint32_t sha256_iv[8] = {
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

uint32_t sha256_second_kw[256][64];

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define S0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define S1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define SIG0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define SIG1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

static void fill_second_kw(void) {
  uint32_t w[64];
  for (int b = 0; b < 256; b++) {
    memset(w, 0, sizeof w);
    w[0] = ((uint32_t)b << 24) | 0x800000u;
    w[15] = 65 * 8;
    for (int t = 16; t < 64; t++) w[t] = w[t - 16] + S0(w[t - 15]) + w[t - 7] + S1(w[t - 2]);
    for (int t = 0; t < 64; t++) sha256_second_kw[b][t] = sha256_k[t] + w[t];
  }
}

static void init_tables_once(void) {
  fill_second_kw();
  sha256_init_zero_subtrees(); /* hashes with the portable kernel, so after the table */
}

/* Once per process, even when several worker threads load the addon at the same time. */
#if defined(_WIN32)
void sha256_init_tables(void) {
  static volatile long done = 0;
  if (!done) {
    init_tables_once();
    done = 1;
  }
}
#else
#include <pthread.h>
void sha256_init_tables(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, init_tables_once);
}
#endif

static inline uint32_t load_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* 64 rounds over kw[t] = K[t] + W[t]; state += the result. */
static void rounds(uint32_t state[8], const uint32_t kw[64]) {
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  /* Fully unrolled, the role rotation (h = g, g = f, ...) becomes register renaming. */
#pragma GCC unroll 64
  for (int t = 0; t < 64; t++) {
    uint32_t t1 = h + SIG1(e) + CH(e, f, g) + kw[t];
    uint32_t t2 = SIG0(a) + MAJ(a, b, c);
    h = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  state[0] += a; state[1] += b; state[2] += c; state[3] += d;
  state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

/* One block of 16 big-endian words. */
static void compress_words(uint32_t state[8], uint32_t w[64]) {
#pragma GCC unroll 48
  for (int t = 16; t < 64; t++) w[t] = w[t - 16] + S0(w[t - 15]) + w[t - 7] + S1(w[t - 2]);
  for (int t = 0; t < 64; t++) w[t] += sha256_k[t];
  rounds(state, w);
}

void sha256_level_portable(uint8_t tag, const uint8_t *in, uint8_t *out, size_t n) {
  uint32_t w[64];
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = in + 64 * i;
    /* Block 1: tag || p[0..63). */
    w[0] = ((uint32_t)tag << 24) | ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | (uint32_t)p[2];
    for (int j = 1; j < 16; j++) w[j] = load_be32(p + 4 * j - 1);
    const uint8_t last = p[63]; /* read before the digest may overwrite it (in place) */
    uint32_t state[8];
    memcpy(state, sha256_iv, sizeof state);
    compress_words(state, w);
    /* Block 2: tabulated by its first byte. */
    rounds(state, sha256_second_kw[last]);
    for (int j = 0; j < 8; j++) store_be32(out + 32 * i + 4 * j, state[j]);
  }
}

void sha256_bytes_portable(const uint8_t *msg, size_t len, uint8_t out[32]) {
  uint32_t state[8], w[64];
  uint8_t block[64];
  memcpy(state, sha256_iv, sizeof state);
  size_t done = 0;
  for (; len - done >= 64; done += 64) {
    for (int j = 0; j < 16; j++) w[j] = load_be32(msg + done + 4 * j);
    compress_words(state, w);
  }
  /* The tail, 0x80, zeros and the u64 bit length: one or two more blocks. */
  const size_t rest = len - done;
  memset(block, 0, sizeof block);
  memcpy(block, msg + done, rest);
  block[rest] = 0x80;
  if (rest >= 56) {
    for (int j = 0; j < 16; j++) w[j] = load_be32(block + 4 * j);
    compress_words(state, w);
    memset(block, 0, sizeof block);
  }
  const uint64_t bits = (uint64_t)len * 8;
  for (int j = 0; j < 8; j++) block[56 + j] = (uint8_t)(bits >> (56 - 8 * j));
  for (int j = 0; j < 16; j++) w[j] = load_be32(block + 4 * j);
  compress_words(state, w);
  for (int j = 0; j < 8; j++) store_be32(out + 4 * j, state[j]);
}
