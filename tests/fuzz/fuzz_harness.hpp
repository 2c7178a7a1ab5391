// The fuzz harnesses' contract. Each harness takes arbitrary bytes and feeds them to one
// input path of ssbsim. A typed ssbsim::Error (ConfigError, DataError, ...) is the correct
// answer to bad input; anything else that escapes is a finding, because the command line
// would print a bare library message ("stod", "bad conversion") without file, line or key.
// Crashes, sanitizer reports, hangs and runaway memory are findings too (libFuzzer's
// -timeout and -rss_limit_mb catch the last two).
//
// Built two ways (tests/fuzz/CMakeLists.txt and tests/CMakeLists.txt):
//  * with clang and libFuzzer (-DSSBSIM_FUZZ=ON), one fuzzer executable per harness;
//  * in the normal build, ssbsim_fuzz_replay runs every harness over its seeds and the
//    corpus of past findings (CTest fuzz_corpus_replay).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "core/error.hpp"

namespace ssbsim::fuzz {

using Harness = int (*)(const std::uint8_t* data, std::size_t size);

int config(const std::uint8_t* data, std::size_t size);    // a whole YAML config
int set(const std::uint8_t* data, std::size_t size);       // --set assignments on the default
int quantity(const std::uint8_t* data, std::size_t size);  // quantities and step strings
int import(const std::uint8_t* data, std::size_t size);    // measured-data files (CSV, .mpt)

// Runs `body`; a typed ssbsim error is fine, any other exception aborts with its message.
template <class F>
int guarded(const char* harness, F&& body) {
    try {
        body();
    } catch (const ssbsim::Error&) {
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz %s: untyped exception escaped: %s\n", harness, e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz %s: non-standard exception escaped\n", harness);
        std::abort();
    }
    return 0;
}

}  // namespace ssbsim::fuzz

// In the libFuzzer build each harness file is its own fuzzer.
#ifdef SSBSIM_LIBFUZZER
#define SSBSIM_FUZZ_ENTRY(fn)                                                          \
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
        return ssbsim::fuzz::fn(data, size);                                          \
    }
#else
#define SSBSIM_FUZZ_ENTRY(fn)
#endif
