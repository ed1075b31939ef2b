// SPDX-License-Identifier: Apache-2.0
// The CLI's --json convention: every subcommand takes `--json [FILE]`.
//
// Without --json a command prints text for people. With `--json` it prints one JSON document to
// stdout, with `--json FILE` it writes it to FILE. A failure prints
// {"error": {"code": "...", "message": "...", "file": "...", "field": "..."}} and exits non-zero.
#pragma once

#include "attnscope/core/expected.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace attnscope::cli {

/// Registers --json on a subcommand and writes the document or the error at the end.
class JsonOutput {
public:
    /// Adds `--json [FILE]` to `command`.
    void addOption(CLI::App& command);

    bool enabled() const { return m_option != nullptr && m_option->count() > 0; }

    /// Writes `document` to stdout or the chosen file. Returns the process exit code (0, or 1 when the
    /// file cannot be written).
    int write(const nlohmann::json& document) const;

    /// Reports a failure: JSON when enabled, else "error: ..." on stderr. Returns the exit code (1).
    int fail(const Status& status) const;

    /// Ends a command: the failure, or the document as JSON when enabled, or `printText(document)` for
    /// people. Returns the exit code.
    int finish(const Expected<nlohmann::json>& document,
               const std::function<void(const nlohmann::json&)>& printText) const;

    /// Reports a failure that escaped every command (an exception caught in main) the way the command
    /// that ran would have: through its --json document when it asked for one. Returns the exit code (1).
    static int failWhereverAsked(const Status& status);

private:
    CLI::Option* m_option = nullptr;
    std::string m_path;
};

/// The JSON form of a Status.
nlohmann::json statusToJson(const Status& status);

} // namespace attnscope::cli
