// Bounded discrete log: every value in range found, values outside the range rejected.
#include <gtest/gtest.h>

#include <random>

#include "hnn/fe/dlog.h"
#include "hnn/fe/modp_group.h"
#include "hnn/fe/ristretto255.h"

namespace hnn::fe {
namespace {

template <class G>
void check_range(const G& g, int64_t bound, int64_t m) {
  BoundedDlog<G> dlog(g, bound, m);
  std::vector<typename G::Element> hs;
  std::vector<int64_t> vs;
  std::mt19937_64 rng(17);
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, bound, -bound, m, -m, m + 1, -m - 1,
                    2 * m + 1, -(2 * m + 1)}) {
    if (v > bound || v < -bound) continue;
    vs.push_back(v);
  }
  for (int i = 0; i < 300; ++i) vs.push_back(static_cast<int64_t>(rng() % (2 * bound + 1)) - bound);
  for (int64_t v : vs) hs.push_back(g.pow(g.generator(), g.scalar_from_int(v)));
  EXPECT_EQ(dlog.solve_many(hs), vs);
  EXPECT_EQ(dlog.solve(hs[3]), vs[3]);
  // Just outside the bound, and a random element: no solution.
  for (int64_t v : {bound + 1, -bound - 1, 3 * bound + 7}) {
    const auto h = g.pow(g.generator(), g.scalar_from_int(v));
    EXPECT_FALSE(dlog.try_solve(h).has_value()) << v;
    EXPECT_THROW(dlog.solve(h), DlogOutOfRange) << v;
  }
  const auto random = g.pow(g.generator(), g.scalar_random());
  EXPECT_THROW(dlog.solve(random), DlogOutOfRange);
  std::vector<typename G::Element> mixed = {hs[0], random};
  EXPECT_THROW(dlog.solve_many(mixed), DlogOutOfRange);
}

TEST(BoundedDlog, Ristretto255FullRangeSmallTable) { check_range(Ristretto255(), 100000, 300); }
TEST(BoundedDlog, Ristretto255AutoTable) { check_range(Ristretto255(), int64_t{1} << 24, 0); }
TEST(BoundedDlog, ModpTestGroup) { check_range(modp_test_insecure_64(), 50000, 128); }
TEST(BoundedDlog, ModpTestGroup128) { check_range(modp_test_insecure_128(), 1 << 20, 0); }

TEST(BoundedDlog, RejectsBadParameters) {
  EXPECT_THROW(BoundedDlog<Ristretto255>(Ristretto255(), 0), InvalidArgument);
  EXPECT_THROW(BoundedDlog<Ristretto255>(Ristretto255(), int64_t{1} << 60), InvalidArgument);
  BoundedDlog<Ristretto255> d(Ristretto255(), 10, 1000);
  EXPECT_EQ(d.baby_steps(), 10);  // never more baby steps than the bound needs
}

}  // namespace
}  // namespace hnn::fe
