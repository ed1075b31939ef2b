// SPDX-License-Identifier: Apache-2.0
// Scanpath plots (SCANPATH.md §5.2, after PyGaze's gazeplotter): the stimulus area, areas of interest,
// an optional object grid, and each scanpath as numbered fixation circles (area ∝ duration) joined by
// saccade arrows, one colour per scanpath. QtGui only, so views, reports and exports share it.
#pragma once

#include "attnscope/scanpath/saliency_maps.h"
#include "attnscope/scanpath/scanpath.h"

#include <QColor>
#include <QFont>
#include <QPainter>
#include <QPointF>
#include <QRectF>
#include <QString>

#include <optional>
#include <string>
#include <vector>

namespace attnscope::render {

/// One scanpath drawn in one colour.
struct ScanpathLayer {
    const scanpath::Scanpath* path = nullptr;
    QColor colour;
    QString label;
    int shownFixations = -1; ///< draw only the first n fixations (the replay scrubber); -1 = all
};

/// What a scanpath plot shows. Coordinates are the recording's pixels (origin top left, +y down).
struct ScanpathFigure {
    double width = 0.0, height = 0.0; ///< the stimulus or screen; 0 = the fixations' bounding box
    std::vector<ScanpathLayer> layers;
    std::vector<scanpath::AoiBox> areas;   ///< interest areas (outlined)
    std::vector<scanpath::AoiBox> targets; ///< search targets (outlined in the accent colour)
    /// Per area, a weight in [0, 1] shading it (word relevance); empty = outlines only. With weights the
    /// areas are words: their labels are centred and no grid is drawn.
    std::vector<double> areaWeights;
    int gridColumns = 0, gridRows = 0; ///< > 0: draw the object grid
    /// A fixation density drawn under the scanpaths (PyGaze's heatmap: cells below the mean of the
    /// non-zero cells transparent, the rest coloured by value at half opacity).
    std::optional<scanpath::SaliencyMap> heatmap;
    QString title;
};

/// Words laid out as lines of text `width` pixels wide (in reading order, wrapped at word boundaries) in
/// `font`: one box per word with the word as its label and id = its index. `height` receives the
/// text's height. A text stimulus for reading scanpaths.
std::vector<scanpath::AoiBox> layoutWords(const std::vector<std::string>& words, double width,
                                          const QFont& font, double* height);

/// The i-th colour of a categorical palette (Okabe–Ito: distinguishable with colour-blindness).
QColor scanpathColour(int index);

/// The screen rectangle `figure` maps into `area` (aspect kept, centred), for hit testing.
QRectF scanpathPlotRect(const QRectF& area, const ScanpathFigure& figure);

/// Draws `figure` into `area` with the current figure ink.
void drawScanpaths(QPainter& painter, const QRectF& area, const ScanpathFigure& figure);

/// The fixation drawn nearest to `point` within its circle: {layer, fixation}; nullopt if none.
std::optional<std::pair<int, int>> fixationAt(const QRectF& area, const ScanpathFigure& figure,
                                              const QPointF& point);

} // namespace attnscope::render
