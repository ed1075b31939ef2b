// SPDX-License-Identifier: Apache-2.0
#include "attnscope/plugin/plugin_loader.h"

#include "attnscope/plugin/attnscope_plugin.h"

#include <algorithm>
#include <dlfcn.h>
#include <filesystem>
#include <string_view>

namespace attnscope::plugin {

LoadedPlugin::LoadedPlugin(std::string path, void* handle, Manifest manifest)
    : m_path(std::move(path)), m_handle(handle), m_manifest(std::move(manifest)) {}

LoadedPlugin::~LoadedPlugin() {
    if (m_handle)
        dlclose(m_handle);
}

void* LoadedPlugin::symbol(const char* name) const {
    return dlsym(m_handle, name);
}

Expected<std::shared_ptr<LoadedPlugin>> loadPlugin(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        return Status::notFound("no such plugin library").inFile(path);

    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* reason = dlerror();
        return Status::ioError(std::string("cannot load library: ") + (reason ? reason : "unknown error"))
            .inFile(path);
    }
    auto closeOnError = [handle](Status status) {
        dlclose(handle);
        return status;
    };

    // The ABI version is read before anything else: other symbols may not mean what we think.
    auto abiVersion =
        reinterpret_cast<attnscope_plugin_abi_version_fn>(dlsym(handle, ATTNSCOPE_PLUGIN_ABI_VERSION_SYMBOL));
    if (!abiVersion)
        return closeOnError(Status::unsupported("not an AttnScope plugin: the entry point is missing")
                                .inFile(path)
                                .atField(ATTNSCOPE_PLUGIN_ABI_VERSION_SYMBOL));
    const uint32_t version = abiVersion();
    if (version != ATTNSCOPE_PLUGIN_ABI_VERSION)
        return closeOnError(Status::unsupported("built for plugin ABI " + std::to_string(version) +
                                                ", this AttnScope expects ABI " +
                                                std::to_string(ATTNSCOPE_PLUGIN_ABI_VERSION) + "; rebuild it")
                                .inFile(path)
                                .atField(ATTNSCOPE_PLUGIN_ABI_VERSION_SYMBOL));

    auto manifestText =
        reinterpret_cast<attnscope_plugin_manifest_fn>(dlsym(handle, ATTNSCOPE_PLUGIN_MANIFEST_SYMBOL));
    if (!manifestText)
        return closeOnError(Status::unsupported("the manifest entry point is missing")
                                .inFile(path)
                                .atField(ATTNSCOPE_PLUGIN_MANIFEST_SYMBOL));
    const char* text = manifestText();
    if (!text)
        return closeOnError(Status::parseError("the manifest entry point returned null")
                                .inFile(path)
                                .atField(ATTNSCOPE_PLUGIN_MANIFEST_SYMBOL));
    Expected<Manifest> manifest = parseManifest(text, path);
    if (!manifest)
        return closeOnError(manifest.status());
    return std::shared_ptr<LoadedPlugin>(new LoadedPlugin(path, handle, std::move(manifest).value()));
}

PluginScan scanPluginDirectory(const std::string& directory) {
    PluginScan scan;
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error))
        return scan;
    std::vector<std::string> libraries;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error))
        if (entry.is_regular_file() && entry.path().extension() == ".so")
            libraries.push_back(entry.path().string());
    std::sort(libraries.begin(), libraries.end()); // deterministic order across file systems
    for (const std::string& library : libraries) {
        auto plugin = loadPlugin(library);
        if (plugin)
            scan.plugins.push_back(std::move(plugin).value());
        else
            scan.failures.push_back(plugin.status());
    }
    return scan;
}

} // namespace attnscope::plugin
