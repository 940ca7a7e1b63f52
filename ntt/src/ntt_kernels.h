// Per-limb NTT kernels behind ntt::transform's run-time dispatch (internal to ntt/).
#pragma once
#include <cstddef>
#include <cstdint>

#include "hnn/ntt/ntt.h"

namespace hnn::ntt::detail {
void forward_limb_portable(uint64_t* a, const NttTables& t);
void inverse_limb_portable(uint64_t* a, const NttTables& t);

// One limb on two threads, part = 0 and 1, N >= 64, the whole-limb kernel's words:
//   forward: forward_first_stage(part) on both, a barrier, forward_part(part, 2) on both;
//   inverse: inverse_part(part, 2) on both, a barrier, inverse_last_stage(part, 2) on both.
// forward_part(0, 1) and inverse_part(0, 1) are the whole-limb kernels.
void forward_first_stage_portable(uint64_t* a, const NttTables& t, std::size_t part);
void forward_part_portable(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts);
void inverse_part_portable(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts);
void inverse_last_stage_portable(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts);
#if defined(HNN_NTT_HAVE_AVX2)
// N >= 16; bit-identical to the portable kernels.
void forward_limb_avx2(uint64_t* a, const NttTables& t);
void inverse_limb_avx2(uint64_t* a, const NttTables& t);
#endif
#if defined(HNN_HAVE_AVX512)
// N >= 16; bit-identical to the portable kernels. Needs AVX-512 F, DQ and IFMA.
void forward_limb_avx512(uint64_t* a, const NttTables& t);
void inverse_limb_avx512(uint64_t* a, const NttTables& t);
// The two-thread parts, as for the portable kernels.
void forward_first_stage_avx512(uint64_t* a, const NttTables& t, std::size_t part);
void forward_part_avx512(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts);
void inverse_part_avx512(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts);
void inverse_last_stage_avx512(uint64_t* a, const NttTables& t, std::size_t part, std::size_t parts);
#endif
}  // namespace hnn::ntt::detail
