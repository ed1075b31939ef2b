// SPDX-License-Identifier: Apache-2.0
// Logging: leveled records to any number of sinks (stderr by default; the studio adds its log dock).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace attnscope::log {

enum class Level { Debug, Info, Warning, Error };

/// Stable lower-case name ("warning").
const char* levelName(Level level);
/// Parses "debug", "info", "warning"/"warn", "error"; returns false for anything else.
bool parseLevel(std::string_view text, Level& level);

/// One log line.
struct Record {
    Level level = Level::Info;
    std::string component; ///< "runtime", "kernels", "studio", ...
    std::string message;
    std::chrono::system_clock::time_point time;
};

using Sink = std::function<void(const Record&)>;

/// Registers a sink and returns its id. Sinks are called on the thread that logged, under a lock:
/// keep them short and hand off to another thread (the studio queues to the GUI thread).
int addSink(Sink sink);
void removeSink(int id);
/// Enables or disables the built-in stderr sink (on by default; the CLI's --quiet turns it off).
void setStderrEnabled(bool enabled);

/// Records below this level are dropped. Default: Info, or the ATTNSCOPE_LOG environment variable.
void setMinimumLevel(Level level);
Level minimumLevel();

void write(Level level, std::string_view component, std::string_view message);

inline void debug(std::string_view component, std::string_view message) {
    write(Level::Debug, component, message);
}
inline void info(std::string_view component, std::string_view message) {
    write(Level::Info, component, message);
}
inline void warning(std::string_view component, std::string_view message) {
    write(Level::Warning, component, message);
}
inline void error(std::string_view component, std::string_view message) {
    write(Level::Error, component, message);
}

} // namespace attnscope::log
