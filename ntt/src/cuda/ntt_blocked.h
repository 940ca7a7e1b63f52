// Index math and per-stage work of the two-pass ("four-step" shaped) CUDA NTT, as plain HNN_HD
// functions: the kernels of ntt_cuda.cu are thin wrappers around them, and the CPU test
// tests/ntt/test_ntt_blocked.cpp runs exactly these functions in a block emulator.
//
// A limb of N = 2^log_n words is viewed as R = 2^s1 rows of C = N / R columns: word e = r * C + c.
// - Forward stages log_m < s1 pair words of one column (their gap N >> (log_m + 1) is a multiple
//   of C); stages log_m >= s1 pair words of one row (gap < C). So the forward transform is
//   column pass (stages 0 .. s1-1) then row pass (stages s1 .. log_n-1, reduce_from_4q fused into
//   the store); the inverse is row pass (stages log_n-1 .. s1) then column pass (stages s1-1 .. 1
//   and the last stage, fused with the multiplication by N^{-1}, into the store).
// - A column-pass block holds 2^log_cols consecutive columns (rows of 8 * 2^log_cols contiguous
//   bytes: coalesced loads), a row-pass block 2^log_chunks consecutive rows ("chunks" of C words).
// - Every thread loads and stores kWordsPerThread words and does kButterfliesPerThread
//   butterflies per stage; a block has words / kWordsPerThread threads.
// The arithmetic of every stage is the CPU's (hnn/ntt/butterfly.h; ntt/src/ntt.cpp), pair for
// pair, so the words are bit-identical to the portable CPU NTT: forward values stay in [0, 4q),
// inverse values in [0, 2q), and the last step of each direction makes them canonical.
//
// Shared memory and global memory are passed as templates `S` / `G` (pointers on the device; the
// emulator passes accessors that record every read and write to find races).
// C++17 (nvcc compiles it with the .cu file), no CUDA-only constructs.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hnn/ntt/butterfly.h"
#include "hnn/ntt/ntt.h"
#include "hnn/rns/config.h"
#include "hnn/rns/modarith.h"

namespace hnn::ntt::blocked {

inline constexpr int kWordsPerThread = 8;
inline constexpr int kButterfliesPerThread = kWordsPerThread / 2;
inline constexpr int kLogMaxBlockWords = 12;     // 32 KiB of shared memory, 512 threads
// Above 48 KiB a kernel needs cudaFuncSetAttribute(cudaFuncAttributeMaxDynamicSharedMemorySize)
// before its launch, which the launches do not do.
static_assert((std::size_t{1} << kLogMaxBlockWords) * sizeof(uint64_t) <= 48 * 1024,
              "NTT blocks beyond 48 KiB of shared memory need an opt-in at launch");
inline constexpr int kLogTargetBlockWords = 11;  // 16 KiB, 256 threads
inline constexpr int kLogMinBlockWords = 9;      // 4 KiB, 64 threads (small batches only)
inline constexpr int kLogMinColumns = 3;         // column-pass rows of >= 64 bytes (two sectors)
inline constexpr unsigned kMaxThreads = (1u << kLogMaxBlockWords) / kWordsPerThread;
inline constexpr int kMinLogN = 3;                      // a block holds at least 8 words
inline constexpr int kMaxLogN = 2 * kLogMaxBlockWords;  // rows and chunks fit one block
// Batches smaller than this many blocks per pass get smaller blocks (about two per SM).
inline constexpr std::size_t kMinBlocksPerPass = 256;

struct Shape {
  int log_n = 0;
  int s1 = 0;          // stages in the column pass; R = 2^s1 rows
  int log_cols = 0;    // columns per column-pass block
  int log_chunks = 0;  // rows (chunks of C words) per row-pass block

  HNN_HD int log_c() const { return log_n - s1; }  // C = words per row
  HNN_HD int column_log_words() const { return s1 + log_cols; }
  HNN_HD int row_log_words() const { return log_c() + log_chunks; }
  HNN_HD unsigned column_threads() const { return (1u << column_log_words()) / kWordsPerThread; }
  HNN_HD unsigned row_threads() const { return (1u << row_log_words()) / kWordsPerThread; }
  HNN_HD unsigned column_blocks() const { return 1u << (log_c() - log_cols); }  // per limb
  HNN_HD unsigned row_blocks() const { return 1u << (s1 - log_chunks); }        // per limb
  std::size_t column_shared_bytes() const {
    return (std::size_t{1} << column_log_words()) * sizeof(uint64_t);
  }
  std::size_t row_shared_bytes() const {
    return (std::size_t{1} << row_log_words()) * sizeof(uint64_t);
  }
  // Whether the kernels can run it (blocks of 8 .. 2^kLogMaxBlockWords words).
  bool valid() const {
    const auto block_ok = [](int log_words) {
      return log_words >= 3 && log_words <= kLogMaxBlockWords;
    };
    return s1 >= 1 && s1 < log_n && log_cols >= 0 && log_cols <= log_c() && log_chunks >= 0 &&
           log_chunks <= s1 && block_ok(column_log_words()) && block_ok(row_log_words());
  }
};

inline int min_int(int a, int b) {
  return a < b ? a : b;
}
inline int max_int(int a, int b) {
  return a > b ? a : b;
}

// s1 = log_n / 2; blocks of about 2^kLogTargetBlockWords words, at least 16 columns (128-byte
// rows) where that fits; smaller blocks (down to 2^kLogMinBlockWords words and 8 columns) when the
// batch would otherwise leave SMs idle. Valid for kMinLogN <= log_n <= kMaxLogN.
inline Shape choose_shape(int log_n, std::size_t limbs) {
  Shape s;
  s.log_n = log_n;
  s.s1 = max_int(1, log_n / 2);
  const int log_c = log_n - s.s1;
  s.log_cols = min_int(min_int(log_c, max_int(4, kLogTargetBlockWords - s.s1)),
                       max_int(0, kLogMaxBlockWords - s.s1));
  s.log_chunks = min_int(s.s1, max_int(0, kLogTargetBlockWords - log_c));
  const int min_log_cols = min_int(min_int(log_c, kLogMinColumns), s.log_cols);
  while (s.log_cols > min_log_cols && s.column_log_words() > kLogMinBlockWords &&
         (limbs << (log_c - s.log_cols)) < kMinBlocksPerPass)
    --s.log_cols;
  while (s.log_chunks > 0 && s.row_log_words() > kLogMinBlockWords &&
         (limbs << (s.s1 - s.log_chunks)) < kMinBlocksPerPass)
    --s.log_chunks;
  return s;
}

// The per-table scalars of DeviceNttPlan::scalars(): q, N^{-1}, its Shoup companion,
// psi^{-brev(1)} / N and its Shoup companion.
struct LimbScalars {
  uint64_t q, inv_n, inv_n_shoup, wn, wn_shoup;
};
inline constexpr int kScalarsPerTable = 5;
HNN_HD LimbScalars load_scalars(const uint64_t* s) {
  return {s[0], s[1], s[2], s[3], s[4]};
}
// Host: the scalars of one table, those inverse_limb_portable uses.
inline void write_scalars(const NttTables& t, uint64_t* s) {
  s[0] = t.modulus().value;
  s[1] = t.inv_n();
  s[2] = t.inv_n_shoup();
  s[3] = t.inv_n_root1();
  s[4] = t.inv_n_root1_shoup();
}

// Where entry t of a LimbMap lives: its N words at data + words, its twiddles at roots + twiddles
// (and likewise for the Shoup and inverse tables), its scalars at scalars + scalars_at.
struct LimbView {
  std::size_t words, twiddles, scalars_at;
};
HNN_HD LimbView limb_view(const Shape& s, uint32_t position, uint32_t table,
                          int scalars_per_table) {
  return {static_cast<std::size_t>(position) << s.log_n, static_cast<std::size_t>(table) << s.log_n,
          static_cast<std::size_t>(table) * static_cast<std::size_t>(scalars_per_table)};
}

// ---- column pass: block `blk` holds columns [blk * P, (blk + 1) * P) of all R rows, P =
// 2^log_cols; shared slot r * P + p is word r * C + blk * P + p of the limb.

HNN_HD uint32_t column_word(const Shape& s, unsigned blk, uint32_t slot) {
  const uint32_t r = slot >> s.log_cols, p = slot & ((1u << s.log_cols) - 1);
  return (r << s.log_c()) + (blk << s.log_cols) + p;
}

template <class G, class S>
HNN_HD void column_load(unsigned tid, unsigned blk, const Shape& s, G limb, S sh) {
  const unsigned threads = s.column_threads();
  for (int k = 0; k < kWordsPerThread; ++k) {
    const uint32_t slot = tid + k * threads;
    sh[slot] = limb[column_word(s, blk, slot)];
  }
}

template <class S, class G>
HNN_HD void column_store(unsigned tid, unsigned blk, const Shape& s, S sh, G limb) {
  const unsigned threads = s.column_threads();
  for (int k = 0; k < kWordsPerThread; ++k) {
    const uint32_t slot = tid + k * threads;
    limb[column_word(s, blk, slot)] = sh[slot];
  }
}

// Butterfly b < R * P / 2 of stage log_m < s1: the rows (x, y) of its pair (shared slots), and the
// twiddle index m + i. Consecutive b are consecutive columns: a warp reads whole 128-byte rows.
struct Pair {
  uint32_t x, y, twiddle;
};
HNN_HD Pair column_pair(const Shape& s, int log_m, uint32_t b) {
  const int log_gap = s.s1 - 1 - log_m;  // in rows
  const uint32_t p = b & ((1u << s.log_cols) - 1), br = b >> s.log_cols;
  const uint32_t i = br >> log_gap, j = br & ((1u << log_gap) - 1);
  const uint32_t x = (((i << (log_gap + 1)) + j) << s.log_cols) + p;
  return {x, x + (1u << (log_gap + s.log_cols)), (1u << log_m) + i};
}

// The butterfly of pair pr in shared memory: Cooley-Tukey forward, Gentleman-Sande inverse.
template <bool kForward, class S>
HNN_HD void butterfly_at(S sh, const Pair& pr, const uint64_t* w, const uint64_t* ws, uint64_t q) {
  uint64_t u = sh[pr.x], v = sh[pr.y];
  if constexpr (kForward)
    ct_butterfly(u, v, w[pr.twiddle], ws[pr.twiddle], q);
  else
    gs_butterfly(u, v, w[pr.twiddle], ws[pr.twiddle], q);
  sh[pr.x] = u;
  sh[pr.y] = v;
}

// Stage log_m < s1 of the column pass (forward: any log_m < s1; inverse: 1 <= log_m < s1), with
// the limb's forward or inverse twiddles w and their Shoup companions ws.
template <bool kForward, class S>
HNN_HD void column_stage(unsigned tid, unsigned /*blk*/, int log_m, const Shape& s, S sh, const uint64_t* w,
                         const uint64_t* ws, uint64_t q) {
  const unsigned threads = s.column_threads();
  for (int k = 0; k < kButterfliesPerThread; ++k)
    butterfly_at<kForward>(sh, column_pair(s, log_m, tid + k * threads), w, ws, q);
}

// The last inverse stage (m = 1, rows r and r + R/2) fused with N^{-1} and the store, exactly as
// inverse_limb_portable: x' = (x + y) / N, y' = (x - y) * psi^{-brev(1)} / N, both in [0, q).
template <class S, class G>
HNN_HD void inverse_column_last_store(unsigned tid, unsigned blk, const Shape& s, S sh, G limb,
                                      const LimbScalars& c) {
  const unsigned threads = s.column_threads();
  const uint64_t two_q = c.q << 1;
  for (int k = 0; k < kButterfliesPerThread; ++k) {
    const Pair pr = column_pair(s, 0, tid + k * threads);
    const uint64_t u = sh[pr.x], v = sh[pr.y];
    limb[column_word(s, blk, pr.x)] = rns::mul_shoup(u + v, c.inv_n, c.inv_n_shoup, c.q);
    limb[column_word(s, blk, pr.y)] = rns::mul_shoup(u - v + two_q, c.wn, c.wn_shoup, c.q);
  }
}

// ---- row pass: block `blk` holds the contiguous words [blk * W, (blk + 1) * W), W = C *
// 2^log_chunks, shared slot t is word blk * W + t.

template <class G, class S>
HNN_HD void row_load(unsigned tid, unsigned blk, const Shape& s, G limb, S sh) {
  const unsigned threads = s.row_threads();
  const uint32_t base = blk << s.row_log_words();
  for (int k = 0; k < kWordsPerThread; ++k) {
    const uint32_t slot = tid + k * threads;
    sh[slot] = limb[base + slot];
  }
}

template <class S, class G>
HNN_HD void row_store(unsigned tid, unsigned blk, const Shape& s, S sh, G limb) {
  const unsigned threads = s.row_threads();
  const uint32_t base = blk << s.row_log_words();
  for (int k = 0; k < kWordsPerThread; ++k) {
    const uint32_t slot = tid + k * threads;
    limb[base + slot] = sh[slot];
  }
}

// The forward store: [0, 4q) -> [0, q) fused in (the CPU's final pass).
template <class S, class G>
HNN_HD void forward_row_store(unsigned tid, unsigned blk, const Shape& s, S sh, G limb,
                              uint64_t q) {
  const unsigned threads = s.row_threads();
  const uint32_t base = blk << s.row_log_words();
  for (int k = 0; k < kWordsPerThread; ++k) {
    const uint32_t slot = tid + k * threads;
    limb[base + slot] = reduce_from_4q(sh[slot], q);
  }
}

// Butterfly b < W / 2 of stage s1 <= log_m < log_n in block blk: gap g = N >> (log_m + 1) < C;
// global group i = (blk * W + x) / (2 g), twiddle m + i.
HNN_HD Pair row_pair(const Shape& s, unsigned blk, int log_m, uint32_t b) {
  const int log_gap = s.log_n - 1 - log_m;
  const uint32_t i_local = b >> log_gap, j = b & ((1u << log_gap) - 1);
  const uint32_t x = (i_local << (log_gap + 1)) + j;
  const uint32_t i = (blk << (s.row_log_words() - 1 - log_gap)) + i_local;
  return {x, x + (1u << log_gap), (1u << log_m) + i};
}

// Stage s1 <= log_m < log_n of the row pass.
template <bool kForward, class S>
HNN_HD void row_stage(unsigned tid, unsigned blk, int log_m, const Shape& s, S sh, const uint64_t* w,
                      const uint64_t* ws, uint64_t q) {
  const unsigned threads = s.row_threads();
  for (int k = 0; k < kButterfliesPerThread; ++k)
    butterfly_at<kForward>(sh, row_pair(s, blk, log_m, tid + k * threads), w, ws, q);
}

// ---- one block of each pass as a sequence of phases, written once for the kernel and every
// host executor: phase(f) runs f(tid) for the block's threads, then a barrier (on the GPU each
// thread runs its own f and __syncthreads() follows; on the host f runs for every thread in turn).
// w, ws: the limb's forward (kForward) or inverse twiddles with their Shoup companions.

template <bool kForward, class Phase, class G, class S>
HNN_HD void column_block(const Phase& phase, unsigned blk, const Shape& s, G limb, S sh, const uint64_t* w,
                         const uint64_t* ws, const LimbScalars& c) {
  phase([&](unsigned tid) { column_load(tid, blk, s, limb, sh); });
  if constexpr (kForward) {
    for (int log_m = 0; log_m < s.s1; ++log_m)
      phase([&](unsigned tid) { column_stage<true>(tid, blk, log_m, s, sh, w, ws, c.q); });
    phase([&](unsigned tid) { column_store(tid, blk, s, sh, limb); });
  } else {
    for (int log_m = s.s1 - 1; log_m >= 1; --log_m)
      phase([&](unsigned tid) { column_stage<false>(tid, blk, log_m, s, sh, w, ws, c.q); });
    phase([&](unsigned tid) { inverse_column_last_store(tid, blk, s, sh, limb, c); });
  }
}

template <bool kForward, class Phase, class G, class S>
HNN_HD void row_block(const Phase& phase, unsigned blk, const Shape& s, G limb, S sh, const uint64_t* w,
                      const uint64_t* ws, const LimbScalars& c) {
  phase([&](unsigned tid) { row_load(tid, blk, s, limb, sh); });
  if constexpr (kForward) {
    for (int log_m = s.s1; log_m < s.log_n; ++log_m)
      phase([&](unsigned tid) { row_stage<true>(tid, blk, log_m, s, sh, w, ws, c.q); });
    phase([&](unsigned tid) { forward_row_store(tid, blk, s, sh, limb, c.q); });
  } else {
    for (int log_m = s.log_n - 1; log_m >= s.s1; --log_m)
      phase([&](unsigned tid) { row_stage<false>(tid, blk, log_m, s, sh, w, ws, c.q); });
    phase([&](unsigned tid) { row_store(tid, blk, s, sh, limb); });
  }
}

}  // namespace hnn::ntt::blocked
