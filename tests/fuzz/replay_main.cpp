// Replays fuzz inputs through the harnesses in the normal build, so past findings stay
// fixed without clang: ssbsim_fuzz_replay HARNESS PATH... (files, or directories read
// recursively). Measured-data files (.csv, .mpt) get the harness's format byte in front.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <vector>

#include "fuzz_harness.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    const std::map<std::string, ssbsim::fuzz::Harness> harnesses = {
        {"config", ssbsim::fuzz::config},
        {"set", ssbsim::fuzz::set},
        {"quantity", ssbsim::fuzz::quantity},
        {"import", ssbsim::fuzz::import},
    };
    if (argc < 3 || !harnesses.count(argv[1])) {
        std::cerr << "usage: ssbsim_fuzz_replay config|set|quantity|import PATH...\n";
        return 2;
    }
    const std::string name = argv[1];
    const auto harness = harnesses.at(name);
    std::vector<fs::path> files;
    for (int i = 2; i < argc; ++i) {
        const fs::path p(argv[i]);
        if (fs::is_directory(p)) {
            for (const auto& e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (fs::is_regular_file(p)) {
            files.push_back(p);
        } else {
            std::cerr << "ssbsim_fuzz_replay: no such file or directory: " << p << "\n";
            return 2;
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (name == "import") {
            const auto ext = f.extension().string();
            if (ext == ".csv") bytes.insert(bytes.begin(), '\0');
            if (ext == ".mpt") bytes.insert(bytes.begin(), '\1');
        }
        std::cout << name << ": " << f.string() << " (" << bytes.size() << " bytes)" << std::endl;
        harness(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    std::cout << name << ": " << files.size() << " inputs replayed, no finding\n";
    return 0;
}
