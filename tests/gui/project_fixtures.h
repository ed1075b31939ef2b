// SPDX-License-Identifier: Apache-2.0
// Projects and runs the studio's GUI tests open, and the handling of the modal dialogs they drive.
#pragma once

#include "attnscope/store/project.h"

#include <QApplication>
#include <QDialog>
#include <QLatin1Char>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <vector>

namespace attnscope::test {

/// 2 layers x 4 heads; token0_mass = 0.1 layer + 0.01 head; a 16 x 16 block grid per head whose
/// diagonal holds 1 + head + 10 layer.
inline store::RunRecord constructedRun() {
    store::RunRecord run;
    run.label = "constructed";
    run.settingsJson = R"({"block_size": 64})";
    run.model = {"/models/tiny", "hf", "sampled-sha256:0", "{}"};
    run.input.tokens = std::vector<int32_t>(1024, 5);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h) {
            run.metrics.push_back({"sinks", "token0_mass", l, h, 0.1 * l + 0.01 * h});
            run.metrics.push_back({"sparsity", "flexprefill.recall", l, h, 0.5});
        }
    store::ArrayRecord grid;
    grid.name = "attention.block_sum";
    grid.shape = {2, 4, 16, 16};
    grid.f32.assign(2 * 4 * 16 * 16, 0.0f);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h)
            for (int i = 0; i < 16; ++i)
                grid.f32[((static_cast<std::size_t>(l) * 4 + h) * 16 + i) * 16 + i] = 1.0f + h + 10.0f * l;
    run.arrays.push_back(grid);
    return run;
}

/// A new project at `path` holding constructedRun() as run 1.
inline bool projectWithConstructedRun(const QString& path) {
    auto project = store::Project::open(path.toStdString(), store::OpenMode::CreateIfMissing);
    return project && project->addRun(constructedRun());
}

/// Two runs of the demo model (sparsity, so K4 block sums are stored) on different 128-token inputs.
inline bool twoDemoRuns(const QString& path) {
    for (int stride : {7, 13}) {
        QStringList ids;
        for (int i = 0; i < 128; ++i)
            ids << QString::number(2 + (i * stride) % 2000);
        QProcess cli;
        cli.start(QStringLiteral(ATTNSCOPE_CLI_PATH),
                  {QStringLiteral("analyze"),
                   QStringLiteral(ATTNSCOPE_RESOURCES_DIR "/models/attnscope-demo"),
                   QStringLiteral("--tokens"), ids.join(QLatin1Char(',')), QStringLiteral("--analyses"),
                   QStringLiteral("sparsity"), QStringLiteral("--project"), path});
        if (!cli.waitForFinished(120000) || cli.exitCode() != 0)
            return false;
    }
    return true;
}

/// Runs attnscope-cli with `arguments` (which ask for --json) and parses what it prints: the studio's
/// results are compared with it. A discarded (non-object) document when it fails, takes over a minute or
/// prints no JSON.
inline nlohmann::json cliJson(const QStringList& arguments) {
    QProcess cli;
    cli.start(QStringLiteral(ATTNSCOPE_CLI_PATH), arguments);
    if (!cli.waitForFinished(60000) || cli.exitCode() != 0)
        return nlohmann::json::value_t::discarded;
    return nlohmann::json::parse(cli.readAllStandardOutput().toStdString(), nullptr, false);
}

/// Runs `handle` on the modal dialog of type D that the caller's next step opens; any other modal dialog
/// is rejected, so that the test fails instead of hanging.
template <typename D, typename F>
void onNextModal(QObject* context, F handle) {
    QTimer::singleShot(0, context, [handle] {
        QWidget* modal = QApplication::activeModalWidget();
        if (auto* dialog = qobject_cast<D*>(modal))
            handle(dialog);
        else if (auto* other = qobject_cast<QDialog*>(modal))
            other->reject();
    });
}

} // namespace attnscope::test
