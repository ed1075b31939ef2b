// SPDX-License-Identifier: Apache-2.0
#include "attnscope/core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>

namespace attnscope::log {

namespace {

struct Registry {
    std::mutex mutex;
    std::map<int, Sink> sinks;
    int nextId = 1;
    bool stderrEnabled = true;
};

Registry& registry() {
    static Registry instance;
    return instance;
}

Level initialLevel() {
    Level level = Level::Info;
    if (const char* text = std::getenv("ATTNSCOPE_LOG"))
        parseLevel(text, level);
    return level;
}

std::atomic<Level>& minimum() {
    static std::atomic<Level> level{initialLevel()};
    return level;
}

void writeStderr(const Record& record) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(record.time);
    std::tm local{};
    localtime_r(&seconds, &local);
    char stamp[16];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", &local);
    std::fprintf(stderr, "%s [%s] %s: %s\n", stamp, levelName(record.level), record.component.c_str(),
                 record.message.c_str());
}

} // namespace

const char* levelName(Level level) {
    switch (level) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warning:
        return "warning";
    case Level::Error:
        return "error";
    }
    return "unknown";
}

bool parseLevel(std::string_view text, Level& level) {
    if (text == "debug")
        level = Level::Debug;
    else if (text == "info")
        level = Level::Info;
    else if (text == "warning" || text == "warn")
        level = Level::Warning;
    else if (text == "error")
        level = Level::Error;
    else
        return false;
    return true;
}

int addSink(Sink sink) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    const int id = r.nextId++;
    r.sinks.emplace(id, std::move(sink));
    return id;
}

void removeSink(int id) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.sinks.erase(id);
}

void setStderrEnabled(bool enabled) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.stderrEnabled = enabled;
}

void setMinimumLevel(Level level) {
    minimum().store(level);
}
Level minimumLevel() {
    return minimum().load();
}

void write(Level level, std::string_view component, std::string_view message) {
    if (level < minimumLevel())
        return;
    const Record record{level, std::string(component), std::string(message),
                        std::chrono::system_clock::now()};
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (r.stderrEnabled)
        writeStderr(record);
    for (const auto& [id, sink] : r.sinks)
        sink(record);
}

} // namespace attnscope::log
