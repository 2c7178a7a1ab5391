#include "core/hdf5_file.hpp"

#include <hdf5.h>

#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <atomic>
#include <exception>
#include <system_error>
#include <thread>
#include <map>
#include <mutex>
#include <new>
#include <numeric>
#include <utility>

#include "core/error.hpp"

namespace ssbsim::h5 {

namespace {
// The chunk cache a result file's datasets get by default: one slot of this many bytes
// (Series::create; each holds at most one chunk).
constexpr std::size_t kFileChunkCacheBytes = 32 * 1024;

// The cause HDF5 recorded for the call that just failed, from the innermost entry of its
// error stack: the system's message for a failed read or write ("No space left on
// device"), else that entry's description; "" when the stack is empty.
std::string failure_cause() {
    std::string desc;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_UPWARD,
        [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
            if (n == 0 && e->desc) *static_cast<std::string*>(out) = e->desc;
            return 0;
        },
        &desc);
    const std::string tag = "error message = '";
    const std::size_t at = desc.find(tag);
    if (at == std::string::npos) return desc;
    const std::size_t end = desc.find('\'', at + tag.size());
    return desc.substr(at + tag.size(), end == std::string::npos ? std::string::npos : end - at - tag.size());
}
[[noreturn]] void fail(const std::string& what) {
    const std::string cause = failure_cause();
    throw IoError("HDF5: " + what + " failed" + (cause.empty() ? std::string() : ": " + cause));
}
void check(herr_t status, const std::string& what) {
    if (status < 0) fail(what);
}
hid_t checked(hid_t id, const std::string& what) {
    if (id < 0) fail(what);
    return id;
}
// HDF5 prints its error stack by default; the library reports errors by exception. Done
// at the first file opened, not in a static initialiser: H5Eset_auto2 initialises the
// whole library (1.3 M instructions), which `--version`, `check` and a run without output
// do not need.
void silence_errors() {
    static const bool silenced = [] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        return true;
    }();
    (void)silenced;
}

// The background task (run_in_background): its thread, its error, and whether one may be
// running (read without the lock by every call of this layer: one atomic load).
struct Background {
    std::mutex mutex;
    std::thread thread;
    std::exception_ptr error;
    std::atomic<bool> active{false};
};
Background& background() {
    static Background b;
    return b;
}
thread_local bool in_background_task = false;

void wait_background(bool rethrow) {
    Background& b = background();
    if (in_background_task || !b.active.load(std::memory_order_acquire)) return;
    std::exception_ptr error;
    {
        std::lock_guard<std::mutex> lock(b.mutex);
        if (b.thread.joinable()) b.thread.join();
        b.active.store(false, std::memory_order_release);
        if (rethrow) error = std::exchange(b.error, nullptr);
    }
    if (error) std::rethrow_exception(error);
}
// At the top of every function of this layer that calls HDF5.
void sync() { wait_background(true); }

// Variable-length UTF-8 strings and the scalar dataspace, made once per process (never
// closed, like transfer_properties()): the ~170 attributes of a result file made and closed
// a copy of each.
hid_t string_type() {
    static hid_t type = [] {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        return t;
    }();
    return type;
}
hid_t scalar_space() {
    static hid_t space = H5Screate(H5S_SCALAR);
    return space;
}

// A string attribute on an object that does not have it yet (a dataset just created).
void add_string_attribute(hid_t obj, const std::string& name, const std::string& value) {
    Handle attr(checked(H5Acreate2(obj, name.c_str(), string_type(), scalar_space(), H5P_DEFAULT, H5P_DEFAULT),
                        "create attribute " + name));
    const char* p = value.c_str();
    check(H5Awrite(attr.id(), string_type(), &p), "write attribute " + name);
}

// Transfer properties with a small type-conversion buffer: HDF5's default (1 MB, zeroed,
// twice per write) made every string append cost page faults worth milliseconds.
hid_t transfer_properties() {
    static hid_t dxpl = [] {
        hid_t p = H5Pcreate(H5P_DATASET_XFER);
        H5Pset_buffer(p, 16 * 1024, nullptr, nullptr);
        return p;
    }();
    return dxpl;
}
}  // namespace

void run_in_background(std::function<void()> task) {
    sync();
    Background& b = background();
    std::lock_guard<std::mutex> lock(b.mutex);
    b.error = nullptr;
    b.active.store(true, std::memory_order_release);
    auto job = std::make_shared<std::function<void()>>(std::move(task));
#ifdef __GLIBC__
    // The task allocates from the main thread's arena, not from one of its own: glibc grows
    // a second arena's heap by an mprotect call per page or so (278 calls, ~0.5 ms of a
    // fresh `ssbsim run`, for the ~1 MB HDF5 allocates making a result file), the main
    // arena by brk with M_TOP_PAD to spare; and a second arena kept ~1 MiB more at the peak
    // of long runs (benchmarks/memory_bench.sh). This is the process's only other thread,
    // and it only runs while the main thread solves, which allocates little.
    mallopt(M_ARENA_MAX, 1);
#endif
    try {
        b.thread = std::thread([job] {
            in_background_task = true;
            // A thread-safe HDF5 (Debian's, the fallback) keeps an error stack per thread.
            H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
            try {
                (*job)();
            } catch (...) {
                background().error = std::current_exception();  // read after the join
            }
        });
    } catch (const std::system_error&) {  // no thread to be had: the task runs here
        b.active.store(false, std::memory_order_release);
        (*job)();
    }
}

void wait_for_background() { sync(); }

Handle::~Handle() {
    if (id_ < 0) return;
    wait_background(false);  // a destructor waits, never throws: the error stays for the next call
    switch (H5Iget_type(id_)) {
        case H5I_FILE: H5Fclose(id_); break;
        case H5I_GROUP: H5Gclose(id_); break;
        case H5I_DATASET: H5Dclose(id_); break;
        case H5I_DATASPACE: H5Sclose(id_); break;
        case H5I_DATATYPE: H5Tclose(id_); break;
        case H5I_ATTR: H5Aclose(id_); break;
        case H5I_GENPROP_LST: H5Pclose(id_); break;
        default: break;
    }
}

Handle& Handle::operator=(Handle&& o) noexcept {
    if (this != &o) {
        Handle tmp(id_);
        id_ = o.id_;
        o.id_ = -1;
    }
    return *this;
}

void skip_library_teardown() { H5dont_atexit(); }

void limit_library_memory() {
    sync();
    silence_errors();
    // HDF5 keeps freed blocks on free lists for reuse, by default up to 1 MiB per list and
    // 4 MiB per kind (regular, array, block), without bound in practice for the many lists
    // a long run touches. 8 kB per list and 32 kB per kind cost no measurable speed (user
    // time of a 500-cycle run 5.4-6.1 s against 5.8-5.9 s with 64 / 256 kB) and take
    // ~0.5 MiB off its peak RSS.
    check(H5set_free_list_limits(32 * 1024, 8 * 1024, 32 * 1024, 8 * 1024, 32 * 1024, 8 * 1024),
          "set free-list limits");
}

Handle create_file(const std::string& path, bool exclusive) {
    sync();
    silence_errors();
    // H5F_ACC_EXCL opens with O_CREAT | O_EXCL, which never follows a symbolic link.
    // A metadata cache of at most 32 kB (HDF5's default grows to 32 MiB): the writer only
    // appends and flushes at every protocol step, so what the cache keeps beyond the open
    // chunk indices and object headers is clean and never read again - above all the global
    // heap collections of the step labels and of the `config` attribute (~1 MB at 1500
    // cycles with a 1 MiB cache). At 128 kB: 1500 cycles peak RSS 15.4 -> 14.4 MiB.
    // Cut again to 16-32 kB: the cache bounds entries by their size on disk, but a chunk
    // B-tree node (~2.6 kB on disk) holds ~18 kB of native keys in memory (65 keys sized for
    // 32 dimensions), so a 128 kB cache filled with the nodes of a long run's larger trees
    // held ~1 MiB more than a short run's. 1 / 10 / 1500 cycles: 14.1 / 14.8 / 15.8 ->
    // 13.7 / 14.4 / 14.6 MiB peak RSS; user time of 100 cycles unchanged within the noise.
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    H5AC_cache_config_t mdc;
    mdc.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    check(H5Pget_mdc_config(fapl.id(), &mdc), "get metadata cache config");
    mdc.set_initial_size = true;
    mdc.initial_size = 16 * 1024;
    mdc.min_size = 16 * 1024;
    mdc.max_size = 32 * 1024;
    check(H5Pset_mdc_config(fapl.id(), &mdc), "set metadata cache config");
    // The chunk cache of the file's datasets: one chunk (see Series::create) of at most
    // kFileChunkCacheBytes. A dataset whose chunk fits takes it from here with the default
    // access properties, which HDF5 then neither copies nor closes per dataset (~20k
    // instructions each); a larger chunk gets its own cache (chunk_properties).
    check(H5Pset_cache(fapl.id(), 0, 1, kFileChunkCacheBytes, 1.0), "set chunk cache");
    // The default (1.8-compatible) file format, not the 1.10 one: a 1.10 superblock keeps
    // a "file open for writing" flag that a killed run leaves set, and HDF5 then refuses to
    // open the file (h5py included) until h5clear is run on it. With the small metadata
    // cache above the 1.8 format's chunk B-trees keep the memory flat as well (1 / 10 /
    // 1500 cycles: 14.4 / 14.4 / 14.9 MiB peak RSS; 1.10: 13.5 / 14.0 / 14.4).
    // Chunk B-tree nodes of at most 8 children (istore_k 4, HDF5's default 32: 64): a
    // result file's ~60 datasets hold a few chunks each in a short run, and each node was
    // written whole, ~2.6 kB on disk and ~18 kB in memory (above), so the small cache held
    // ~12 of them and evicted and read back the rest at every flush. At 4: a fresh run's
    // pread calls 191 -> 103, pwrite 466 -> 351, page faults -60, file 0.86 -> 0.73 MB;
    // peak RSS 1 / 500 / 1500 cycles 13.6 / 14.5 / 14.7 -> 13.2 / 13.6 / 13.6-14.0 MiB,
    // wall time of 500 and 1500 cycles unchanged within the noise. A non-default k makes
    // the superblock version 1 (readable by HDF5 1.6 on; no 1.10 status flags).
    Handle fcpl(H5Pcreate(H5P_FILE_CREATE));
    check(H5Pset_istore_k(fcpl.id(), 4), "set chunk B-tree size");
    struct stat st;
    const bool exists = exclusive && lstat(path.c_str(), &st) == 0;  // H5Fcreate may leave one
    hid_t id = H5Fcreate(path.c_str(), exclusive ? H5F_ACC_EXCL : H5F_ACC_TRUNC, fcpl.id(), fapl.id());
    if (id < 0) {
        const std::string cause = failure_cause();
        throw IoError("cannot create HDF5 file '" + path + "'" +
                      (exists ? " (something already exists at that path)"
                              : cause.empty() ? std::string() : ": " + cause));
    }
    return Handle(id);
}

std::string open_failure_reason(const std::string& path) {
    sync();
    silence_errors();
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return std::string("cannot be read: ") + std::strerror(errno);
    if (S_ISDIR(st.st_mode)) return "is a directory, not an HDF5 file";
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return std::string("cannot be read: ") + std::strerror(errno);
    // HDF5 holds an exclusive flock while a writer has the file open.
    bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    if (locked)
        return "is locked by another process (a run still writing it?): wait until it ends, or read "
               "the last flushed state with HDF5_USE_FILE_LOCKING=FALSE";
    if (st.st_size == 0) return "is empty (0 bytes), not an HDF5 file";
    if (H5Fis_hdf5(path.c_str()) <= 0) return "is not an HDF5 file (or is truncated)";
    return "";
}

Handle open_file(const std::string& path, bool write) {
    sync();
    silence_errors();
    hid_t id = H5Fopen(path.c_str(), write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) {
        std::string why = open_failure_reason(path);
        throw IoError("cannot open HDF5 file '" + path + "'" + (why.empty() ? "" : ": it " + why));
    }
    return Handle(id);
}

ObjectKind object_kind(const Handle& loc, const std::string& path) {
    sync();
    if (!exists(loc, path)) return ObjectKind::missing;
    hid_t id = H5Oopen(loc.id(), path.c_str(), H5P_DEFAULT);
    if (id < 0) return ObjectKind::missing;  // a dangling link
    H5I_type_t t = H5Iget_type(id);
    H5Oclose(id);
    if (t == H5I_GROUP) return ObjectKind::group;
    if (t == H5I_DATASET) return ObjectKind::dataset;
    return ObjectKind::other;
}

namespace {
ValueClass classify(hid_t type) {
    switch (H5Tget_class(type)) {
        case H5T_INTEGER: return ValueClass::integer;
        case H5T_FLOAT: return ValueClass::floating;
        case H5T_STRING: return ValueClass::string;
        default: return ValueClass::other;
    }
}
}  // namespace

ValueClass dataset_class(const Handle& loc, const std::string& path) {
    sync();
    Handle ds(checked(H5Dopen2(loc.id(), path.c_str(), H5P_DEFAULT), "open dataset " + path));
    Handle type(H5Dget_type(ds.id()));
    return classify(type.id());
}

ValueClass attribute_class(const Handle& obj, const std::string& name) {
    sync();
    Handle attr(checked(H5Aopen(obj.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name));
    Handle type(H5Aget_type(attr.id()));
    return classify(type.id());
}

void flush(const Handle& file) {
    sync();
    check(H5Fflush(file.id(), H5F_SCOPE_GLOBAL), "flush");
}

Handle create_group(const Handle& loc, const std::string& name) {
    sync();
    return Handle(checked(H5Gcreate2(loc.id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          "create group " + name));
}

Handle open_group(const Handle& loc, const std::string& name) {
    sync();
    return Handle(checked(H5Gopen2(loc.id(), name.c_str(), H5P_DEFAULT), "open group " + name));
}

bool exists(const Handle& loc, const std::string& path) {
    sync();
    // Check each component so missing intermediate groups are not an error.
    size_t pos = 0;
    while (true) {
        size_t next = path.find('/', pos);
        std::string part = path.substr(0, next);
        if (!part.empty() && H5Lexists(loc.id(), part.c_str(), H5P_DEFAULT) <= 0) return false;
        if (next == std::string::npos) return true;
        pos = next + 1;
    }
}

std::vector<std::string> children(const Handle& loc) {
    sync();
    std::vector<std::string> out;
    auto add = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    hsize_t idx = 0;
    if (H5Literate(loc.id(), H5_INDEX_NAME, H5_ITER_INC, &idx, add, &out) < 0)
        throw IoError("cannot list the members of an HDF5 group");
    return out;
}

namespace {
// Writes an attribute the object already has, in place, when its stored type is of the same
// kind (a variable-length string, a float, an integer): the end of a run rewrites `status`
// and `status_message`, which deleting and creating again cost a condensing of the root
// group's object header. Otherwise deletes it and returns false (to be created afresh).
bool rewrite_attribute(const Handle& obj, const std::string& name, hid_t memtype, const void* value) {
    if (H5Aexists(obj.id(), name.c_str()) <= 0) return false;
    {
        Handle attr(checked(H5Aopen(obj.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name));
        Handle stored(H5Aget_type(attr.id()));
        const bool same = H5Tget_class(stored.id()) == H5Tget_class(memtype) &&
                          H5Tis_variable_str(stored.id()) == H5Tis_variable_str(memtype) &&
                          (H5Tget_class(memtype) != H5T_STRING || H5Tget_cset(stored.id()) == H5Tget_cset(memtype)) &&
                          H5Tget_size(stored.id()) == H5Tget_size(memtype);
        if (same) {
            check(H5Awrite(attr.id(), memtype, value), "write attribute " + name);
            return true;
        }
    }
    H5Adelete(obj.id(), name.c_str());
    return false;
}

template <class T>
void set_number_attribute(const Handle& obj, const std::string& name, hid_t type, T value) {
    if (rewrite_attribute(obj, name, type, &value)) return;
    Handle attr(checked(H5Acreate2(obj.id(), name.c_str(), type, scalar_space(), H5P_DEFAULT, H5P_DEFAULT),
                        "create attribute " + name));
    check(H5Awrite(attr.id(), type, &value), "write attribute " + name);
}
}  // namespace

void set_attribute(const Handle& obj, const std::string& name, const std::string& value) {
    sync();
    const char* p = value.c_str();
    if (!rewrite_attribute(obj, name, string_type(), &p)) add_string_attribute(obj.id(), name, value);
}

void set_attribute(const Handle& obj, const std::string& name, double value) {
    sync();
    set_number_attribute(obj, name, H5T_NATIVE_DOUBLE, value);
}

void set_attribute(const Handle& obj, const std::string& name, long value) {
    sync();
    set_number_attribute(obj, name, H5T_NATIVE_LONG, value);
}

bool has_attribute(const Handle& obj, const std::string& name) {
    sync();
    return H5Aexists(obj.id(), name.c_str()) > 0;
}

std::string get_string_attribute(const Handle& obj, const std::string& name) {
    sync();
    Handle attr(checked(H5Aopen(obj.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name));
    Handle ftype(H5Aget_type(attr.id()));
    if (H5Tis_variable_str(ftype.id()) > 0) {
        Handle mtype(H5Tcopy(H5T_C_S1));
        H5Tset_size(mtype.id(), H5T_VARIABLE);
        H5Tset_cset(mtype.id(), H5Tget_cset(ftype.id()));
        char* p = nullptr;
        check(H5Aread(attr.id(), mtype.id(), &p), "read attribute " + name);
        std::string out = p ? p : "";
        Handle space(H5Aget_space(attr.id()));
        H5Dvlen_reclaim(mtype.id(), space.id(), H5P_DEFAULT, &p);
        return out;
    }
    size_t n = H5Tget_size(ftype.id());
    std::string out(n, '\0');
    check(H5Aread(attr.id(), ftype.id(), out.data()), "read attribute " + name);
    out.resize(out.find('\0') == std::string::npos ? n : out.find('\0'));
    return out;
}

double get_double_attribute(const Handle& obj, const std::string& name) {
    sync();
    Handle attr(checked(H5Aopen(obj.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name));
    double v = 0;
    check(H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &v), "read attribute " + name);
    return v;
}

long get_long_attribute(const Handle& obj, const std::string& name) {
    sync();
    Handle attr(checked(H5Aopen(obj.id(), name.c_str(), H5P_DEFAULT), "open attribute " + name));
    long v = 0;
    check(H5Aread(attr.id(), H5T_NATIVE_LONG, &v), "read attribute " + name);
    return v;
}

void write_vector(const Handle& loc, const std::string& name, const std::vector<double>& v,
                  const std::string& unit) {
    sync();
    hsize_t dims[1] = {v.size()};
    Handle space(H5Screate_simple(1, dims, nullptr));
    Handle ds(checked(H5Dcreate2(loc.id(), name.c_str(), H5T_NATIVE_DOUBLE, space.id(), H5P_DEFAULT,
                                 H5P_DEFAULT, H5P_DEFAULT),
                      "create dataset " + name));
    if (!v.empty()) check(H5Dwrite(ds.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "write " + name);
    if (!unit.empty()) set_attribute(ds, "unit", unit);
}

std::vector<std::uint64_t> shape(const Handle& loc, const std::string& path) {
    sync();
    Handle ds(checked(H5Dopen2(loc.id(), path.c_str(), H5P_DEFAULT), "open dataset " + path));
    Handle space(H5Dget_space(ds.id()));
    int rank = H5Sget_simple_extent_ndims(space.id());
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
    return std::vector<std::uint64_t>(dims.begin(), dims.end());
}

namespace {
template <typename T>
std::vector<T> read_numeric(const Handle& loc, const std::string& path, hid_t memtype) {
    Handle ds(checked(H5Dopen2(loc.id(), path.c_str(), H5P_DEFAULT), "open dataset " + path));
    Handle space(H5Dget_space(ds.id()));
    hssize_t n = H5Sget_simple_extent_npoints(space.id());
    std::vector<T> v(static_cast<size_t>(n));
    if (n > 0) check(H5Dread(ds.id(), memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "read " + path);
    return v;
}
}  // namespace

std::vector<double> read_vector(const Handle& loc, const std::string& path) {
    sync();
    return read_numeric<double>(loc, path, H5T_NATIVE_DOUBLE);
}
std::vector<long> read_long_vector(const Handle& loc, const std::string& path) {
    sync();
    return read_numeric<long>(loc, path, H5T_NATIVE_LONG);
}

std::vector<std::string> read_strings(const Handle& loc, const std::string& path) {
    sync();
    Handle ds(checked(H5Dopen2(loc.id(), path.c_str(), H5P_DEFAULT), "open dataset " + path));
    Handle space(H5Dget_space(ds.id()));
    hssize_t n = H5Sget_simple_extent_npoints(space.id());
    Handle ftype(H5Dget_type(ds.id()));
    if (H5Tget_class(ftype.id()) == H5T_STRING && H5Tis_variable_str(ftype.id()) <= 0) {
        // Fixed-length strings (as other tools write them), NUL-padded.
        const size_t len = H5Tget_size(ftype.id());
        std::vector<char> buf(static_cast<size_t>(n) * len + 1, '\0');
        if (n > 0) check(H5Dread(ds.id(), ftype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), "read " + path);
        std::vector<std::string> out;
        for (hssize_t i = 0; i < n; ++i) {
            const char* p = buf.data() + i * len;
            out.emplace_back(p, strnlen(p, len));
        }
        return out;
    }
    Handle mtype(H5Tcopy(H5T_C_S1));
    H5Tset_size(mtype.id(), H5T_VARIABLE);
    H5Tset_cset(mtype.id(), H5Tget_cset(ftype.id()));
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    std::vector<std::string> out;
    if (n > 0) {
        check(H5Dread(ds.id(), mtype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "read " + path);
        for (char* p : ptrs) out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mtype.id(), space.id(), H5P_DEFAULT, ptrs.data());
    }
    return out;
}

// ---------------------------------------------------------------------------------------

namespace {
// The creation (chunk shape) properties of appended datasets, made once per process for
// each of the few shapes a result file has, and for a chunk larger than the file's chunk
// cache (kFileChunkCacheBytes) access properties with a cache of one such chunk: creating
// and closing two property lists per dataset was a quarter of the cost of creating the ~60
// datasets of a result file (~3 M of 11.5 M instructions). Never closed, like
// transfer_properties(). `access` is H5P_DEFAULT when the file's cache holds the chunk.
struct ChunkProperties {
    hid_t create = -1, access = H5P_DEFAULT;
};
const ChunkProperties& chunk_properties(const std::vector<hsize_t>& chunk, std::size_t chunk_bytes) {
    static std::mutex mutex;
    static std::map<std::pair<std::vector<hsize_t>, std::size_t>, ChunkProperties> made;
    std::lock_guard<std::mutex> lock(mutex);
    const bool own_cache = chunk_bytes > kFileChunkCacheBytes;
    const auto key = std::make_pair(chunk, own_cache ? chunk_bytes : 0);
    auto it = made.find(key);
    if (it != made.end()) return it->second;
    const hid_t create = checked(H5Pcreate(H5P_DATASET_CREATE), "create dataset properties");
    const hid_t access = own_cache ? H5Pcreate(H5P_DATASET_ACCESS) : H5P_DEFAULT;
    if (access < 0 || H5Pset_chunk(create, static_cast<int>(chunk.size()), chunk.data()) < 0 ||
        (own_cache && H5Pset_chunk_cache(access, 1, chunk_bytes, 1.0) < 0)) {
        H5Pclose(create);
        if (access >= 0 && access != H5P_DEFAULT) H5Pclose(access);
        throw IoError("HDF5: set chunk shape and cache failed");
    }
    return made.emplace(key, ChunkProperties{create, access}).first->second;
}
}  // namespace

Series::Series(const Handle& loc, const std::string& name, Type type,
               std::vector<std::uint64_t> row_shape, const std::string& unit,
               std::size_t buffer_rows)
    : Series(name, type, std::move(row_shape), unit, buffer_rows) {
    attach(loc);
}

Series::Series(const std::string& name, Type type, std::vector<std::uint64_t> row_shape,
               const std::string& unit, std::size_t buffer_rows)
    : name_(name), unit_(unit), type_(type), row_shape_(std::move(row_shape)), capacity_(std::max<std::size_t>(1, buffer_rows)) {
    row_size_ = std::accumulate(row_shape_.begin(), row_shape_.end(), std::uint64_t{1},
                                std::multiplies<std::uint64_t>());
    // Reserved, not filled: a short run touches only the pages it writes (the ~60 buffers
    // of a result file are ~0.5 MB).
    if (type_ == Type::float64) dbuf_.reserve(capacity_ * row_size_);
    if (type_ == Type::int64) lbuf_.reserve(capacity_);
    if (type_ == Type::string) sbuf_.resize(capacity_);
}

void Series::attach(const Handle& loc) {
    sync();
    release_loc();
    check(H5Iinc_ref(loc.id()), "hold group for dataset " + name_);
    loc_ = loc.id();
}

Series::Series(Series&& o) noexcept
    : dataset_(std::move(o.dataset_)),
      loc_(std::exchange(o.loc_, -1)),
      name_(std::move(o.name_)),
      unit_(std::move(o.unit_)),
      description_(std::move(o.description_)),
      type_(o.type_),
      row_shape_(std::move(o.row_shape_)),
      row_size_(o.row_size_),
      capacity_(o.capacity_),
      buffered_(std::exchange(o.buffered_, 0)),
      written_(std::exchange(o.written_, 0)),
      extent_(std::exchange(o.extent_, 0)),
      dbuf_(std::move(o.dbuf_)),
      lbuf_(std::move(o.lbuf_)),
      sbuf_(std::move(o.sbuf_)) {}

Series& Series::operator=(Series&& o) noexcept {
    if (this != &o) {
        this->~Series();
        new (this) Series(std::move(o));
    }
    return *this;
}

Series::~Series() {
    wait_background(false);
    try {
        if (dataset_.valid() || loc_ >= 0) flush();
    } catch (...) {
    }
    release_loc();
}

void Series::close() {
    sync();
    if (dataset_.valid() || loc_ >= 0) flush();
    dataset_ = Handle();
}

void Series::release_loc() {
    if (loc_ < 0) return;
    wait_background(false);
    H5Idec_ref(loc_);
    loc_ = -1;
}

const Handle& Series::handle() {
    sync();
    if (!dataset_.valid()) create();
    return dataset_;
}

// The dataset with the rows buffered so far as its extent (so the first write needs no
// H5Dset_extent), unlimited along the rows, in chunks of about 16 kB (at most the buffer's
// rows). Larger chunks for the 20 x 20 rows of profiles/c_s (5 rows a chunk) were tried:
// 15 fewer writes per file, but a larger last chunk that the output.max_file_size estimate
// does not allow for.
void Series::create_empty() {
    sync();
    if (!dataset_.valid()) create_with_rows(0);
}

void Series::create() { create_with_rows(buffered_); }

void Series::create_with_rows(std::uint64_t rows) {
    sync();
    if (loc_ < 0) throw IoError("HDF5: dataset " + name_ + " has no group to be created in");
    const int rank = 1 + static_cast<int>(row_shape_.size());
    std::vector<hsize_t> dims(rank, 0), maxdims(rank, H5S_UNLIMITED), chunk(rank);
    dims[0] = rows;
    for (size_t k = 0; k < row_shape_.size(); ++k) dims[k + 1] = maxdims[k + 1] = chunk[k + 1] = row_shape_[k];
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(capacity_, 2048 / std::max<std::size_t>(1, row_size_)));
    Handle space(H5Screate_simple(rank, dims.data(), maxdims.data()));
    hid_t ftype = H5T_NATIVE_DOUBLE;
    if (type_ == Type::int64) ftype = H5T_NATIVE_LONG;
    if (type_ == Type::string) ftype = string_type();
    // A chunk cache of one chunk: rows arrive in buffered blocks and are only ever appended,
    // so no chunk but the last is touched again. HDF5's default (1 MiB per dataset, chunks
    // kept until it is full) grew with the file: 50+ datasets x 1 MiB in a long run.
    const std::size_t element_bytes = type_ == Type::string ? 16 : 8;  // vlen: a heap ID
    const ChunkProperties& props = chunk_properties(chunk, chunk[0] * row_size_ * element_bytes);
    dataset_ = Handle(checked(H5Dcreate2(loc_, name_.c_str(), ftype, space.id(), H5P_DEFAULT,
                                         props.create, props.access),
                              "create dataset " + name_));
    extent_ = dims[0];
    release_loc();
    if (!unit_.empty()) add_string_attribute(dataset_.id(), "unit", unit_);
    if (!description_.empty()) add_string_attribute(dataset_.id(), "description", description_);
}

void Series::append(double v) {
    append_row(&v);
}

void Series::append_row(const double* row) {
    dbuf_.insert(dbuf_.end(), row, row + row_size_);
    if (++buffered_ == capacity_) flush();
}

void Series::append(long v) {
    lbuf_.push_back(v);
    if (++buffered_ == capacity_) flush();
}

void Series::append(const std::string& v) {
    sbuf_[buffered_] = v;
    if (++buffered_ == capacity_) flush();
}

void Series::flush() {
    sync();
    if (!dataset_.valid()) create();
    if (buffered_ == 0) return;
    const int rank = 1 + static_cast<int>(row_shape_.size());
    std::vector<hsize_t> dims(rank), maxdims(rank, H5S_UNLIMITED), start(rank, 0), count(rank);
    dims[0] = written_ + buffered_;
    start[0] = written_;
    count[0] = buffered_;
    for (size_t k = 0; k < row_shape_.size(); ++k) dims[k + 1] = maxdims[k + 1] = count[k + 1] = row_shape_[k];
    if (extent_ < dims[0]) {
        check(H5Dset_extent(dataset_.id(), dims.data()), "extend dataset " + name_);
        extent_ = dims[0];
    }
    // The file's dataspace as it now is, made here rather than copied from the dataset.
    Handle fspace(H5Screate_simple(rank, dims.data(), maxdims.data()));
    H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    Handle mspace(H5Screate_simple(rank, count.data(), nullptr));
    if (type_ == Type::float64) {
        check(H5Dwrite(dataset_.id(), H5T_NATIVE_DOUBLE, mspace.id(), fspace.id(), transfer_properties(), dbuf_.data()), "append");
        dbuf_.clear();
    } else if (type_ == Type::int64) {
        check(H5Dwrite(dataset_.id(), H5T_NATIVE_LONG, mspace.id(), fspace.id(), transfer_properties(), lbuf_.data()), "append");
        lbuf_.clear();
    } else {
        std::vector<const char*> ptrs(buffered_);
        for (size_t i = 0; i < buffered_; ++i) ptrs[i] = sbuf_[i].c_str();
        check(H5Dwrite(dataset_.id(), string_type(), mspace.id(), fspace.id(), transfer_properties(), ptrs.data()), "append");
    }
    written_ += buffered_;
    buffered_ = 0;
}

}  // namespace ssbsim::h5
