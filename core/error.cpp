#include "core/error.hpp"

namespace ssbsim {

namespace {
std::string format_config_error(const std::string& file, int line, const std::string& key,
                                const std::string& message) {
    std::string where = file.empty() ? std::string("<config>") : file;
    if (line > 0) where += ":" + std::to_string(line);
    std::string out = where + ": ";
    if (!key.empty()) out += "key '" + key + "': ";
    return out + message;
}
}  // namespace

ConfigError::ConfigError(std::string file, int line, std::string key, std::string message)
    : Error(format_config_error(file, line, key, message)),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)) {}

DataError::DataError(std::string file, int line, std::string column, std::string message)
    : Error([&] {
          std::string where = file.empty() ? std::string("<data>") : file;
          if (line > 0) where += ":" + std::to_string(line);
          std::string out = where + ": ";
          if (!column.empty()) out += "column '" + column + "': ";
          return out + message;
      }()),
      file_(std::move(file)),
      line_(line),
      column_(std::move(column)) {}

}  // namespace ssbsim
