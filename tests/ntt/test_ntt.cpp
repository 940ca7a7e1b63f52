// NTT: known answers (unit vectors), round trips, and NTT-based negacyclic multiplication in RNS
// against the GMP big-integer product modulo (X^N + 1, Q).
#include <gmpxx.h>
#include <gtest/gtest.h>
#include <omp.h>

#include "hnn/ntt/butterfly.h"
#include "hnn/ntt/ntt.h"
#include "hnn/rns/primes.h"
#include "hnn/rns/rns_base.h"
#include "test_util.h"

using namespace hnn;
using rns::Modulus;

namespace {
std::vector<ntt::NttTables> make_tables(std::size_t n, const std::vector<uint64_t>& primes) {
  std::vector<ntt::NttTables> t;
  for (uint64_t q : primes) t.emplace_back(n, Modulus(q));
  return t;
}
ntt::NttPlan plan_for(const std::vector<ntt::NttTables>& t, ntt::Direction d) {
  ntt::NttPlan p;
  p.direction = d;
  for (auto& x : t) p.tables.push_back(&x);
  return p;
}

// Exact negacyclic product of two polynomials with coefficients in [0, Q) (Kronecker substitution
// through GMP's multiplication), reduced modulo Q.
std::vector<mpz_class> negacyclic_product_mod(const std::vector<mpz_class>& a, const std::vector<mpz_class>& b,
                                              const mpz_class& q) {
  const std::size_t n = a.size();
  // Slots of whole 64-bit words, wide enough for N * Q^2.
  const std::size_t words = (2 * mpz_sizeinbase(q.get_mpz_t(), 2) + 64) / 64 + 1;
  auto pack = [&](const std::vector<mpz_class>& p) {
    std::vector<uint64_t> buf(n * words, 0);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t count = 0;
      mpz_export(buf.data() + i * words, &count, -1, 8, 0, 0, p[i].get_mpz_t());
    }
    mpz_class z;
    mpz_import(z.get_mpz_t(), buf.size(), -1, 8, 0, 0, buf.data());
    return z;
  };
  const mpz_class prod = pack(a) * pack(b);
  std::vector<uint64_t> buf(2 * n * words + 1, 0);
  std::size_t count = 0;
  mpz_export(buf.data(), &count, -1, 8, 0, 0, prod.get_mpz_t());
  auto slot = [&](std::size_t i) {
    mpz_class z;
    mpz_import(z.get_mpz_t(), words, -1, 8, 0, 0, buf.data() + i * words);
    return z;
  };
  std::vector<mpz_class> r(n);
  for (std::size_t i = 0; i < n; ++i) {
    r[i] = (slot(i) - slot(i + n)) % q;  // X^N = -1
    if (r[i] < 0) r[i] += q;
  }
  return r;
}
}  // namespace

TEST(Ntt, UnitVectorsKnownAnswer) {
  for (std::size_t n : {16u, 1024u, 4096u}) {
    const uint64_t q = rns::generate_ntt_primes(50, 1, n)[0];
    ntt::NttTables t(n, Modulus(q));
    const Modulus m(q);
    const int log_n = __builtin_ctzll(n);
    for (std::size_t k : {std::size_t{0}, std::size_t{1}, n / 3, n - 1}) {
      std::vector<uint64_t> a(n, 0);
      a[k] = 1;
      ntt::transform({{&t}, ntt::Direction::Forward}, a.data());
      for (std::size_t j = 0; j < n; ++j) {
        // out[j] = psi^(k (2 brev(j) + 1))
        const uint64_t e = (k * (2 * ntt::bit_reverse(static_cast<uint32_t>(j), log_n) + 1)) % (2 * n);
        ASSERT_EQ(a[j], rns::pow_mod(t.psi(), e, m)) << "n=" << n << " k=" << k << " j=" << j;
      }
    }
  }
}

TEST(Ntt, SmallKnownAnswer) {
  // N = 4, q = 17 (17 = 1 mod 8): the primitive 8th roots of unity mod 17, the roots of
  // x^4 = -1, are 2, 8, 9 and 15, so psi = 2.
  ntt::NttTables t(4, Modulus(17));
  EXPECT_EQ(t.psi(), 2u);
  std::vector<uint64_t> a = {1, 2, 3, 4};
  ntt::transform({{&t}, ntt::Direction::Forward}, a.data());
  // a(x) = 1 + 2x + 3x^2 + 4x^3 at psi^1, psi^5, psi^3, psi^7 (bit-reversed order) = 2, 15, 8, 9.
  auto eval = [](uint64_t x) { return (1 + 2 * x + 3 * x * x + 4 * x * x * x) % 17; };
  EXPECT_EQ(a, (std::vector<uint64_t>{eval(2), eval(15), eval(8), eval(9)}));
}

TEST(Ntt, RoundTripAndOutputsReduced) {
  for (std::size_t log_n = 10; log_n <= 17; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    const auto primes = rns::generate_ntt_primes(61, 2, n);
    const auto tables = make_tables(n, primes);
    std::vector<uint64_t> data(2 * n), orig;
    for (std::size_t i = 0; i < 2; ++i) {
      auto w = test::random_words(n, primes[i]);
      std::copy(w.begin(), w.end(), data.begin() + i * n);
    }
    orig = data;
    ntt::transform(plan_for(tables, ntt::Direction::Forward), data.data());
    for (std::size_t i = 0; i < 2 * n; ++i) ASSERT_LT(data[i], primes[i / n]);
    EXPECT_NE(data, orig);
    ntt::transform(plan_for(tables, ntt::Direction::Inverse), data.data());
    EXPECT_EQ(data, orig) << "log_n=" << log_n;
  }
}

// Table-driven: (log N, limbs, prime bits).
struct MulCase {
  int log_n;
  std::size_t limbs;
  int bits;
};
class NttGmpReference : public ::testing::TestWithParam<MulCase> {};

TEST_P(NttGmpReference, NegacyclicProductEqualsBigIntegerProduct) {
  const auto [log_n, limbs, bits] = GetParam();
  const std::size_t n = std::size_t{1} << log_n;
  const auto primes = rns::generate_ntt_primes(bits, limbs, n);
  rns::RnsBase base(primes);
  const auto tables = make_tables(n, primes);
  // Random a, b in [0, Q)^N, as big integers and as residues.
  static gmp_randclass r(gmp_randinit_default);
  r.seed(log_n * 100 + limbs);
  std::vector<mpz_class> a(n), b(n);
  std::vector<uint64_t> ra(limbs * n), rb(limbs * n);
  for (std::size_t c = 0; c < n; ++c) {
    a[c] = r.get_z_range(base.product());
    b[c] = r.get_z_range(base.product());
    base.decompose(a[c], ra.data() + c, n);
    base.decompose(b[c], rb.data() + c, n);
  }
  ntt::transform(plan_for(tables, ntt::Direction::Forward), ra.data());
  ntt::transform(plan_for(tables, ntt::Direction::Forward), rb.data());
  for (std::size_t i = 0; i < limbs; ++i) {
    const Modulus m(primes[i]);
    for (std::size_t c = 0; c < n; ++c) ra[i * n + c] = rns::mul_mod(ra[i * n + c], rb[i * n + c], m);
  }
  ntt::transform(plan_for(tables, ntt::Direction::Inverse), ra.data());
  const auto want = negacyclic_product_mod(a, b, base.product());
  for (std::size_t c = 0; c < n; ++c) ASSERT_EQ(base.compose(ra.data() + c, n), want[c]) << "coefficient " << c;
}

INSTANTIATE_TEST_SUITE_P(Cases, NttGmpReference,
                         ::testing::Values(MulCase{10, 1, 61}, MulCase{10, 30, 60}, MulCase{11, 4, 50},
                                           MulCase{12, 8, 40}, MulCase{13, 30, 55}, MulCase{14, 3, 61},
                                           MulCase{15, 2, 45}, MulCase{16, 1, 61}, MulCase{16, 3, 59}),
                         [](const auto& param_info) {
                           return "logN" + std::to_string(param_info.param.log_n) + "_limbs" +
                                  std::to_string(param_info.param.limbs) + "_bits" + std::to_string(param_info.param.bits);
                         });

TEST(Ntt, ButterfliesKeepHarveyBounds) {
  const uint64_t q = rns::generate_ntt_primes(61, 1, 1024)[0];
  for (int t = 0; t < 100000; ++t) {
    uint64_t x = test::rng()() % (4 * q), y = test::rng()() % (4 * q);
    const uint64_t w = test::rng()() % q, ws = rns::shoup_precompute(w, q);
    const unsigned __int128 xw = (static_cast<unsigned __int128>(y) * w) % q;
    const uint64_t want_x = static_cast<uint64_t>((x % q + xw) % q);
    const uint64_t want_y = static_cast<uint64_t>((x % q + q - static_cast<uint64_t>(xw)) % q);
    ntt::ct_butterfly(x, y, w, ws, q);
    ASSERT_LT(x, 4 * q);
    ASSERT_LT(y, 4 * q);
    EXPECT_EQ(x % q, want_x);
    EXPECT_EQ(y % q, want_y);
    uint64_t u = test::rng()() % (2 * q), v = test::rng()() % (2 * q);
    const uint64_t su = (u + v) % q;
    const uint64_t dv = static_cast<uint64_t>((static_cast<unsigned __int128>((u % q) + q - (v % q)) * w) % q);
    ntt::gs_butterfly(u, v, w, ws, q);
    ASSERT_LT(u, 2 * q);
    ASSERT_LT(v, 2 * q);
    EXPECT_EQ(u % q, su);
    EXPECT_EQ(v % q, dv);
  }
}

// Every kernel the build and CPU have gives the same words as the portable one, for every prime
// size the library takes (the AVX-512 kernel switches its multiplication at 2^50) and every N.
TEST(Ntt, KernelsAreBitIdentical) {
  std::vector<ntt::Kernel> kernels;
  for (auto k : {ntt::Kernel::Avx2, ntt::Kernel::Avx512Ifma})
    if (ntt::kernel_supported(k)) kernels.push_back(k);
  for (std::size_t log_n = 4; log_n <= 16; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    std::vector<uint64_t> primes;
    for (int bits : {30, 40, 49, 50, 51, 55, 60, 61}) {
      primes.push_back(rns::generate_ntt_primes(bits, 1, n)[0]);
    }
    const auto tables = make_tables(n, primes);
    std::vector<uint64_t> data(primes.size() * n);
    for (std::size_t i = 0; i < primes.size(); ++i) {
      auto w = test::random_words(n, primes[i]);
      // the extremes of the input range, where lazy bounds are tight
      w[0] = primes[i] - 1;
      w[n - 1] = primes[i] - 1;
      std::copy(w.begin(), w.end(), data.begin() + i * n);
    }
    for (auto dir : {ntt::Direction::Forward, ntt::Direction::Inverse}) {
      std::vector<uint64_t> portable = data;
      ntt::transform_with(ntt::Kernel::Portable, plan_for(tables, dir), portable.data());
      for (auto k : kernels) {
        std::vector<uint64_t> out = data;
        ntt::transform_with(k, plan_for(tables, dir), out.data());
        EXPECT_EQ(portable, out) << rns::simd_name(k) << " log_n=" << log_n;
      }
      std::vector<uint64_t> active = data;
      ntt::transform(plan_for(tables, dir), active.data());
      EXPECT_EQ(portable, active) << "active kernel, log_n=" << log_n;
    }
  }
  std::printf("[ntt] active kernel: %s\n", rns::simd_name(ntt::active_kernel()));
}

// A limb count the threads do not divide has its last limb shared by two threads (its halves
// after the first forward stage, before the last inverse one): the words must be the one-thread
// words for every kernel, at one limb and at odd counts, on two and three threads (CI runs one
// thread per test process, so only this test takes those paths there).
TEST(Ntt, WordsDoNotDependOnTheThreadCount) {
  std::vector<ntt::Kernel> kernels{ntt::Kernel::Portable};
  for (auto k : {ntt::Kernel::Avx2, ntt::Kernel::Avx512Ifma})
    if (ntt::kernel_supported(k)) kernels.push_back(k);
  const int before = omp_get_max_threads();
  for (std::size_t n : {std::size_t{64}, std::size_t{128}, std::size_t{4096}}) {
    std::vector<uint64_t> primes;
    for (int bits : {40, 60, 49, 61, 50}) primes.push_back(rns::generate_ntt_primes(bits, 1, n)[0]);
    const auto all = make_tables(n, primes);
    for (std::size_t limbs = 1; limbs <= primes.size(); ++limbs) {
      const std::vector<ntt::NttTables> tables(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(limbs));
      std::vector<uint64_t> data(limbs * n);
      for (std::size_t i = 0; i < limbs; ++i) {
        auto w = test::random_words(n, primes[i]);
        w[0] = w[n / 2] = primes[i] - 1;  // at the halves' edges, where the parts meet
        std::copy(w.begin(), w.end(), data.begin() + static_cast<std::ptrdiff_t>(i * n));
      }
      for (auto dir : {ntt::Direction::Forward, ntt::Direction::Inverse})
        for (auto k : kernels) {
          std::vector<std::vector<uint64_t>> out;
          for (int threads : {1, 2, 3}) {
            omp_set_num_threads(threads);
            out.push_back(data);
            ntt::transform_with(k, plan_for(tables, dir), out.back().data());
          }
          const char* d = dir == ntt::Direction::Forward ? "forward" : "inverse";
          EXPECT_EQ(out[0], out[1]) << rns::simd_name(k) << " " << d << " n=" << n << " limbs=" << limbs << ", 2 threads";
          EXPECT_EQ(out[0], out[2]) << rns::simd_name(k) << " " << d << " n=" << n << " limbs=" << limbs << ", 3 threads";
        }
    }
  }
  omp_set_num_threads(before);
}

// A polynomial in X^g transforms through the size-N/g tables with roots psi^g, each value
// repeated g times: word for word the dense transform (sparse-slot plaintexts use this).
TEST(Ntt, SparseForwardEqualsDenseTransform) {
  const std::size_t n = 4096;
  const std::vector<uint64_t> primes = {rns::generate_ntt_primes(50, 1, n)[0], rns::generate_ntt_primes(60, 1, n)[0]};
  const auto dense_tables = make_tables(n, primes);
  for (std::size_t g : {std::size_t{2}, std::size_t{4}, std::size_t{8}, std::size_t{64}, std::size_t{2048}}) {
    const std::size_t m = n / g;
    std::vector<ntt::NttTables> sub;
    for (const auto& t : dense_tables) sub.emplace_back(m, t.modulus(), rns::pow_mod(t.psi(), g, t.modulus()));
    std::vector<uint64_t> r(m * primes.size()), dense(n * primes.size(), 0);
    for (std::size_t l = 0; l < primes.size(); ++l)
      for (std::size_t k = 0; k < m; ++k) {
        r[l * m + k] = test::rng()() % primes[l];
        dense[l * n + k * g] = r[l * m + k];
      }
    ntt::transform(plan_for(dense_tables, ntt::Direction::Forward), dense.data());
    std::vector<uint64_t> out(n * primes.size());
    ntt::sparse_forward(plan_for(sub, ntt::Direction::Forward), g, r.data(), out.data());
    EXPECT_EQ(out, dense) << "g = " << g;
  }
  // psi must be a primitive 2N-th root
  EXPECT_THROW(ntt::NttTables(n, Modulus(primes[0]), 1), InvalidArgument);
  EXPECT_THROW(ntt::NttTables(n, Modulus(primes[0]), rns::pow_mod(dense_tables[0].psi(), 2, Modulus(primes[0]))),
               InvalidArgument);
}
