/*
 * The tensor tree (docs/SPEC.md section 3) over a level kernel; see sha256-level.h. The tags and
 * the zero subtrees are the spec's: Z_0 = 0^32, Z_1 = H(0x00 || Z_0 || Z_0),
 * Z_{k+1} = H(0x01 || Z_k || Z_k), computed once at load with the portable kernel.
 */
#include <stdlib.h>
#include <string.h>

#include "sha256-level.h"

enum { TAG_TENSOR_LEAF = 0x00, TAG_TENSOR_NODE = 0x01 };

/* Work memory up to this size lives on the stack (a tensor of up to 512 KiB of values). */
#define STACK_WORK_BYTES (8 * 1024 + 64)

/* zero[d]: root of a height-d all-zero subtree, filled once at load (sha256_init_tables). */
static uint8_t zero[SHA256_TREE_MAX_DEPTH + 1][32];

void sha256_init_zero_subtrees(void) {
  uint8_t pair[64];
  memset(zero[0], 0, 32);
  for (int d = 1; d <= SHA256_TREE_MAX_DEPTH; d++) {
    memcpy(pair, zero[d - 1], 32);
    memcpy(pair + 32, zero[d - 1], 32);
    sha256_level_portable(d == 1 ? TAG_TENSOR_LEAF : TAG_TENSOR_NODE, pair, zero[d], 1);
  }
}

int sha256_tensor_root(sha256_level_fn level, const uint8_t *data, size_t len, uint8_t root[32]) {
  const size_t leaves = len / 32 + (len % 32 != 0);
  int depth = 1;
  while (depth <= SHA256_TREE_MAX_DEPTH && ((size_t)1 << depth) < leaves) depth++;
  if (depth > SHA256_TREE_MAX_DEPTH) return -1;
  const size_t full = len / 64;                        /* complete leaf pairs */
  const size_t pairs = full + (len % 64 != 0) + (len == 0); /* at least one node */
  /* The leaf level's nodes plus one spare word: an odd level's zero-subtree sibling. */
  const size_t work_bytes = 32 * pairs + 32;
  uint8_t stack_work[STACK_WORK_BYTES];
  uint8_t *work = work_bytes <= sizeof stack_work ? stack_work : malloc(work_bytes);
  if (work == NULL) return -1;
  level(TAG_TENSOR_LEAF, data, work, full);
  if (full < pairs) {
    /* The short last pair, zero-padded (a lone last leaf's sibling is the zero leaf). */
    uint8_t tail[64];
    memset(tail, 0, sizeof tail);
    memcpy(tail, data + 64 * full, len - 64 * full);
    level(TAG_TENSOR_LEAF, tail, work + 32 * full, 1);
  }
  size_t count = pairs;
  for (int d = 1; d < depth; d++) {
    if (count % 2 == 1) memcpy(work + 32 * count, zero[d], 32);
    count = (count + 1) / 2;
    level(TAG_TENSOR_NODE, work, work, count); /* in place: the output starts at the input */
  }
  memcpy(root, work, 32);
  if (work != stack_work) free(work);
  return 0;
}
