// SPDX-License-Identifier: Apache-2.0
#include "commands.h"

#include "../json_output.h"
#include "attnscope/plugin/plugin_loader.h"

#include <cstdlib>
#include <iostream>
#include <memory>

namespace attnscope::cli {

namespace {

/// Plugin directories: --dir options first, then ATTNSCOPE_PLUGIN_PATH (colon-separated).
std::vector<std::string> pluginDirectories(const std::vector<std::string>& explicitDirs) {
    std::vector<std::string> dirs = explicitDirs;
    if (const char* path = std::getenv("ATTNSCOPE_PLUGIN_PATH")) {
        std::string_view rest(path);
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            if (auto dir = rest.substr(0, colon); !dir.empty())
                dirs.emplace_back(dir);
            rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
        }
    }
    return dirs;
}

} // namespace

void registerPluginsCommand(CLI::App& app, int& exitCode) {
    CLI::App* command = app.add_subcommand("plugins", "List plugins and check that they load");
    auto output = std::make_shared<JsonOutput>();
    auto dirs = std::make_shared<std::vector<std::string>>();
    command->add_option("--dir", *dirs, "A directory of plugin libraries (repeatable)")
        ->check(CLI::ExistingDirectory);
    output->addOption(*command);
    command->callback([output, dirs, &exitCode] {
        nlohmann::json plugins = nlohmann::json::array();
        nlohmann::json failures = nlohmann::json::array();
        for (const std::string& dir : pluginDirectories(*dirs)) {
            plugin::PluginScan scan = plugin::scanPluginDirectory(dir);
            for (const auto& loaded : scan.plugins) {
                const plugin::Manifest& m = loaded->manifest();
                plugins.push_back({{"id", m.id},
                                   {"version", m.version},
                                   {"family", plugin::familyName(m.family)},
                                   {"path", loaded->path()},
                                   {"parameters", m.parameters.size()}});
            }
            for (const Status& failure : scan.failures)
                failures.push_back(statusToJson(failure));
        }
        if (output->enabled()) {
            exitCode = output->write({{"plugins", plugins}, {"failures", failures}});
            return;
        }
        if (plugins.empty())
            std::cout << "No plugins found (use --dir or ATTNSCOPE_PLUGIN_PATH).\n";
        for (const auto& p : plugins)
            std::cout << p["id"].get<std::string>() << " " << p["version"].get<std::string>() << "  ["
                      << p["family"].get<std::string>() << "]  " << p["path"].get<std::string>() << "\n";
        for (const auto& f : failures)
            std::cout << "failed: " << f.value("file", "") << ": " << f.value("field", "") << ": "
                      << f["message"].get<std::string>() << "\n";
        exitCode = 0;
    });
}

} // namespace attnscope::cli
