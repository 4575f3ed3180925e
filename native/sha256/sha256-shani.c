/*
 * The SHA-NI kernel (x86 SHA extensions: sha256rnds2, sha256msg1, sha256msg2), compiled with a
 * per-function target attribute so the rest of the addon needs no -msha, and only ever called
 * after sha256_cpu_has_shani() said yes.
 *
 * State layout: SHA-NI keeps the eight working words in two registers, ABEF = (A, B, E, F) and
 * CDGH = (C, D, G, H), highest lane first. Everything here stays in that layout (the IV, the
 * midstate between a node's two blocks) and converts once, when a digest is stored.
 *
 * sha256rnds2 has a latency of several cycles and each two rounds depend on the previous two, so
 * one message leaves the unit mostly idle: the level kernel hashes two independent nodes in
 * lock-step (interleaved instruction streams), which nearly doubles the throughput.
 */
#include "sha256-level.h"

#ifdef VERINFER_HAVE_SHANI_KERNEL

#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

#define SHANI __attribute__((target("sha,sse4.1,ssse3")))

int sha256_cpu_has_shani(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  const int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  const int sha = (b >> 29) & 1; /* CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29] */
  return ssse3 && sse41 && sha;
}

/* Byte-swaps each 32-bit lane: memory's big-endian words <-> the register's native words. */
SHANI static inline __m128i bswap32x4(__m128i x) {
  const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  return _mm_shuffle_epi8(x, mask);
}

/* Four rounds: wk holds K[t..t+3] + W[t..t+3]; sha256rnds2 consumes the low two words, the
 * 0x0E shuffle moves the high two down for the second call. */
#define ROUNDS4(abef, cdgh, wk)                                  \
  do {                                                           \
    const __m128i wk_ = (wk);                                    \
    (cdgh) = _mm_sha256rnds2_epu32((cdgh), (abef), wk_);         \
    (abef) = _mm_sha256rnds2_epu32((abef), (cdgh), _mm_shuffle_epi32(wk_, 0x0E)); \
  } while (0)

/* Next four schedule words from the last sixteen (w0 oldest .. w3 newest):
 * W[t..t+3] = sigma1-part(msg2) of (W[t-16..] + sigma0(W[t-15..]) (msg1) + W[t-7..t-4]). */
#define SCHEDULE(w0, w1, w2, w3) \
  _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((w0), (w1)), _mm_alignr_epi8((w3), (w2), 4)), (w3))

#define KV(t) _mm_loadu_si128((const __m128i *)&sha256_k[t])

/* The IV in ABEF / CDGH order (lane 3 first). */
SHANI static inline void iv_state(__m128i *abef, __m128i *cdgh) {
  *abef = _mm_set_epi32((int)sha256_iv[0], (int)sha256_iv[1], (int)sha256_iv[4], (int)sha256_iv[5]);
  *cdgh = _mm_set_epi32((int)sha256_iv[2], (int)sha256_iv[3], (int)sha256_iv[6], (int)sha256_iv[7]);
}

/* Stores the state as the 32-byte big-endian digest A..H. */
SHANI static inline void store_digest(uint8_t *out, __m128i abef, __m128i cdgh) {
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);  /* lanes (F, E, B, A) high to low */
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);  /* lanes (D, C, H, G) */
  const __m128i dcba = _mm_blend_epi16(feba, dchg, 0xF0); /* (D, C, B, A): A in the low lane */
  const __m128i hgfe = _mm_alignr_epi8(dchg, feba, 8);    /* (H, G, F, E) */
  _mm_storeu_si128((__m128i *)out, bswap32x4(dcba));
  _mm_storeu_si128((__m128i *)(out + 16), bswap32x4(hgfe));
}

/* The 64 rounds of a block whose native-order words are m0..m3, schedule computed in place. */
#define BLOCK_ROUNDS(abef, cdgh, m0, m1, m2, m3)                   \
  do {                                                             \
    ROUNDS4(abef, cdgh, _mm_add_epi32(m0, KV(0)));                 \
    ROUNDS4(abef, cdgh, _mm_add_epi32(m1, KV(4)));                 \
    ROUNDS4(abef, cdgh, _mm_add_epi32(m2, KV(8)));                 \
    ROUNDS4(abef, cdgh, _mm_add_epi32(m3, KV(12)));                \
    for (int t_ = 16; t_ < 64; t_ += 16) {                         \
      m0 = SCHEDULE(m0, m1, m2, m3);                               \
      ROUNDS4(abef, cdgh, _mm_add_epi32(m0, KV(t_)));              \
      m1 = SCHEDULE(m1, m2, m3, m0);                               \
      ROUNDS4(abef, cdgh, _mm_add_epi32(m1, KV(t_ + 4)));          \
      m2 = SCHEDULE(m2, m3, m0, m1);                               \
      ROUNDS4(abef, cdgh, _mm_add_epi32(m2, KV(t_ + 8)));          \
      m3 = SCHEDULE(m3, m0, m1, m2);                               \
      ROUNDS4(abef, cdgh, _mm_add_epi32(m3, KV(t_ + 12)));         \
    }                                                              \
  } while (0)

/* The 64 rounds of a node's second block: the tabulated K + W row, no schedule. */
#define TAIL_ROUNDS(abef, cdgh, kw)                                               \
  do {                                                                            \
    for (int t_ = 0; t_ < 64; t_ += 4) ROUNDS4(abef, cdgh, _mm_loadu_si128((const __m128i *)&(kw)[t_])); \
  } while (0)

/*
 * Loads block 1 of a node, tag || p[0..63), as four native-order word vectors, and returns
 * p[63] (the second block's first byte). The 64 loaded bytes shift right by one through
 * palignr, the tag entering at the front: m0 = tag, p[0..14]; m1 = p[15..30]; and so on.
 */
SHANI static inline uint8_t load_first_block(__m128i tagv, const uint8_t *p, __m128i *m0, __m128i *m1, __m128i *m2, __m128i *m3) {
  const __m128i v0 = _mm_loadu_si128((const __m128i *)p);
  const __m128i v1 = _mm_loadu_si128((const __m128i *)(p + 16));
  const __m128i v2 = _mm_loadu_si128((const __m128i *)(p + 32));
  const __m128i v3 = _mm_loadu_si128((const __m128i *)(p + 48));
  *m0 = bswap32x4(_mm_alignr_epi8(v0, tagv, 15)); /* byte 15 of tagv (the tag), then v0[0..14] */
  *m1 = bswap32x4(_mm_alignr_epi8(v1, v0, 15));
  *m2 = bswap32x4(_mm_alignr_epi8(v2, v1, 15));
  *m3 = bswap32x4(_mm_alignr_epi8(v3, v2, 15));
  return (uint8_t)_mm_extract_epi8(v3, 15);
}

SHANI void sha256_level_shani(uint8_t tag, const uint8_t *in, uint8_t *out, size_t n) {
  const __m128i tagv = _mm_slli_si128(_mm_cvtsi32_si128(tag), 15); /* the tag in byte 15 */
  __m128i iv_abef, iv_cdgh;
  iv_state(&iv_abef, &iv_cdgh);
  size_t i = 0;
  /* Two nodes at a time, interleaved: the compiler schedules the independent streams together. */
  for (; i + 2 <= n; i += 2) {
    __m128i a0, a1, a2, a3, b0, b1, b2, b3;
    const uint8_t la = load_first_block(tagv, in + 64 * i, &a0, &a1, &a2, &a3);
    const uint8_t lb = load_first_block(tagv, in + 64 * i + 64, &b0, &b1, &b2, &b3);
    __m128i sa_abef = iv_abef, sa_cdgh = iv_cdgh, sb_abef = iv_abef, sb_cdgh = iv_cdgh;
    ROUNDS4(sa_abef, sa_cdgh, _mm_add_epi32(a0, KV(0)));
    ROUNDS4(sb_abef, sb_cdgh, _mm_add_epi32(b0, KV(0)));
    ROUNDS4(sa_abef, sa_cdgh, _mm_add_epi32(a1, KV(4)));
    ROUNDS4(sb_abef, sb_cdgh, _mm_add_epi32(b1, KV(4)));
    ROUNDS4(sa_abef, sa_cdgh, _mm_add_epi32(a2, KV(8)));
    ROUNDS4(sb_abef, sb_cdgh, _mm_add_epi32(b2, KV(8)));
    ROUNDS4(sa_abef, sa_cdgh, _mm_add_epi32(a3, KV(12)));
    ROUNDS4(sb_abef, sb_cdgh, _mm_add_epi32(b3, KV(12)));
    for (int t = 16; t < 64; t += 16) {
      a0 = SCHEDULE(a0, a1, a2, a3);
      b0 = SCHEDULE(b0, b1, b2, b3);
      ROUNDS4(sa_abef, sa_cdgh, _mm_add_epi32(a0, KV(t)));
      ROUNDS4(sb_abef, sb_cdgh, _mm_add_epi32(b0, KV(t)));
      a1 = SCHEDULE(a1, a2, a3, a0);
      b1 = SCHEDULE(b1, b2, b3, b0);
      ROUNDS4(sa_abef, sa_cdgh, _mm_add_epi32(a1, KV(t + 4)));
      ROUNDS4(sb_abef, sb_cdgh, _mm_add_epi32(b1, KV(t + 4)));
      a2 = SCHEDULE(a2, a3, a0, a1);
      b2 = SCHEDULE(b2, b3, b0, b1);
      ROUNDS4(sa_abef, sa_cdgh, _mm_add_epi32(a2, KV(t + 8)));
      ROUNDS4(sb_abef, sb_cdgh, _mm_add_epi32(b2, KV(t + 8)));
      a3 = SCHEDULE(a3, a0, a1, a2);
      b3 = SCHEDULE(b3, b0, b1, b2);
      ROUNDS4(sa_abef, sa_cdgh, _mm_add_epi32(a3, KV(t + 12)));
      ROUNDS4(sb_abef, sb_cdgh, _mm_add_epi32(b3, KV(t + 12)));
    }
    /* Midstates (block 1 feed-forward), then block 2 from the table, feed-forward again. */
    sa_abef = _mm_add_epi32(sa_abef, iv_abef);
    sa_cdgh = _mm_add_epi32(sa_cdgh, iv_cdgh);
    sb_abef = _mm_add_epi32(sb_abef, iv_abef);
    sb_cdgh = _mm_add_epi32(sb_cdgh, iv_cdgh);
    const __m128i ma_abef = sa_abef, ma_cdgh = sa_cdgh, mb_abef = sb_abef, mb_cdgh = sb_cdgh;
    const uint32_t *kwa = sha256_second_kw[la], *kwb = sha256_second_kw[lb];
    for (int t = 0; t < 64; t += 4) {
      ROUNDS4(sa_abef, sa_cdgh, _mm_loadu_si128((const __m128i *)&kwa[t]));
      ROUNDS4(sb_abef, sb_cdgh, _mm_loadu_si128((const __m128i *)&kwb[t]));
    }
    /* Both pairs were read in full above, so the stores may land on them (in place). */
    store_digest(out + 32 * i, _mm_add_epi32(sa_abef, ma_abef), _mm_add_epi32(sa_cdgh, ma_cdgh));
    store_digest(out + 32 * i + 32, _mm_add_epi32(sb_abef, mb_abef), _mm_add_epi32(sb_cdgh, mb_cdgh));
  }
  /* An odd last node alone. */
  if (i < n) {
    __m128i m0, m1, m2, m3;
    const uint8_t last = load_first_block(tagv, in + 64 * i, &m0, &m1, &m2, &m3);
    __m128i abef = iv_abef, cdgh = iv_cdgh;
    BLOCK_ROUNDS(abef, cdgh, m0, m1, m2, m3);
    abef = _mm_add_epi32(abef, iv_abef);
    cdgh = _mm_add_epi32(cdgh, iv_cdgh);
    const __m128i mid_abef = abef, mid_cdgh = cdgh;
    TAIL_ROUNDS(abef, cdgh, sha256_second_kw[last]);
    store_digest(out + 32 * i, _mm_add_epi32(abef, mid_abef), _mm_add_epi32(cdgh, mid_cdgh));
  }
}

/* One 64-byte block of a general message into the state (feed-forward included). */
SHANI static inline void compress_block(__m128i *abef, __m128i *cdgh, const uint8_t *p) {
  __m128i m0 = bswap32x4(_mm_loadu_si128((const __m128i *)p));
  __m128i m1 = bswap32x4(_mm_loadu_si128((const __m128i *)(p + 16)));
  __m128i m2 = bswap32x4(_mm_loadu_si128((const __m128i *)(p + 32)));
  __m128i m3 = bswap32x4(_mm_loadu_si128((const __m128i *)(p + 48)));
  __m128i s_abef = *abef, s_cdgh = *cdgh;
  BLOCK_ROUNDS(s_abef, s_cdgh, m0, m1, m2, m3);
  *abef = _mm_add_epi32(*abef, s_abef);
  *cdgh = _mm_add_epi32(*cdgh, s_cdgh);
}

SHANI void sha256_bytes_shani(const uint8_t *msg, size_t len, uint8_t out[32]) {
  __m128i abef, cdgh;
  iv_state(&abef, &cdgh);
  size_t done = 0;
  for (; len - done >= 64; done += 64) compress_block(&abef, &cdgh, msg + done);
  /* The tail, 0x80, zeros and the u64 bit length: one or two more blocks. */
  uint8_t block[64];
  const size_t rest = len - done;
  memset(block, 0, sizeof block);
  memcpy(block, msg + done, rest);
  block[rest] = 0x80;
  if (rest >= 56) {
    compress_block(&abef, &cdgh, block);
    memset(block, 0, sizeof block);
  }
  const uint64_t bits = (uint64_t)len * 8;
  for (int j = 0; j < 8; j++) block[56 + j] = (uint8_t)(bits >> (56 - 8 * j));
  compress_block(&abef, &cdgh, block);
  store_digest(out, abef, cdgh);
}

#endif
