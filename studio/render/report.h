// SPDX-License-Identifier: Apache-2.0
// Attention reports of a stored run: a self-contained HTML file (inline figures, no scripts, no
// network) or a PDF, with the model and input summary, head atlas, sinks, retrieval heads, layer
// similarity, sparsity masks and curves, block-level attention heatmaps and provenance. The figures
// come from render/figures.h, the studio's renderer. Needs a QGuiApplication (offscreen is fine).
#pragma once

#include "attnscope/core/expected.h"
#include "attnscope/store/project.h"

#include <QImage>
#include <QString>

#include <vector>

namespace attnscope::render {

/// The report as HTML with figures referenced by name, and the figures.
struct Report {
    QString title;
    QString body; ///< HTML; <img src="NAME"> for each figure
    std::vector<std::pair<QString, QImage>> figures;
};

/// Builds the report of `run`; errors name what in the stored document is unreadable. The run's notes
/// (store::Annotation) are read from `projectPath` when it is given.
Expected<Report> buildReport(const store::RunRecord& run, const QString& projectPath);

/// Self-contained HTML: figures inlined as PNG data URLs, styles inline.
Status writeHtmlReport(const Report& report, const QString& path);

/// A4 PDF of the same content (QTextDocument layout over QPdfWriter).
Status writePdfReport(const Report& report, const QString& path);

} // namespace attnscope::render
