// Thin RAII layer over the HDF5 C API: files, groups, attributes and appendable
// (chunked, unlimited) datasets that buffer rows so writing costs no per-sample allocation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ssbsim::h5 {

using hid = std::int64_t;

// Owns one HDF5 identifier and closes it with the right H5*close.
class Handle {
public:
    Handle() = default;
    explicit Handle(hid id) : id_(id) {}
    ~Handle();
    Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
    Handle& operator=(Handle&& o) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    hid id() const { return id_; }
    bool valid() const { return id_ >= 0; }

private:
    hid id_ = -1;
};

// One task on this process's HDF5 files in a second thread, while the caller goes on
// (ResultWriter: a result file's attributes and datasets made while the run solves). The
// HDF5 this is built with has no lock of its own, so every function of this layer, called
// from any other thread, first waits for the task to end; the first such call after a task
// that failed rethrows its error (destructors only wait). One task at a time: starting one
// waits for the last.
void run_in_background(std::function<void()> task);
// Waits for the background task, if any, and rethrows its error (once).
void wait_for_background();

// HDF5 closes whatever is still open when the process exits (atexit); a file whose close
// failed (a full disk) is left half closed, and that teardown then crashes on it. A program
// that closes every file before it returns (the command-line tools) calls this first, before
// any other function here, and the process exits without the teardown.
void skip_library_teardown();

// Bounds the memory HDF5 keeps for reuse (its free lists) in this process; call before a
// long write. Process-wide and idempotent.
void limit_library_memory();
// Truncates PATH; exclusive: fails when PATH exists (a symbolic link included) instead of
// truncating or following it. Throws IoError.
Handle create_file(const std::string& path, bool exclusive = false);
Handle open_file(const std::string& path, bool write = false);
void flush(const Handle& file);
Handle create_group(const Handle& loc, const std::string& name);
Handle open_group(const Handle& loc, const std::string& name);
bool exists(const Handle& loc, const std::string& path);
// The names of a group's members, in name order.
std::vector<std::string> children(const Handle& loc);

void set_attribute(const Handle& obj, const std::string& name, const std::string& value);
void set_attribute(const Handle& obj, const std::string& name, double value);
void set_attribute(const Handle& obj, const std::string& name, long value);
std::string get_string_attribute(const Handle& obj, const std::string& name);
double get_double_attribute(const Handle& obj, const std::string& name);
long get_long_attribute(const Handle& obj, const std::string& name);
bool has_attribute(const Handle& obj, const std::string& name);

// Whole-dataset writes and reads.
void write_vector(const Handle& loc, const std::string& name, const std::vector<double>& v,
                  const std::string& unit);
std::vector<double> read_vector(const Handle& loc, const std::string& path);
std::vector<long> read_long_vector(const Handle& loc, const std::string& path);
std::vector<std::string> read_strings(const Handle& loc, const std::string& path);
// Shape of a dataset.
std::vector<std::uint64_t> shape(const Handle& loc, const std::string& path);

// What sits at a path (missing intermediate groups: missing).
enum class ObjectKind { missing, group, dataset, other };
ObjectKind object_kind(const Handle& loc, const std::string& path);
// Storage class of a dataset's or an attribute's elements.
enum class ValueClass { integer, floating, string, other };
ValueClass dataset_class(const Handle& loc, const std::string& path);
ValueClass attribute_class(const Handle& obj, const std::string& name);
// Why a file cannot be opened for reading, in words ("no such file", "is not an HDF5
// file", "is locked by another process ..."); empty when nothing specific is known.
std::string open_failure_reason(const std::string& path);

// An extendible dataset with rows of a fixed shape (scalar rows: empty shape). The dataset
// and its attributes are created at the first flush() (explicit, from a full buffer or from
// the destructor) with the rows buffered so far as its first extent, not in the
// constructor: a short run then creates, sizes and writes each dataset once (creating the
// ~60 datasets of a result file up front, then extending and rewriting each at every
// flush, was most of the writer's cost). A flush() with no rows still creates the dataset,
// so after any flush every series of a file is there, empty or not. The series keeps a
// reference to `loc` until then.
class Series {
public:
    enum class Type { float64, int64, string };
    Series() = default;
    Series(const Handle& loc, const std::string& name, Type type,
           std::vector<std::uint64_t> row_shape, const std::string& unit,
           std::size_t buffer_rows = 512);
    // Rows buffered with no group yet: attach() gives it one (from a background task, see
    // create_empty()).
    Series(const std::string& name, Type type, std::vector<std::uint64_t> row_shape,
           const std::string& unit, std::size_t buffer_rows = 512);
    void attach(const Handle& loc);
    // The dataset created now with no rows (the next flush extends it). Touches only the
    // dataset, never the buffer, so a background task may call it while another thread
    // appends rows (which do not flush before that task has ended).
    void create_empty();
    Series(Series&& o) noexcept;
    Series& operator=(Series&& o) noexcept;
    Series(const Series&) = delete;
    Series& operator=(const Series&) = delete;
    ~Series();

    // A `description` attribute, written with the dataset (and `unit`).
    void describe(std::string text) { description_ = std::move(text); }
    void append(double v);
    void append(long v);
    void append(const std::string& v);
    void append_row(const double* row);  // row of prod(row_shape) doubles
    void flush();                        // creates the dataset if need be, writes buffered rows
    // Flushes and closes the dataset (its chunk and object header leave HDF5's caches); no
    // append after it.
    void close();
    std::uint64_t rows() const { return written_ + buffered_; }
    // The dataset, created now if it is not yet (for further attributes).
    const Handle& handle();

private:
    void create();
    void create_with_rows(std::uint64_t rows);
    void release_loc();

    Handle dataset_;
    hid loc_ = -1;  // the group to create the dataset in (a reference held), until created
    std::string name_, unit_, description_;
    Type type_ = Type::float64;
    std::vector<std::uint64_t> row_shape_;
    std::size_t row_size_ = 1, capacity_ = 0, buffered_ = 0;
    std::uint64_t written_ = 0, extent_ = 0;  // rows written; rows the dataset has
    std::vector<double> dbuf_;
    std::vector<long> lbuf_;
    std::vector<std::string> sbuf_;
};

}  // namespace ssbsim::h5
