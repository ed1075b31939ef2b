// SPDX-License-Identifier: Apache-2.0
// attnscope-cli: everything the studio does, in batch. Subcommands live in commands/.
#include "commands/commands.h"
#include "json_output.h"

#include "attnscope/core/log.h"
#include "attnscope/runtime/attention_device.h"
#include "attnscope/version.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <new>
#include <stdexcept>

int main(int argc, char** argv) {
    CLI::App app{"AttnScope command line: inspect attention of transformer models in batch.\n"
                 "Every subcommand accepts --json [FILE] for machine-readable output.",
                 "attnscope-cli"};
    app.set_version_flag("--version", std::string("attnscope-cli ") + ATTNSCOPE_VERSION_STRING);
    app.require_subcommand(1);

    std::string logLevel = "warning";
    app.add_option("--log-level", logLevel, "Log verbosity: debug, info, warning, error")
        ->capture_default_str();
    bool quiet = false;
    app.add_flag("-q,--quiet", quiet, "Print no log messages");
    std::string attentionDevice = "cpu";
    app.add_option("--attention-device", attentionDevice,
                   "Where models' attention kernels run: cpu, or cuda (the rest of the forward pass stays on "
                   "the CPU; requests CUDA does not compute yet fall back per call)")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();

    int exitCode = 0;
    attnscope::cli::registerInfoCommand(app, exitCode);
    attnscope::cli::registerTokenizeCommand(app, exitCode);
    attnscope::cli::registerRunCommand(app, exitCode);
    attnscope::cli::registerGenerateCommand(app, exitCode);
    attnscope::cli::registerEvaluateCommand(app, exitCode);
    attnscope::cli::registerActSearchCommand(app, exitCode);
    attnscope::cli::registerBenchCommand(app, exitCode);
    attnscope::cli::registerAnalyzeCommand(app, exitCode);
    attnscope::cli::registerScanpathCommand(app, exitCode);
    attnscope::cli::registerQkEmbedCommand(app, exitCode);
#ifdef ATTNSCOPE_HAS_STORE
    attnscope::cli::registerProjectCommands(app, exitCode);
    attnscope::cli::registerNotesCommand(app, exitCode);
#endif
#ifdef ATTNSCOPE_HAS_REPORT
    attnscope::cli::registerReportCommand(app, exitCode);
#endif
    attnscope::cli::registerPluginsCommand(app, exitCode);

    app.parse_complete_callback([&] {
        attnscope::log::Level level;
        if (!attnscope::log::parseLevel(logLevel, level))
            throw CLI::ValidationError("--log-level",
                                       "expected debug, info, warning or error, got '" + logLevel + "'");
        attnscope::log::setMinimumLevel(level);
        attnscope::log::setStderrEnabled(!quiet);
        const auto device = attnscope::runtime::parseAttentionDevice(attentionDevice);
        const attnscope::Status set =
            device ? attnscope::runtime::setAttentionDevice(*device) : device.status();
        if (!set.isOk())
            throw CLI::ValidationError("--attention-device", set.message());
    });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    } catch (const std::bad_alloc&) {
        // Commands refuse sizes they can estimate; this is what got past them: never an abort.
        return attnscope::cli::JsonOutput::failWhereverAsked(
            attnscope::Status::outOfMemory("out of memory: the request needs more memory than this "
                                           "machine could give"));
    } catch (const std::exception& error) {
        return attnscope::cli::JsonOutput::failWhereverAsked(
            attnscope::Status::internal(std::string("unexpected failure: ") + error.what()));
    }
    return exitCode;
}
