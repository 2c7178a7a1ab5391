// Hostile conditions for sweeps and the worker pools (issue 11): planted symbolic links
// at temporary paths, two sweeps on one output directory, directories where files belong,
// and worker processes whose parent is killed.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "core/process_pool.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hdf5_file.hpp"
#include "io/sweep.hpp"

namespace ssbsim {
namespace {

std::string fresh_dir(const std::string& name) {
    std::string d = ::testing::TempDir() + "/ssbsim_hostile_sweep_" + name + "_" + std::to_string(getpid());
    std::string cmd = "rm -rf '" + d + "' && mkdir -p '" + d + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return d;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void put(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

bool is_link(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

// Alive and not a zombie (an orphan's zombie may wait for a slow init to reap it).
bool alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return false;
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return false;
    char state = line[close + 2];
    return state != 'Z' && state != 'X';
}

TEST(HostileSweep, AtomicTextWriteNeverFollowsAPlantedPartLink) {
    const std::string d = fresh_dir("text");
    put(d + "/outside.txt", "precious");
    ASSERT_EQ(symlink((d + "/outside.txt").c_str(), (d + "/out.json.part").c_str()), 0);
    write_text_atomically(d + "/out.json", "{\"ok\": 1}\n");
    EXPECT_EQ(slurp(d + "/outside.txt"), "precious");
    EXPECT_EQ(slurp(d + "/out.json"), "{\"ok\": 1}\n");
    EXPECT_TRUE(is_link(d + "/out.json.part"));  // someone else's: neither followed nor deleted
    // No temporary of ours is left.
    std::string cmd = "ls '" + d + "' | grep -q 'out.json.part.'";
    EXPECT_NE(std::system(cmd.c_str()), 0);
}

TEST(HostileSweep, AtomicTextWriteReplacesALinkAtThePathItself) {
    const std::string d = fresh_dir("textlink");
    put(d + "/outside.txt", "precious");
    ASSERT_EQ(symlink((d + "/outside.txt").c_str(), (d + "/out.csv").c_str()), 0);
    write_text_atomically(d + "/out.csv", "a,b\n");
    EXPECT_EQ(slurp(d + "/outside.txt"), "precious");
    EXPECT_FALSE(is_link(d + "/out.csv"));
    EXPECT_EQ(slurp(d + "/out.csv"), "a,b\n");
}

TEST(HostileSweep, StalePartIsReplacedOnlyWhenItIsOurRegularFile) {
    const std::string d = fresh_dir("stale");
    put(d + "/outside.txt", "precious");
    put(d + "/a.h5.part", "leftover of a killed run");
    clear_stale_part(d + "/a.h5.part");
    EXPECT_FALSE(std::ifstream(d + "/a.h5.part").good());
    clear_stale_part(d + "/absent.part");  // nothing there: fine
    ASSERT_EQ(symlink((d + "/outside.txt").c_str(), (d + "/b.h5.part").c_str()), 0);
    try {
        clear_stale_part(d + "/b.h5.part");
        FAIL() << "a symbolic link was accepted";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("b.h5.part' is a symbolic link"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(is_link(d + "/b.h5.part"));
    EXPECT_EQ(slurp(d + "/outside.txt"), "precious");
    ASSERT_EQ(mkdir((d + "/c.part").c_str(), 0755), 0);
    EXPECT_THROW(clear_stale_part(d + "/c.part"), IoError);
}

TEST(HostileSweep, ExclusiveHdf5CreateRefusesALink) {
    const std::string d = fresh_dir("h5");
    put(d + "/outside.txt", "precious");
    ASSERT_EQ(symlink((d + "/outside.txt").c_str(), (d + "/s.h5.part").c_str()), 0);
    EXPECT_THROW(h5::create_file(d + "/s.h5.part", true), IoError);
    EXPECT_EQ(slurp(d + "/outside.txt"), "precious");
    { h5::Handle f = h5::create_file(d + "/new.h5", true); }
    EXPECT_THROW(h5::create_file(d + "/new.h5", true), IoError);  // exists: not truncated
}

TEST(HostileSweep, SecondLockOnOneDirectoryFailsNamingDirectoryAndPid) {
    const std::string d = fresh_dir("lock") + "/out";
    {
        SweepLock first(d);
        try {
            SweepLock second(d);
            FAIL() << "two locks on one directory";
        } catch (const IoError& e) {
            const std::string want = "output directory '" + d + "' is in use by another sweep (pid " +
                                     std::to_string(getpid()) + ")";
            EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
        }
    }
    SweepLock again(d);  // released with the first
}

TEST(HostileSweep, LockBelongsToTheParentNotToAForkedWorker) {
    const std::string d = fresh_dir("lockchild") + "/out";
    auto lock = std::make_unique<SweepLock>(d);
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        lock->close_in_child();  // as a sweep worker does right after the fork
        char b = 1;
        if (write(ready[1], &b, 1) != 1) _exit(1);
        sleep(30);
        _exit(0);
    }
    char b = 0;
    ASSERT_EQ(read(ready[0], &b, 1), 1);
    close(ready[0]);
    close(ready[1]);
    lock.reset();  // the parent is done: the lingering worker must not keep the directory
    bool free = false;
    try {
        SweepLock next(d);
        free = true;
    } catch (const IoError&) {
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    EXPECT_TRUE(free);
}

TEST(HostileSweep, DirectoryAsBaseOrSweepFileIsAConfigErrorWithLineAndKey) {
    const std::string d = fresh_dir("dirs");
    ASSERT_EQ(mkdir((d + "/adir").c_str(), 0755), 0);
    put(d + "/s.yaml", "name: x\nbase: adir\nparameters:\n  - key: cell.temperature\n    values: [\"30 degC\"]\n");
    try {
        load_sweep(d + "/s.yaml");
        FAIL() << "a directory was accepted as the base config";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.line(), 2);
        EXPECT_EQ(e.key(), "base");
        EXPECT_NE(std::string(e.what()).find("is a directory; expected the path of a config file"), std::string::npos)
            << e.what();
    }
    try {
        load_sweep(d + "/adir");
        FAIL() << "a directory was accepted as the sweep file";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.file(), d + "/adir");
        EXPECT_NE(std::string(e.what()).find("is a directory; expected a sweep file"), std::string::npos) << e.what();
    }
}

// The pool of validate and fit: its workers die with a parent killed by SIGKILL instead
// of running on (minutes, for a long hold) as orphans.
TEST(HostileSweep, PoolWorkersDieWithTheirParent) {
    const std::string d = fresh_dir("pool");
    pid_t parent = fork();
    ASSERT_GE(parent, 0);
    if (parent == 0) {
        PoolOptions o;
        o.jobs = 2;
        run_in_processes(2, [&](int i) {
            put(d + "/worker" + std::to_string(i), std::to_string(getpid()));
            sleep(60);
            return std::string();
        }, o);
        _exit(0);
    }
    pid_t workers[2] = {0, 0};
    for (int t = 0; t < 200 && !(workers[0] && workers[1]); ++t) {
        for (int i = 0; i < 2; ++i) {
            std::string s = slurp(d + "/worker" + std::to_string(i));
            if (!s.empty()) workers[i] = std::stoi(s);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(workers[0] && workers[1]) << "the workers did not start";
    kill(parent, SIGKILL);
    waitpid(parent, nullptr, 0);
    bool gone = false;
    for (int t = 0; t < 20 && !gone; ++t) {
        gone = !alive(workers[0]) && !alive(workers[1]);
        if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!gone)
        for (pid_t w : workers) kill(w, SIGKILL);  // do not leave them to the next test
    EXPECT_TRUE(gone) << "workers outlived their killed parent by more than 1 s";
}

}  // namespace
}  // namespace ssbsim
