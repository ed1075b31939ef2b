// SPDX-License-Identifier: Apache-2.0
// The "Q/K Space" tab: one head's queries and keys of the input text in a joint 2D or 3D embedding
// (AttentionViz; analyses/qk_embedding.h), computed on demand from the open model. 2D is a Qt scatter
// with hover and click (QkScatter); 3D is a VTK point cloud to rotate. The points save as CSV.
#pragma once

#include "attnscope/analyses/qk_embedding.h"

#include <QStringList>
#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace attnscope::studio {

class QkScatter;
class VtkView;

class QkSpaceView : public QWidget {
    Q_OBJECT
public:
    explicit QkSpaceView(QWidget* parent = nullptr);

    /// The request the controls describe (layer, head, method, dimensions, normalization, tokens).
    analyses::QkEmbeddingRequest request() const;
    /// Sets the layer and head controls (the head atlas's selection follows here).
    void setHead(int layer, int head);
    /// Shows an embedding; `texts` and `ids` are per input token, `source` names the model and input.
    void setEmbedding(const analyses::QkEmbedding& embedding, const QStringList& texts,
                      const std::vector<int32_t>& ids, const QString& source);
    /// Disables Compute while a job runs.
    void setComputing(bool computing);
    const std::optional<analyses::QkEmbedding>& embedding() const { return m_embedding; }
    /// Writes the shown points as CSV (as `attnscope-cli qk-embed --csv`). False (statusMessage says why)
    /// when nothing is shown or the file cannot be written.
    bool savePoints(const QString& path);

    QkScatter* scatter() const { return m_scatter; }
    VtkView* vtkView() const { return m_view3d; }
    /// The figures of the shown embedding (tests read it).
    QString caption() const;
    /// True when the 3D page is shown.
    bool showing3d() const;

Q_SIGNALS:
    /// Compute was pressed: the main window runs the embedding job with request().
    void computeRequested();
    void statusMessage(const QString& message);

private:
    void show3d(const analyses::QkEmbedding& embedding);
    void choosePointsPath();

    QSpinBox* m_layer;
    QSpinBox* m_head;
    QComboBox* m_method;
    QComboBox* m_dimensions;
    QCheckBox* m_normalize;
    QSpinBox* m_tokens;
    QPushButton* m_compute;
    QPushButton* m_save;
    QStackedWidget* m_pages;
    QkScatter* m_scatter;
    VtkView* m_view3d;
    QLabel* m_caption;
    QLabel* m_selection;
    std::optional<analyses::QkEmbedding> m_embedding;
    QStringList m_texts;
    std::vector<int32_t> m_ids;
};

} // namespace attnscope::studio
