// The two-pass CUDA NTT's per-thread functions (ntt/src/cuda/ntt_blocked.h) run on the CPU in a
// block emulator: for every block, the load phase for all threads, then each stage for all threads
// in turn, then the store phase — a valid serialisation of the kernel exactly when the threads of a
// phase touch disjoint shared slots, which the emulator checks (it records every read and write
// between two barriers). Outputs must be the portable CPU NTT's words, bit for bit.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "../../ntt/src/cuda/ntt_blocked.h"
#include "hnn/ntt/ntt.h"
#include "hnn/rns/limb_map.h"
#include "hnn/rns/primes.h"
#include "test_util.h"

using namespace hnn;
namespace nb = hnn::ntt::blocked;

namespace {

constexpr uint64_t kPoison = ~0ull;
constexpr int kNone = -1, kSeveral = -2;

std::string describe(const nb::Shape& s) {
  std::ostringstream os;
  os << "log_n=" << s.log_n << " s1=" << s.s1 << " log_cols=" << s.log_cols
     << " log_chunks=" << s.log_chunks;
  return os.str();
}

// Records the first few violations; the test fails if there are any.
struct Violations {
  std::vector<std::string> list;
  std::size_t count = 0;
  void add(const std::string& what) {
    if (list.size() < 8) list.push_back(what);
    ++count;
  }
};

// One block's shared memory: the words and, since the last barrier, who wrote and read each slot.
struct SharedMemory {
  std::vector<uint64_t> words;
  std::vector<int> writer, reader;  // thread id, kNone, or kSeveral (reader only)
  int thread = 0;
  Violations* violations = nullptr;

  explicit SharedMemory(std::size_t n, Violations* v)
      : words(n, kPoison), writer(n, kNone), reader(n, kNone), violations(v) {}
  void barrier() {
    std::fill(writer.begin(), writer.end(), kNone);
    std::fill(reader.begin(), reader.end(), kNone);
  }
  bool in_range(uint32_t i) {
    if (i < words.size()) return true;
    violations->add("shared slot " + std::to_string(i) + " out of " + std::to_string(words.size()));
    return false;
  }
  uint64_t read(uint32_t i) {
    if (!in_range(i)) return 0;
    if (writer[i] != kNone && writer[i] != thread)
      violations->add("thread " + std::to_string(thread) + " reads shared slot " +
                      std::to_string(i) + " written by thread " + std::to_string(writer[i]) +
                      " in the same phase");
    reader[i] = (reader[i] == kNone || reader[i] == thread) ? thread : kSeveral;
    return words[i];
  }
  void write(uint32_t i, uint64_t v) {
    if (!in_range(i)) return;
    if (writer[i] != kNone)
      violations->add("shared slot " + std::to_string(i) + " written twice in one phase (threads " +
                      std::to_string(writer[i]) + ", " + std::to_string(thread) + ")");
    if (reader[i] != kNone && reader[i] != thread)
      violations->add("thread " + std::to_string(thread) + " writes shared slot " +
                      std::to_string(i) + " that another thread read in the same phase");
    writer[i] = thread;
    words[i] = v;
  }
};

// A proxy reference into a recording memory (shared or global): reads and writes go through its
// read() and write(), which check the access.
template <class Memory, class Index>
struct RecordingRef {
  Memory* m;
  Index i;
  operator uint64_t() const { return m->read(i); }
  RecordingRef& operator=(uint64_t v) {
    m->write(i, v);
    return *this;
  }
  RecordingRef& operator=(const RecordingRef& o) { return *this = static_cast<uint64_t>(o); }
};

// The "pointer" handed to the ntt_blocked.h functions as shared memory.
struct SharedPtr {
  SharedMemory* m;
  RecordingRef<SharedMemory, uint32_t> operator[](uint32_t i) const { return {m, i}; }
};

enum class Phase { Load, Stage, Store };

// Global memory of one pass: reads come from `in`, writes go to `out` (poisoned), so a word nobody
// writes shows; every word is read at most once and written at most once, only by the block that
// read it (the kernels run in place), loads only in the load phase and stores only in the store.
struct GlobalMemory {
  std::vector<uint64_t> in, out;
  std::vector<int> reader, writer;  // block id or kNone
  int block = 0;
  Phase phase = Phase::Load;
  Violations* violations = nullptr;

  GlobalMemory(std::vector<uint64_t> words, Violations* v)
      : in(std::move(words)),
        out(in.size(), kPoison),
        reader(in.size(), kNone),
        writer(in.size(), kNone),
        violations(v) {}
  bool in_range(std::size_t i) {
    if (i < in.size()) return true;
    violations->add("global word " + std::to_string(i) + " out of " + std::to_string(in.size()));
    return false;
  }
  uint64_t read(std::size_t i) {
    if (!in_range(i)) return 0;
    if (phase != Phase::Load) violations->add("global read outside the load phase");
    if (reader[i] != kNone)
      violations->add("global word " + std::to_string(i) + " read twice (blocks " +
                      std::to_string(reader[i]) + ", " + std::to_string(block) + ")");
    reader[i] = block;
    return in[i];
  }
  void write(std::size_t i, uint64_t v) {
    if (!in_range(i)) return;
    if (phase != Phase::Store) violations->add("global write outside the store phase");
    if (writer[i] != kNone) violations->add("global word " + std::to_string(i) + " written twice");
    if (reader[i] != block)
      violations->add("block " + std::to_string(block) + " writes global word " +
                      std::to_string(i) + " it did not load (not safe in place)");
    writer[i] = block;
    out[i] = v;
  }
  // The next pass reads what this one wrote.
  void next_pass() {
    in = out;
    std::fill(out.begin(), out.end(), kPoison);
    std::fill(reader.begin(), reader.end(), kNone);
    std::fill(writer.begin(), writer.end(), kNone);
  }
};

struct GlobalPtr {
  GlobalMemory* g;
  std::size_t base;
  RecordingRef<GlobalMemory, std::size_t> operator[](std::size_t i) const { return {g, base + i}; }
};

// A Phase executor (ntt_blocked.h) for one block: each phase runs for every thread in turn, the
// barrier after it clears the shared-memory record; the first phase loads (every shared slot must
// then be written), the last of `phases` stores, global accesses are checked against that.
struct RecordingBlock {
  SharedMemory& sm;
  GlobalMemory& g;
  unsigned threads;
  std::size_t phases;
  Violations& v;
  mutable std::size_t done = 0;
  template <class F>
  void operator()(const F& f) const {
    g.phase = done == 0 ? Phase::Load : done + 1 == phases ? Phase::Store : Phase::Stage;
    for (unsigned t = 0; t < threads; ++t) {
      sm.thread = static_cast<int>(t);
      f(t);
    }
    if (done == 0)
      for (std::size_t i = 0; i < sm.words.size(); ++i)
        if (sm.writer[i] == kNone) v.add("shared slot " + std::to_string(i) + " not loaded");
    sm.barrier();
    ++done;
  }
};

using ThreadFn = std::function<void(unsigned tid, SharedPtr sh)>;

// One block of hand-written phases through the same executor.
void emulate_block(unsigned threads, std::size_t shared_words, GlobalMemory& g, int block_id,
                   const std::vector<ThreadFn>& phases, Violations& v) {
  SharedMemory sm(shared_words, &v);
  g.block = block_id;
  const RecordingBlock block{sm, g, threads, phases.size(), v};
  for (const ThreadFn& f : phases) block([&](unsigned t) { f(t, SharedPtr{&sm}); });
}

// Host copies of the device plan's tables, limb-major as DeviceNttPlan uploads them.
struct HostPlan {
  std::vector<uint64_t> roots, roots_shoup, inv_roots, inv_roots_shoup, scalars;
  explicit HostPlan(const std::vector<ntt::NttTables>& tables) {
    const std::size_t n = tables[0].n();
    for (const auto& t : tables) {
      roots.insert(roots.end(), t.root_powers(), t.root_powers() + n);
      roots_shoup.insert(roots_shoup.end(), t.root_powers_shoup(), t.root_powers_shoup() + n);
      inv_roots.insert(inv_roots.end(), t.inv_root_powers(), t.inv_root_powers() + n);
      inv_roots_shoup.insert(inv_roots_shoup.end(), t.inv_root_powers_shoup(),
                             t.inv_root_powers_shoup() + n);
      scalars.resize(scalars.size() + nb::kScalarsPerTable);
      nb::write_scalars(t, scalars.data() + scalars.size() - nb::kScalarsPerTable);
    }
  }
};

// One pass over every block of every map entry, through the library's block bodies (the very
// code the kernels and the emulated device run), each block with a recording executor.
template <bool kColumns>
void run_pass(bool forward, const nb::Shape& s, const HostPlan& plan, const cuda::LimbMap& map, GlobalMemory& g,
              Violations& v) {
  const uint64_t* roots = forward ? plan.roots.data() : plan.inv_roots.data();
  const uint64_t* roots_shoup = forward ? plan.roots_shoup.data() : plan.inv_roots_shoup.data();
  const unsigned blocks = kColumns ? s.column_blocks() : s.row_blocks();
  const unsigned threads = kColumns ? s.column_threads() : s.row_threads();
  const std::size_t words = std::size_t{1} << (kColumns ? s.column_log_words() : s.row_log_words());
  // load, the stages, store (the inverse column pass's last stage is fused into its store)
  const int stages = kColumns ? (forward ? s.s1 : s.s1 - 1) : s.log_n - s.s1;
  for (uint32_t e = 0; e < map.count; ++e) {
    const nb::LimbView lv = nb::limb_view(s, map.position[e], map.table[e], nb::kScalarsPerTable);
    const GlobalPtr limb{&g, lv.words};
    const uint64_t* w = roots + lv.twiddles;
    const uint64_t* ws = roots_shoup + lv.twiddles;
    const nb::LimbScalars c = nb::load_scalars(plan.scalars.data() + lv.scalars_at);
    for (unsigned blk = 0; blk < blocks; ++blk) {
      SharedMemory sm(words, &v);
      g.block = static_cast<int>(e * blocks + blk);
      const RecordingBlock block{sm, g, threads, static_cast<std::size_t>(stages) + 2, v};
      const SharedPtr sh{&sm};
      if constexpr (kColumns) {
        forward ? nb::column_block<true>(block, blk, s, limb, sh, w, ws, c)
                : nb::column_block<false>(block, blk, s, limb, sh, w, ws, c);
      } else {
        forward ? nb::row_block<true>(block, blk, s, limb, sh, w, ws, c)
                : nb::row_block<false>(block, blk, s, limb, sh, w, ws, c);
      }
      if (block.done != block.phases) v.add("a block ran " + std::to_string(block.done) + " phases, not " +
                                            std::to_string(block.phases));
    }
  }
}

std::vector<ntt::NttTables> make_tables(std::size_t n, std::size_t count) {
  std::vector<ntt::NttTables> t;
  for (uint64_t q : rns::generate_ntt_primes(50, count, n)) t.emplace_back(n, rns::Modulus(q));
  return t;
}

// Emulates transform(plan, direction, words, map) on a buffer of `buffer_limbs` limbs (limbs the
// map does not name must stay untouched) and compares with the portable CPU NTT of each named limb.
void check_transform(const nb::Shape& s, const std::vector<ntt::NttTables>& tables,
                     const cuda::LimbMap& map, std::size_t buffer_limbs, ntt::Direction direction) {
  ASSERT_TRUE(s.valid()) << describe(s);
  const std::size_t n = std::size_t{1} << s.log_n;
  const HostPlan plan(tables);
  std::vector<uint64_t> buffer(buffer_limbs * n);
  for (std::size_t l = 0; l < buffer_limbs; ++l) {
    // Each limb reduced by the prime the map gives it (any prime for an unnamed limb).
    uint64_t q = tables[0].modulus().value;
    for (uint32_t e = 0; e < map.count; ++e)
      if (map.position[e] == l) q = tables[map.table[e]].modulus().value;
    const auto w = test::random_words(n, q);
    std::copy(w.begin(), w.end(), buffer.begin() + static_cast<std::ptrdiff_t>(l * n));
  }
  Violations v;
  GlobalMemory g(buffer, &v);
  const bool forward = direction == ntt::Direction::Forward;
  if (forward)
    run_pass<true>(true, s, plan, map, g, v);
  else
    run_pass<false>(false, s, plan, map, g, v);
  // Between the passes: every named word read and written once, the others untouched.
  std::set<std::size_t> named;
  for (uint32_t e = 0; e < map.count; ++e) named.insert(map.position[e]);
  const auto check_coverage = [&](const char* pass) {
    for (std::size_t l = 0; l < buffer_limbs; ++l) {
      const bool is_named = named.count(l) > 0;
      for (std::size_t j = 0; j < n; ++j) {
        const std::size_t i = l * n + j;
        if (is_named && (g.writer[i] == kNone || g.out[i] == kPoison)) {
          v.add(std::string(pass) + ": word " + std::to_string(j) + " of limb " +
                std::to_string(l) + " not written");
        } else if (!is_named && (g.reader[i] != kNone || g.writer[i] != kNone)) {
          v.add(std::string(pass) + ": limb " + std::to_string(l) +
                " is not in the map but was touched");
        }
        if (!is_named) g.out[i] = g.in[i];  // carried through the pass untouched
      }
    }
  };
  check_coverage("first pass");
  g.next_pass();
  if (forward)
    run_pass<false>(true, s, plan, map, g, v);
  else
    run_pass<true>(false, s, plan, map, g, v);
  check_coverage("second pass");
  EXPECT_EQ(v.count, 0u) << describe(s) << ": " << v.count
                         << " violations, first: " << (v.list.empty() ? "" : v.list[0]);
  for (const std::string& m : v.list) ADD_FAILURE() << describe(s) << ": " << m;

  // Reference: the portable CPU NTT of each named limb with its table.
  std::vector<uint64_t> want = buffer;
  for (uint32_t e = 0; e < map.count; ++e) {
    ntt::NttPlan p;
    p.direction = direction;
    p.tables = {&tables[map.table[e]]};
    ntt::transform_with(ntt::Kernel::Portable, p,
                        want.data() + static_cast<std::size_t>(map.position[e]) * n);
  }
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    if (g.out[i] != want[i] && mismatches++ < 4)
      ADD_FAILURE() << describe(s) << (forward ? " forward" : " inverse") << ": word " << i % n
                    << " of limb " << i / n << ": " << g.out[i] << " != " << want[i];
  EXPECT_EQ(mismatches, 0u) << describe(s) << (forward ? " forward" : " inverse");
}

// The shapes the kernels pick for batches of several sizes, without repeats.
std::vector<nb::Shape> chosen_shapes(int log_n) {
  std::vector<nb::Shape> shapes;
  for (std::size_t limbs : {1, 2, 8, 16, 32, 128}) {
    const nb::Shape s = nb::choose_shape(log_n, limbs);
    bool seen = false;
    for (const auto& x : shapes)
      seen = seen ||
             std::tie(x.s1, x.log_cols, x.log_chunks) == std::tie(s.s1, s.log_cols, s.log_chunks);
    if (!seen) shapes.push_back(s);
  }
  return shapes;
}

}  // namespace

TEST(NttBlocked, ChosenShapesAreValidAndFitSharedMemory) {
  for (int log_n = nb::kMinLogN; log_n <= nb::kMaxLogN; ++log_n) {
    for (std::size_t limbs = 1; limbs <= cuda::LimbMap::kMaxLimbs; ++limbs) {
      const nb::Shape s = nb::choose_shape(log_n, limbs);
      ASSERT_TRUE(s.valid()) << describe(s) << " limbs=" << limbs;
      EXPECT_EQ(s.s1, std::max(1, log_n / 2)) << describe(s);
      EXPECT_LE(s.column_shared_bytes(), 48u * 1024) << describe(s);
      EXPECT_LE(s.row_shared_bytes(), 48u * 1024) << describe(s);
      EXPECT_LE(s.column_threads(), nb::kMaxThreads) << describe(s);
      EXPECT_LE(s.row_threads(), nb::kMaxThreads) << describe(s);
      EXPECT_GE(s.column_threads(), 1u) << describe(s);
      EXPECT_GE(s.row_threads(), 1u) << describe(s);
      // Threads x words per thread cover each block exactly.
      EXPECT_EQ(std::size_t{s.column_threads()} * nb::kWordsPerThread,
                std::size_t{1} << s.column_log_words());
      EXPECT_EQ(std::size_t{s.row_threads()} * nb::kWordsPerThread,
                std::size_t{1} << s.row_log_words());
      // Within the ring sizes the library uses, column-pass rows are at least 64 contiguous bytes.
      if (log_n >= 10 && log_n <= 17) {
        EXPECT_GE(s.log_cols, 3) << describe(s);
      }
    }
  }
}

// log_n = 10 .. 17, forward and inverse, dense batch of limbs with different primes.
TEST(NttBlocked, DenseBatchMatchesPortableCpu) {
  for (int log_n = 10; log_n <= 17; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n, limbs = 3;
    const auto tables = make_tables(n, limbs);
    for (const nb::Shape& s : chosen_shapes(log_n))
      for (auto d : {ntt::Direction::Forward, ntt::Direction::Inverse})
        check_transform(s, tables, cuda::LimbMap::contiguous(limbs), limbs, d);
  }
}

// Scattered positions (some limbs of the buffer not named) and permuted tables.
TEST(NttBlocked, ScatteredLimbMapMatchesPortableCpu) {
  for (int log_n = 10; log_n <= 17; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    const auto tables = make_tables(n, 4);
    const auto map =
        cuda::LimbMap::of({5, 0, 3}, {2, 3, 0});  // buffer of 6 limbs, 1, 2, 4 untouched
    for (const nb::Shape& s : chosen_shapes(log_n))
      for (auto d : {ntt::Direction::Forward, ntt::Direction::Inverse})
        check_transform(s, tables, map, 6, d);
  }
}

// Every valid shape of small rings (all splits s1, all block sizes), so the index math holds for
// shapes the heuristic does not pick today.
TEST(NttBlocked, EveryValidShapeOfSmallRings) {
  for (int log_n = nb::kMinLogN; log_n <= 11; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    const auto tables = make_tables(n, 2);
    const auto map = cuda::LimbMap::of({1, 0}, {0, 1});
    int tried = 0;
    for (int s1 = 1; s1 < log_n; ++s1)
      for (int log_cols = 0; log_cols <= log_n - s1; ++log_cols)
        for (int log_chunks = 0; log_chunks <= s1; ++log_chunks) {
          const nb::Shape s{log_n, s1, log_cols, log_chunks};
          if (!s.valid()) continue;
          ++tried;
          for (auto d : {ntt::Direction::Forward, ntt::Direction::Inverse})
            check_transform(s, tables, map, 2, d);
        }
    EXPECT_GT(tried, 0) << "log_n=" << log_n;
  }
}

// The emulator itself must catch a race: two threads writing the same shared slot in one phase.
TEST(NttBlocked, EmulatorDetectsRaces) {
  Violations v;
  GlobalMemory g(std::vector<uint64_t>(8, 1), &v);
  std::vector<ThreadFn> phases = {
      [&](unsigned tid, SharedPtr sh) {
        sh[tid] = GlobalPtr{&g, 0}[tid];
      },
      [&](unsigned, SharedPtr sh) { sh[0] = 7; },  // every thread writes slot 0
      [&](unsigned tid, SharedPtr sh) {
        GlobalPtr{&g, 0}[tid] = sh[tid];
      },
  };
  emulate_block(8, 8, g, 0, phases, v);
  EXPECT_GT(v.count, 0u);
}
