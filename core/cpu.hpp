// What this CPU runs beyond the build's baseline x86-64: the hand-vectorised kernels
// (vector ops, the particles' face fluxes, the Jacobian's local terms, the LU) choose their
// copy by it at run time. Off x86-64 GCC/Clang builds, nothing.
#pragma once

namespace ssbsim {

inline bool cpu_has_avx2() {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool yes = [] {
        __builtin_cpu_init();  // may run before the constructors that would do it
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return yes;
#else
    return false;
#endif
}

inline bool cpu_has_avx2_fma() {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool yes = cpu_has_avx2() && __builtin_cpu_supports("fma");
    return yes;
#else
    return false;
#endif
}

}  // namespace ssbsim
