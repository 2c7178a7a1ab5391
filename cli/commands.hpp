// The command-line front end: parses arguments, calls the library, prints and chooses the
// exit code. Nothing here computes physics.
#pragma once

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace ssbsim::cli {

struct RunOptions {
    std::string config;               // empty: embedded default
    std::string output;               // empty: from the config
    std::vector<std::string> set;     // --set key.path=value
    bool quiet = false;
    bool progress = true;             // on a terminal
    bool force_progress = false;      // --progress: also when stderr is not a terminal
    bool no_output = false;           // --no-output: no result file (output.file: none)
    std::string summary = "condensed";  // --summary: condensed, full, cycles, none
    std::string checkpoint;           // --checkpoint FILE: write a checkpoint there ...
    int checkpoint_after = -1;        // --checkpoint-after-step N: ... after N protocol steps
    std::string restart;              // --restart FILE: continue from that checkpoint
};

int run(const RunOptions& o);
int check(const std::string& config, const std::vector<std::string>& set, bool print);
int info(const std::string& file, bool json, const std::string& summary = "condensed");
// Exit codes: 0 all cases complete, 4 some failed, 2 bad sweep file.
int sweep(const std::string& file, const std::string& out_dir, int jobs, bool quiet);

struct ValidateOptions {
    std::string config;            // empty: embedded default
    std::string data;              // measured-data file
    std::string output;            // directory; empty: <data stem>_validation
    std::vector<std::string> set;
    std::string mass;              // active mass with unit, when the data lack it
    std::string format = "auto";   // auto, csv, mpt
    int current_sign = 1;          // -1: the file's current is positive on discharge
    std::string reference = "auto";  // auto (as the file declares), cell or li: what its potentials are
    double shoulder = 0;           // [V] shoulder threshold; 0: data metadata, else config
    int jobs = 0;                  // parallel simulations; 0: all cores
    bool plot = true;
    bool quiet = false;
};
// Exit codes: 0 done, 2 bad input, 3 a simulation failed (comparison still written).
int validate(const ValidateOptions& o);
// Prints "ssbsim: error: WHAT" and returns 2, the exit code of bad input.
inline int report_error(const std::exception& e) {
    std::cerr << "ssbsim: error: " << e.what() << "\n";
    return 2;
}
// Replaces this process with the named executable from this executable's directory
// (argv[0] of the new program is `name`); returns 2 with a message when that fails.
int exec_sibling(const std::string& name, int argc, char** argv);

}  // namespace ssbsim::cli
