// The command-line front end: parses arguments, calls the library, prints and chooses the
// exit code. Nothing here computes physics.
#pragma once

#include <string>
#include <vector>

namespace ssbsim::cli {

struct RunOptions {
    std::string config;               // empty: embedded default
    std::string output;               // empty: from the config
    std::vector<std::string> set;     // --set key.path=value
    bool quiet = false;
    bool progress = true;
};

int run(const RunOptions& o);
int check(const std::string& config, const std::vector<std::string>& set, bool print);
int info(const std::string& file, bool json);
// Exit codes: 0 all cases complete, 4 some failed, 2 bad sweep file.
int sweep(const std::string& file, const std::string& out_dir, int jobs, bool quiet);

}  // namespace ssbsim::cli
