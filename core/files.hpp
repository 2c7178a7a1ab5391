// Small file helpers shared by the layers: paths (through std::filesystem), atomic text
// writes, and the rules for temporary files in a directory other people (or other runs) may
// write to: create with O_EXCL | O_NOFOLLOW, never follow or delete what this process did
// not create.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "core/error.hpp"

namespace ssbsim {

// "dir/name.ext" -> "name".
inline std::string file_stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

// The directory part of a path: "a/b/c.yaml" -> "a/b", "c.yaml" -> ".".
inline std::string directory_of(const std::string& path) {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    return dir.empty() ? std::string(".") : dir;
}

// PATH as written in FILE (a config naming a material file, a sweep naming its base): relative
// to FILE's directory; absolute and empty paths unchanged, and a FILE without a directory
// part leaves PATH relative to the working directory.
inline std::string resolve_beside(const std::string& file, const std::string& path) {
    const std::filesystem::path p(path), dir = std::filesystem::path(file).parent_path();
    if (path.empty() || p.is_absolute() || dir.empty()) return path;
    return (dir / p).string();
}

// mkdir -p. What is there already must be a directory (a link to one counts): otherwise an
// IoError "the ROLE 'PATH' exists and is not a directory" + HINT (what to give instead).
inline void make_directories(const std::string& path, const std::string& role = "directory",
                             const std::string& hint = "") {
    std::error_code made, there;
    std::filesystem::create_directories(path, made);
    if (std::filesystem::is_directory(path, there)) return;
    if (std::filesystem::exists(path, there))
        throw IoError("the " + role + " '" + path + "' exists and is not a directory" + hint);
    throw IoError("cannot create directory '" + path + "': " + made.message());
}

// Makes PATH free for an exclusive create. Nothing there: fine. A regular file of this
// user: a leftover (a .part of an earlier, killed run), removed. Anything else - a symbolic
// link, a directory, another user's file - is refused with an IoError, never followed and
// never deleted. Only for fixed temporary names in a directory this process has locked
// (a sweep's output directory); unlocked writers use unique names (write_text_atomically).
inline void clear_stale_part(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw IoError("cannot inspect '" + path + "': " + std::strerror(errno));
    }
    if (S_ISLNK(st.st_mode))
        throw IoError("'" + path +
                      "' is a symbolic link, not a file ssbsim wrote; refusing to write through it "
                      "(remove the link and run again)");
    if (!S_ISREG(st.st_mode))
        throw IoError("'" + path +
                      "' exists and is not a regular file; expected nothing there or the leftover of "
                      "an earlier run (remove it and run again)");
    if (st.st_uid != ::geteuid())
        throw IoError("'" + path +
                      "' belongs to another user; refusing to replace it (remove it or choose "
                      "another output directory)");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        throw IoError("cannot remove the leftover '" + path + "': " + std::strerror(errno));
}

// Creates PATH for writing with O_CREAT | O_EXCL | O_NOFOLLOW: fails when anything is
// there (a symbolic link included) instead of truncating or following it. Returns the
// descriptor, or -1 with errno set.
inline int create_exclusive(const std::string& path, mode_t mode = 0666) {
    int fd;
    do {
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

// Writes TEXT to PATH so a reader never sees half a file: through a temporary
// PATH.part.<pid>.<n> of this process only (created exclusively: never an existing file,
// never through a symbolic link, never shared with or deleted from under another writer),
// renamed over PATH. A symbolic link at PATH itself is replaced, not followed.
inline void write_text_atomically(const std::string& path, const std::string& text) {
    static std::atomic<unsigned> counter{0};
    std::string tmp;
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        tmp = path + ".part." + std::to_string(::getpid()) + "." + std::to_string(counter++);
        fd = create_exclusive(tmp);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) throw IoError("cannot write " + path + ": " + std::strerror(errno));
    const char* p = text.data();
    std::size_t left = text.size();
    bool ok = true;
    while (left > 0) {
        ssize_t w = ::write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            ok = false;
            break;
        }
        p += w;
        left -= static_cast<std::size_t>(w);
    }
    const int saved = errno;
    if (::close(fd) != 0) ok = false;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(ok ? errno : saved);
        ::unlink(tmp.c_str());  // ours: created above
        throw IoError("cannot write " + path + ": " + why);
    }
}

}  // namespace ssbsim
