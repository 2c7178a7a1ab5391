// Typed errors of the ssbsim library. Library code never prints or exits: it throws one
// of these and the command line decides what to show.
#pragma once

#include <stdexcept>
#include <string>

namespace ssbsim {

// Base of every ssbsim error.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A configuration problem, located in a file at a line (1-based) and a key path.
class ConfigError : public Error {
public:
    ConfigError(std::string file, int line, std::string key, std::string message);
    const std::string& file() const { return file_; }
    int line() const { return line_; }
    const std::string& key() const { return key_; }

private:
    std::string file_;
    int line_;
    std::string key_;
};

// The DAE integrator failed; the message carries the simulated time, the step and the cause.
class SolverError : public Error {
public:
    using Error::Error;
};

// A measured-data file could not be read: names the file, the line (1-based; 0 when the
// problem is the file as a whole) and the column, with the expected form.
class DataError : public Error {
public:
    DataError(std::string file, int line, std::string column, std::string message);
    const std::string& file() const { return file_; }
    int line() const { return line_; }
    const std::string& column() const { return column_; }

private:
    std::string file_;
    int line_;
    std::string column_;
};

// Reading or writing a result file failed.
class IoError : public Error {
public:
    using Error::Error;
};

}  // namespace ssbsim
