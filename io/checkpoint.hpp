// A checkpoint (run/checkpoint.hpp) as a small HDF5 file: the solver state, the model's
// identity, the protocol position, the books and the records of the steps done, so
// `ssbsim run --restart FILE` continues the run and writes its complete result file. The
// layout is docs/data_formats.md's ("Checkpoint files").
#pragma once

#include <string>

#include "run/checkpoint.hpp"

namespace ssbsim {

inline constexpr long kCheckpointFormatVersion = 1;

// Writes `ck` to PATH through a temporary name unique to this process, renamed over PATH
// when complete (a killed writer leaves no half-written checkpoint). Throws IoError.
void write_checkpoint(const std::string& path, const RunCheckpoint& ck);

// Reads a checkpoint; a missing, damaged or foreign file, or one of another format
// version, throws IoError naming the file and what is wrong (never a crash).
RunCheckpoint read_checkpoint(const std::string& path);

}  // namespace ssbsim
