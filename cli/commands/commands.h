// SPDX-License-Identifier: Apache-2.0
// Subcommand registration. Each register function adds one subcommand whose callback stores the
// process exit code in `exitCode`.
#pragma once

#include <CLI/CLI.hpp>

namespace attnscope::cli {

/// `info [MODEL]`: a model's format, architecture and size; without MODEL, version, build options,
/// LibTorch, BLAS and kernel backends.
void registerInfoCommand(CLI::App& app, int& exitCode);
/// `run MODEL (--tokens | --text | --text-file)`: a forward pass writing logits and attention maps as .npy.
void registerRunCommand(CLI::App& app, int& exitCode);
/// `tokenize MODEL --text TEXT`: ids and character offsets.
void registerTokenizeCommand(CLI::App& app, int& exitCode);
/// `generate MODEL (--prompt TEXT | --tokens IDS)`: greedy or seeded sampling with the KV cache.
void registerGenerateCommand(CLI::App& app, int& exitCode);
/// `plugins`: lists plugin libraries found in the plugin directories and why others failed to load.
void registerPluginsCommand(CLI::App& app, int& exitCode);
/// `evaluate MODEL`: perplexity of a text, needle exact match, copying loss of a repeated span.
void registerEvaluateCommand(CLI::App& app, int& exitCode);
/// `act-search MODEL`: ACT's head search, each head calibrated alone and kept when the measurement improves.
void registerActSearchCommand(CLI::App& app, int& exitCode);
/// `bench attention`: kernel timings on this machine (plain, statistics, LibTorch baseline).
void registerBenchCommand(CLI::App& app, int& exitCode);
/// `analyze MODEL`: per-head analyses from in-kernel statistics (sinks so far).
void registerAnalyzeCommand(CLI::App& app, int& exitCode);
/// `scanpath compare|stats`: gaze scanpaths compared with every metric and summarized.
void registerScanpathCommand(CLI::App& app, int& exitCode);
/// `scanpath predict MODEL`: reading relevance and a predicted scanpath (a subcommand of `scanpath`).
void registerScanpathPredictCommand(CLI::App& parent, int& exitCode);
/// `scanpath correlate MODEL --corpus F`: word relevance against a reading corpus (a subcommand of
/// `scanpath`).
void registerScanpathCorrelateCommand(CLI::App& parent, int& exitCode);
/// `qk-embed MODEL`: one head's queries and keys in a joint 2D/3D space (PCA or t-SNE).
void registerQkEmbedCommand(CLI::App& app, int& exitCode);
/// runs, compare, export: reading projects (builds with the store only).
void registerProjectCommands(CLI::App& app, int& exitCode);
/// notes: a run's notes in a project (builds with the store only).
void registerNotesCommand(CLI::App& app, int& exitCode);
/// report: HTML/PDF reports (builds with the renderer only).
void registerReportCommand(CLI::App& app, int& exitCode);

} // namespace attnscope::cli
