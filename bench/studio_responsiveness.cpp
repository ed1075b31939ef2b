// SPDX-License-Identifier: Apache-2.0
// The studio's responsiveness (issue 8, acceptance 3), measured, never asserted in a test:
//  1. heatmap frames: the block-level map of a 32,768-token input (the demo model's real K4 block
//     sums, 512 x 512 blocks) through 60 zoom and pan steps; paint time of each frame;
//  2. exact frames: the same map zoomed to at most 4 x 4 blocks, whose tokens the attention kernel
//     recomputes exactly from the cached queries and keys on every paint (near the end of the input, where
//     each row sees the most keys), through 20 pan steps;
//  3. GUI-thread stalls during a run: a 10 ms timer on the GUI thread records the longest gap between
//     its ticks while the Analyze job runs the suite in the background on the first --run-tokens tokens
//     (default 4096) of the long sample repeated, then while the finished run is opened in every view.
// Usage: xvfb-run -a attnscope_bench_studio [--json FILE] [--run-tokens N] with QT_QPA_PLATFORM=xcb
// (the main window's VTK view needs OpenGL; the offscreen platform has none).
#include "app/main_window.h"
#include "app/studio_app.h"
#include "jobs/job_tracker.h"
#include "views/attention_heatmap_view.h"
#include "views/exact_tiles.h"
#include "views/prepared_run.h"

#include "attnscope/runtime/forward.h"
#include "attnscope/runtime/model.h"
#include "attnscope/tokenizers/tokenizer.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace attnscope;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

const std::string kModel = ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo";

/// The first `tokens` tokens of the demo model's long sample (repeated): their ids and their text.
struct LongInput {
    std::vector<int32_t> ids;
    std::string text;
};
Expected<LongInput> longInput(int tokens) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::unique_ptr<tokenizers::Tokenizer> tokenizer,
                               tokenizers::loadTokenizer(kModel));
    std::ifstream file(ATTNSCOPE_RESOURCES_DIR "/samples/long.txt");
    std::stringstream text;
    text << file.rdbuf();
    std::string input;
    for (int i = 0; i < 9; ++i)
        input += text.str();
    ATTNSCOPE_ASSIGN_OR_RETURN(tokenizers::Encoding encoding, tokenizer->encode(input, true));
    if (tokens < 1 || encoding.ids.size() < static_cast<std::size_t>(tokens))
        return Status::invalidArgument("the long sample repeated has " + std::to_string(encoding.ids.size()) +
                                       " tokens, not " + std::to_string(tokens));
    encoding.ids.resize(static_cast<std::size_t>(tokens));
    input.resize(static_cast<std::size_t>(encoding.offsets[encoding.ids.size() - 1].second));
    return LongInput{std::move(encoding.ids), std::move(input)};
}

/// One head's K4 block sums of the demo model on `ids`.
Expected<store::RunRecord> longRun(const std::vector<int32_t>& ids) {
    ATTNSCOPE_ASSIGN_OR_RETURN(std::shared_ptr<runtime::Model> m, runtime::Model::load(kModel));
    runtime::ForwardOptions options;
    options.logits = false;
    kernels::ProbeRequest probe;
    probe.blockSize = 64;
    probe.heads = {0};
    options.probe = probe;
    ATTNSCOPE_ASSIGN_OR_RETURN(runtime::ForwardResult result, runtime::forward(*m, ids, options));
    const kernels::ProbeResult& last = result.probes.back();
    store::RunRecord run;
    run.settingsJson = R"({"block_size": 64})";
    run.input.tokens = ids; // the heatmap pairs exact tiles with runs of the same length
    store::ArrayRecord grid;
    grid.name = "attention.block_sum";
    const int nb = last.blockRows;
    grid.shape = {1, 1, nb, nb};
    grid.f32.assign(last.blockSum.begin(), last.blockSum.begin() + static_cast<std::ptrdiff_t>(nb) * nb);
    run.arrays.push_back(std::move(grid));
    return run;
}

} // namespace

int main(int argc, char** argv) {
    studio::prepareApplication();
    QApplication app(argc, argv);
    studio::configureApplication(app);
    std::string jsonPath;
    int runTokens = 4096; // the input of the run in part 3 (the studio's Analyze on this many tokens)
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--json")
            jsonPath = argv[i + 1];
        if (std::string(argv[i]) == "--run-tokens")
            runTokens = std::atoi(argv[i + 1]);
    }

    // 1. Heatmap frames at 32k tokens.
    QElapsedTimer clock;
    clock.start();
    auto ids = longInput(32768);
    auto run = ids ? longRun(ids->ids) : Expected<store::RunRecord>(ids.status());
    if (!run) {
        std::fprintf(stderr, "error: %s\n", run.status().toString().c_str());
        return 1;
    }
    const double forwardSeconds = clock.elapsed() / 1000.0;
    studio::AttentionHeatmapView view;
    view.resize(1000, 800);
    view.show();
    view.setRun(studio::prepareRun(std::move(*run)));
    view.showHead(0, 0);
    std::vector<double> frames;
    QImage target(view.size(), QImage::Format_ARGB32_Premultiplied);
    auto frame = [&] {
        // render() runs the widget's paintEvent into the image whether or not the window is exposed.
        QElapsedTimer paint;
        paint.start();
        view.render(&target);
        frames.push_back(static_cast<double>(paint.nsecsElapsed()) / 1e6);
    };
    frame(); // the whole map: 512 x 512 blocks
    for (int step = 0; step < 20; ++step) {
        view.zoom(1.25, QPointF(200, 400));
        frame();
    }
    for (int step = 0; step < 20; ++step) {
        view.pan(step % 2 ? 3 : -2, 4);
        frame();
    }
    for (int step = 0; step < 19; ++step) {
        view.zoom(0.8, view.visibleBlocks().center());
        frame();
    }

    // 2. Exact frames: deep zoom near the end of the input, each paint recomputing its tokens' exact
    // probabilities (rows there see up to 32k keys: the most work an exact tile can take).
    clock.restart();
    auto tiles = studio::ExactTiles::capture(kModel, ids->ids);
    if (!tiles) {
        std::fprintf(stderr, "error: %s\n", tiles.status().toString().c_str());
        return 1;
    }
    const double captureSeconds = clock.elapsed() / 1000.0;
    view.setExactTiles(*tiles);
    view.resetView();
    const double nb = view.blocks();
    while (view.visibleBlocks().width() > 4)
        view.zoom(2.0, QPointF(nb - 12, nb - 8)); // x = key block, y = query block: below the diagonal
    std::vector<double> exactFrames;
    int exactShown = 0;
    for (int step = 0; step < 21; ++step) {
        if (step > 0)
            view.pan(step % 2 ? -1 : 0.5, step % 3 ? -1 : 0.5);
        QElapsedTimer paint;
        paint.start();
        view.render(&target);
        exactFrames.push_back(static_cast<double>(paint.nsecsElapsed()) / 1e6);
        exactShown += view.showingExact();
    }

    // 3. GUI-thread stalls while the Analyze job runs.
    QTemporaryDir dir;
    const auto runInput = longInput(runTokens);
    if (!runInput) {
        std::fprintf(stderr, "error: %s\n", runInput.status().toString().c_str());
        return 1;
    }
    std::ofstream(dir.filePath(QStringLiteral("input.txt")).toStdString(), std::ios::binary)
        << runInput->text;
    studio::MainWindow window;
    window.show();
    window.openModel(QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo"));
    window.loadInputText(dir.filePath(QStringLiteral("input.txt")));
    window.newProject(dir.filePath(QStringLiteral("bench.attnscope")));
    QElapsedTimer tick;
    double longestGap = 0, longestGapEndedAt = 0;
    QElapsedTimer runClock;
    int ticks = 0;
    QTimer watchdog;
    watchdog.setInterval(10);
    QObject::connect(&watchdog, &QTimer::timeout, [&] {
        if (ticks++ > 0) {
            const double gap = static_cast<double>(tick.nsecsElapsed()) / 1e6;
            if (gap > longestGap) {
                longestGap = gap;
                longestGapEndedAt = runClock.elapsed() / 1000.0; // where in the run: compute or loading
            }
        }
        tick.restart();
    });
    runClock.start();
    watchdog.start();
    tick.start();
    qint64 shown = 0;
    QObject::connect(&window, &studio::MainWindow::runShown, [&](qint64 id) { shown = id; });
    window.startAnalysis(QStringLiteral("sinks,similarity,sparsity,taxonomy"));
    // The job, showing the stored run, then the deep-zoom preparation that follows it.
    while (window.jobs()->isBusy() || shown == 0)
        app.processEvents(QEventLoop::AllEvents, 5);
    const double runSeconds = runClock.elapsed() / 1000.0;
    const QString jobState = studio::jobStateName(window.jobs()->state());
    const double runGap = longestGap, runGapEndedAt = longestGapEndedAt;
    // Re-opening the project: the run is read and prepared on a worker thread, then shown; the watchdog
    // keeps measuring the GUI thread.
    longestGap = 0;
    shown = 0;
    QElapsedTimer load;
    load.start();
    window.openProject(dir.filePath(QStringLiteral("bench.attnscope")));
    while (shown == 0)
        app.processEvents(QEventLoop::AllEvents, 5);
    const double loadMs = static_cast<double>(load.nsecsElapsed()) / 1e6;
    watchdog.stop();
    const double reopenGap = longestGap;

    char json[2048];
    std::snprintf(
        json, sizeof json,
        "{\n  \"heatmap\": {\"tokens\": 32768, \"blocks\": %d, \"frames\": %zu, \"median_ms\": %.2f, "
        "\"max_ms\": %.2f, \"first_frame_ms\": %.2f, \"forward_s\": %.1f},\n"
        "  \"exact\": {\"frames\": %zu, \"exact_frames\": %d, \"visible_blocks\": %.1f, \"median_ms\": %.2f, "
        "\"max_ms\": %.2f, \"capture_s\": %.1f},\n"
        "  \"gui_thread\": {\"job\": \"sinks,similarity,sparsity,taxonomy on %d tokens\", \"job_s\": %.1f, "
        "\"ticks\": %d, \"longest_gap_ms\": %.1f, \"longest_gap_ended_s\": %.2f, \"reopen_ms\": %.1f, "
        "\"reopen_longest_gap_ms\": %.1f, "
        "\"job_state\": \"%s\"}\n}\n",
        view.blocks(), frames.size(), median(frames), *std::max_element(frames.begin(), frames.end()),
        frames.front(), forwardSeconds, exactFrames.size(), exactShown, view.visibleBlocks().width(),
        median(exactFrames), *std::max_element(exactFrames.begin(), exactFrames.end()), captureSeconds,
        runTokens, runSeconds, ticks, runGap, runGapEndedAt, loadMs, reopenGap, qPrintable(jobState));
    std::fputs(json, stdout);
    if (!jsonPath.empty())
        std::ofstream(jsonPath) << json;
    return 0;
}
