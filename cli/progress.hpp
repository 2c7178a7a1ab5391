// The progress line that `ssbsim run` and `ssbsim sweep` draw on stderr: a bar and the
// command's own fields, redrawn in place, cleared or ended when the work is done.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>

namespace ssbsim::cli {

// "0:42", "12:05", "3:02:10".
inline std::string clock_text(double seconds) {
    long t = static_cast<long>(std::max(0.0, seconds) + 0.5);
    char buf[32];
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
    return buf;
}

// "[#########                     ]": FRAC (0 to 1) of WIDTH filled.
inline std::string progress_bar(double frac, int width = 30) {
    const int filled = std::clamp(static_cast<int>(frac * width), 0, width);
    return "[" + std::string(filled, '#') + std::string(width - filled, ' ') + "]";
}

// Redraws the line in place.
inline void draw_progress(const std::string& line) {
    std::fprintf(stderr, "\r%s", line.c_str());
    std::fflush(stderr);
}

// Blanks the line (WIDTH characters) and returns to its start.
inline void clear_progress(int width = 140) { std::fprintf(stderr, "\r%*s\r", width, ""); }

}  // namespace ssbsim::cli
