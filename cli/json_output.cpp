// SPDX-License-Identifier: Apache-2.0
#include "json_output.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

namespace attnscope::cli {

namespace {
/// Every JsonOutput of the command line (one per subcommand, alive for the whole run).
std::vector<const JsonOutput*>& registered() {
    static std::vector<const JsonOutput*> outputs;
    return outputs;
}
} // namespace

int JsonOutput::failWhereverAsked(const Status& status) {
    for (const JsonOutput* output : registered())
        if (output->enabled())
            return output->fail(status);
    std::cerr << "error: " << status.toString() << "\n";
    return 1;
}

void JsonOutput::addOption(CLI::App& command) {
    registered().push_back(this);
    // The folder is checked before the command runs: a long benchmark must not fail at its very end.
    m_option = command.add_option("--json", m_path, "Write machine-readable JSON to stdout, or to FILE")
                   ->expected(0, 1)
                   ->type_name("[FILE]")
                   ->check(
                       [](const std::string& path) -> std::string {
                           if (path.empty() || path == "-")
                               return {};
                           const std::filesystem::path parent = std::filesystem::path(path).parent_path();
                           std::error_code error;
                           if (!parent.empty() && !std::filesystem::is_directory(parent, error))
                               return "the folder " + parent.string() + " does not exist";
                           return {};
                       },
                       "FILE in an existing folder");
}

int JsonOutput::write(const nlohmann::json& document) const {
    // Generated text and token pieces can end inside a UTF-8 sequence (byte-level tokens): U+FFFD.
    const std::string text = document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (m_path.empty() || m_path == "-") {
        std::cout << text << std::flush;
        return 0;
    }
    std::ofstream file(m_path, std::ios::binary | std::ios::trunc);
    if (!file || !(file << text) || !file.flush()) {
        std::cerr << "error: " << m_path << ": cannot write the JSON output\n";
        return 1;
    }
    return 0;
}

nlohmann::json statusToJson(const Status& status) {
    nlohmann::json error = {{"code", statusCodeName(status.code())}, {"message", status.message()}};
    if (!status.file().empty())
        error["file"] = status.file();
    if (!status.field().empty())
        error["field"] = status.field();
    return error;
}

int JsonOutput::fail(const Status& status) const {
    if (enabled())
        write(nlohmann::json{{"error", statusToJson(status)}});
    else
        std::cerr << "error: " << status.toString() << "\n";
    return 1;
}

int JsonOutput::finish(const Expected<nlohmann::json>& document,
                       const std::function<void(const nlohmann::json&)>& printText) const {
    if (!document)
        return fail(document.status());
    if (enabled())
        return write(*document);
    printText(*document);
    return 0;
}

} // namespace attnscope::cli
