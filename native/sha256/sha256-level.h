/*
 * SHA-256 of the protocol's 65-byte tree-node messages, a whole tree level per call
 * (docs/SPEC.md, sections 1, 3, 7, 8: a node is H(tag || left || right), 32-byte halves).
 *
 * Hand-written because no library hashes this shape in batch: hashtree and as-sha256 hash
 * untagged 64-byte pairs (one compression plus a constant padding block), while a tagged node
 * is 65 bytes, two compressions whose second block varies in its first byte. The JS twin and
 * reference is offchain/engine/commit/sha256-batch.ts; test/engine/sha256-native.test.ts checks
 * every kernel against it and against node:crypto.
 *
 * A node's two blocks: block 1 = tag || pair[0..63), block 2 = pair[63] || 0x80 || 0...0 ||
 * u64 520 (65 * 8 bits). Block 2 is fixed except for its first byte, so its message schedule
 * plus the round constants (K[t] + W[t]) is tabulated once for each of the 256 values of that
 * byte (sha256_second_kw, 64 KiB), and block 2 costs the 64 rounds without any schedule.
 */
#ifndef VERINFER_SHA256_LEVEL_H
#define VERINFER_SHA256_LEVEL_H

#include <stddef.h>
#include <stdint.h>

extern const uint32_t sha256_k[64];
extern const uint32_t sha256_iv[8];
/* sha256_second_kw[b][t] = K[t] + W[t] of the second block whose first byte is b. */
extern uint32_t sha256_second_kw[256][64];

/* Fills sha256_second_kw and the zero subtrees once per process (thread-safe); called by the
 * module's Init before any kernel runs. */
void sha256_init_tables(void);
void sha256_init_zero_subtrees(void);

/*
 * out[32 i .. 32 i + 32) = SHA-256(tag || in[64 i .. 64 i + 64)) for i < n. The output may
 * overlap the input when it starts at or before it: a kernel reads every pair of a group before
 * writing any of the group's digests, and a digest (32 bytes) never outruns its pair (64).
 */
typedef void (*sha256_level_fn)(uint8_t tag, const uint8_t *in, uint8_t *out, size_t n);

void sha256_level_portable(uint8_t tag, const uint8_t *in, uint8_t *out, size_t n);
/* SHA-256 of an arbitrary message, portable C. */
void sha256_bytes_portable(const uint8_t *msg, size_t len, uint8_t out[32]);

/*
 * The tensor tree of docs/SPEC.md section 3 over any level kernel: `len` bytes cut into 32-byte
 * leaves (the last zero-padded), the leaf count padded with zero leaves to W = max(2, 2^ceil(log2
 * n)); nodes over two leaves H(0x00 || l || r), over two nodes H(0x01 || l || r). The twin of
 * merkleRoot in offchain/engine/commit/tensor-commitment.ts (the reference). One call per tensor
 * instead of one per level: for a small tensor the calls cost more than the hashing.
 * Returns 0, or -1 when the tree would exceed depth 32 or its work memory cannot be allocated.
 */
#define SHA256_TREE_MAX_DEPTH 32
int sha256_tensor_root(sha256_level_fn level, const uint8_t *data, size_t len, uint8_t root[32]);

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VERINFER_HAVE_SHANI_KERNEL 1
/* Nonzero when the CPU has the SHA extensions and the SSSE3/SSE4.1 shuffles the kernel uses. */
int sha256_cpu_has_shani(void);
void sha256_level_shani(uint8_t tag, const uint8_t *in, uint8_t *out, size_t n);
void sha256_bytes_shani(const uint8_t *msg, size_t len, uint8_t out[32]);
#endif

#endif
