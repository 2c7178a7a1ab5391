#pragma once
// Faster operations for IDA's serial N_Vector (every vector IDA clones from the one given).
//
// IDA 6.4.1 spends about a quarter of a chemistry-on step in vector operations on ~700
// components (callgrind, 20 C/2 cycles of the embedded default): the masked WRMS norm alone
// 8 % (one compare and branch per component in N_VWSqrSumMaskLocal_Serial: ~10
// instructions a component), and the predictor's and history update's linear combinations,
// which without SUNDIALS' fused operations are one N_VScale plus one N_VLinearSum pass per
// history vector.
//
// enable_fast_vector_ops turns the fused operations on, replaces the linear combination by
// one pass over the components (the same sums in the same order: bit-identical), and the
// two WRMS norms by loops with four partial sums (the same sum of squares, added in another
// order, so norms differ from SUNDIALS' in the last bits only). A component that is not finite still makes
// the norm not finite (the masked norm skips masked-out components as SUNDIALS' does, so a
// NaN in an algebraic component is ignored by both).
#include <sundials/sundials_nvector.h>

namespace ssbsim {

// On x86-64 processors with AVX2 the linear sums, scalings, combinations and norms run in
// loops compiled for AVX2 (without FMA: the same operations in the same order, so the same
// results to the bit as the serial code above; ~25 % of a step's instructions were these
// loops). set_avx2_vector_ops(false) keeps them on SSE2 for vectors enabled afterwards (and
// the norms and combinations at once); returns whether AVX2 is in use.
bool set_avx2_vector_ops(bool on);

// v must be a serial N_Vector; vectors cloned from it afterwards inherit the operations.
void enable_fast_vector_ops(N_Vector v);

// The two norms, exposed for tests: sqrt(sum (x w)^2 / n) over all components, and over
// the components with id > 0 (still divided by the full length n, as SUNDIALS does).
double wrms_norm(N_Vector x, N_Vector w);
double wrms_norm_mask(N_Vector x, N_Vector w, N_Vector id);

}  // namespace ssbsim
