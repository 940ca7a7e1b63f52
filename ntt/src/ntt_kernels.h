// Per-limb NTT kernels behind ntt::transform's run-time dispatch (internal to ntt/).
#pragma once
#include <cstdint>

#include "hnn/ntt/ntt.h"

namespace hnn::ntt::detail {
void forward_limb_portable(uint64_t* a, const NttTables& t);
void inverse_limb_portable(uint64_t* a, const NttTables& t);
#if defined(HNN_NTT_HAVE_AVX2)
// N >= 16; bit-identical to the portable kernels.
void forward_limb_avx2(uint64_t* a, const NttTables& t);
void inverse_limb_avx2(uint64_t* a, const NttTables& t);
#endif
#if defined(HNN_HAVE_AVX512)
// N >= 16; bit-identical to the portable kernels. Needs AVX-512 F, DQ and IFMA.
void forward_limb_avx512(uint64_t* a, const NttTables& t);
void inverse_limb_avx512(uint64_t* a, const NttTables& t);
#endif
}  // namespace hnn::ntt::detail
