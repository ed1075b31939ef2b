// SPDX-License-Identifier: Apache-2.0
// The head atlas: layers x heads of a stored run, coloured by a chosen metric. Clicking a head (or
// moving with the arrow keys and pressing Enter) selects it for the heatmap.
#pragma once

#include "attnscope/store/project.h"
#include "prepared_run.h"
#include "render/figures.h"

#include <QImage>
#include <QWidget>

class QCheckBox;
class QComboBox;

namespace attnscope::studio {

class AtlasCanvas;

class HeadAtlasView : public QWidget {
    Q_OBJECT
public:
    explicit HeadAtlasView(QWidget* parent = nullptr);

    /// Shows the run's per-head metrics and thumbnails; the first preferred metric that exists is chosen.
    void setRun(const PreparedRun& run);
    /// "analysis / metric" names offered in the metric box.
    QStringList metricNames() const;
    bool setMetric(const QString& name);
    QString metric() const;
    /// The painted matrix (tests read it).
    const render::Matrix& matrix() const { return m_matrix; }
    int layers() const { return m_matrix.rows; }
    int heads() const { return m_matrix.cols; }
    std::pair<int, int> selectedHead() const { return m_selected; }
    void selectHead(int layer, int head);
    /// The cell rectangle of a head in canvas coordinates (tests click it).
    QRectF cellRect(int layer, int head) const;
    QWidget* canvas() const;
    /// Each cell also shows the head's block-level attention map (log colour) inside a frame in the
    /// metric's colour. Off when the run has no block sums.
    void setThumbnails(bool on);
    bool thumbnails() const;
    bool hasThumbnails() const { return !m_thumbnails.empty(); }

Q_SIGNALS:
    void headSelected(int layer, int head);

private:
    friend class AtlasCanvas;
    void rebuild();

    QComboBox* m_metrics = nullptr;
    QCheckBox* m_showThumbnails = nullptr;
    std::vector<QImage> m_thumbnails; ///< layer-major, one per head
    AtlasCanvas* m_canvas = nullptr;
    std::vector<store::HeadMetric> m_values;
    render::Matrix m_matrix;
    std::pair<int, int> m_selected{0, 0};
};

} // namespace attnscope::studio
