// SPDX-License-Identifier: Apache-2.0
// Loading plugin libraries: ABI check first, then the manifest.
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/plugin/manifest.h"

#include <memory>
#include <string>
#include <vector>

namespace attnscope::plugin {

/// A loaded plugin library. Unloads the library when the last reference goes.
/// Thread-safety: immutable after loading; share freely.
class LoadedPlugin {
public:
    ~LoadedPlugin();
    LoadedPlugin(const LoadedPlugin&) = delete;
    LoadedPlugin& operator=(const LoadedPlugin&) = delete;

    const std::string& path() const { return m_path; }
    const Manifest& manifest() const { return m_manifest; }
    /// Looks up an exported symbol (a family vtable getter); null if absent.
    void* symbol(const char* name) const;

private:
    friend Expected<std::shared_ptr<LoadedPlugin>> loadPlugin(const std::string& path);
    LoadedPlugin(std::string path, void* handle, Manifest manifest);

    std::string m_path;
    void* m_handle = nullptr;
    Manifest m_manifest;
};

/// Opens a plugin library, checks its ABI version and parses its manifest. Errors name the file and
/// the symbol or manifest field at fault. Never throws.
Expected<std::shared_ptr<LoadedPlugin>> loadPlugin(const std::string& path);

/// Outcome of scanning a directory: the plugins that loaded, and one Status per library that did not.
struct PluginScan {
    std::vector<std::shared_ptr<LoadedPlugin>> plugins;
    std::vector<Status> failures;
};

/// Loads every `*.so` in `directory` (not recursive). A missing directory yields an empty scan.
PluginScan scanPluginDirectory(const std::string& directory);

} // namespace attnscope::plugin
