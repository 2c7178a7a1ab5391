// Small file helpers shared by the commands: path stems and atomic text writes.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace ssbsim {

// "dir/name.ext" -> "name".
inline std::string file_stem(const std::string& path) {
    const auto slash = path.rfind('/');
    std::string s = slash == std::string::npos ? path : path.substr(slash + 1);
    return s.substr(0, s.rfind('.'));
}

// Writes PATH.part and renames it, so a reader never sees half a file.
inline void write_text_atomically(const std::string& path, const std::string& text) {
    std::ofstream out(path + ".part");
    out << text;
    out.close();
    if (!out || std::rename((path + ".part").c_str(), path.c_str()) != 0) throw IoError("cannot write " + path);
}

}  // namespace ssbsim
