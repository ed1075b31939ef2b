// SPDX-License-Identifier: Apache-2.0
#include "qk_space_view.h"

#include "qk_scatter.h"
#include "vtk_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

namespace attnscope::studio {

namespace {

QString percent(double fraction) {
    return QString::number(100.0 * fraction, 'f', 1) + QStringLiteral(" %");
}

/// One point cloud actor: `points` coloured per point (RGB), drawn as round sprites of `size` pixels.
vtkSmartPointer<vtkActor> pointCloud(const analyses::QkEmbedding& e, bool queries) {
    const int m = static_cast<int>(e.sampled.size());
    const double lastToken = std::max(1, e.tokens - 1);
    vtkNew<vtkPoints> points;
    vtkNew<vtkCellArray> vertices;
    vtkNew<vtkUnsignedCharArray> colors;
    colors->SetNumberOfComponents(3);
    colors->SetName("colors");
    for (int i = 0; i < m; ++i) {
        const int p = queries ? i : m + i;
        const vtkIdType id = points->InsertNextPoint(e.at(p, 0), e.at(p, 1), e.at(p, 2));
        vertices->InsertNextCell(1);
        vertices->InsertCellPoint(id);
        const double position = e.sampled[static_cast<std::size_t>(i)] / lastToken;
        const QColor color = QColor::fromHsv(queries ? 24 : 212, 200, static_cast<int>(235 - 135 * position));
        const unsigned char rgb[3] = {static_cast<unsigned char>(color.red()),
                                      static_cast<unsigned char>(color.green()),
                                      static_cast<unsigned char>(color.blue())};
        colors->InsertNextTypedTuple(rgb);
    }
    vtkNew<vtkPolyData> cloud;
    cloud->SetPoints(points);
    cloud->SetVerts(vertices);
    cloud->GetPointData()->SetScalars(colors);
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(cloud);
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->GetProperty()->SetPointSize(queries ? 6.0f : 5.0f);
    actor->GetProperty()->SetRenderPointsAsSpheres(queries);
    return actor;
}

} // namespace

QkSpaceView::QkSpaceView(QWidget* parent)
    : QWidget(parent), m_layer(new QSpinBox(this)), m_head(new QSpinBox(this)), m_method(new QComboBox(this)),
      m_dimensions(new QComboBox(this)), m_normalize(new QCheckBox(tr("Normalize"), this)),
      m_tokens(new QSpinBox(this)), m_compute(new QPushButton(tr("Compute"), this)),
      m_save(new QPushButton(tr("Save Points…"), this)), m_pages(new QStackedWidget(this)),
      m_scatter(new QkScatter(this)), m_view3d(new VtkView(this)), m_caption(new QLabel(this)),
      m_selection(new QLabel(this)) {
    setObjectName(QStringLiteral("qkSpaceView"));
    m_layer->setObjectName(QStringLiteral("qkLayer"));
    m_layer->setRange(0, 9999);
    m_head->setObjectName(QStringLiteral("qkHead"));
    m_head->setRange(0, 9999);
    m_method->setObjectName(QStringLiteral("qkMethod"));
    m_method->addItem(tr("PCA"), static_cast<int>(analyses::EmbeddingMethod::Pca));
    m_method->addItem(tr("t-SNE"), static_cast<int>(analyses::EmbeddingMethod::Tsne));
    m_method->setToolTip(tr("PCA keeps global geometry and is instant; exact t-SNE keeps neighbourhoods, "
                            "costs the square of the points and embeds 750 tokens by default"));
    m_dimensions->setObjectName(QStringLiteral("qkDimensions"));
    m_dimensions->addItem(tr("2D"), 2);
    m_dimensions->addItem(tr("3D"), 3);
    m_normalize->setObjectName(QStringLiteral("qkNormalize"));
    m_normalize->setChecked(true);
    m_normalize->setToolTip(tr("AttentionViz: translate the keys to the queries' centroid and balance their "
                               "norms — neither changes any attention weight"));
    m_tokens->setObjectName(QStringLiteral("qkTokens"));
    m_tokens->setRange(0, 1000000);
    m_tokens->setSpecialValueText(tr("auto"));
    m_tokens->setToolTip(tr("Tokens embedded, evenly spaced (auto: up to 4096 for PCA, 750 for t-SNE)"));
    m_compute->setObjectName(QStringLiteral("qkCompute"));
    m_compute->setToolTip(tr("Run the open model on the input text and embed this head (Ctrl+Shift+K)"));
    m_save->setObjectName(QStringLiteral("qkSavePoints"));
    m_save->setEnabled(false);
    m_caption->setObjectName(QStringLiteral("qkCaption"));
    m_caption->setWordWrap(true);
    m_caption->setMinimumHeight(3 * fontMetrics().lineSpacing() + 4); // the figures wrap over 2–3 lines
    m_caption->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_selection->setObjectName(QStringLiteral("qkSelection"));
    m_selection->setWordWrap(true);
    // Room for a query and its five strongest keys, so a small window does not clip them.
    m_selection->setMinimumHeight(3 * fontMetrics().lineSpacing() + 4);
    m_selection->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_selection->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_view3d->setBackground(QColor(0x20, 0x24, 0x2c));
    m_pages->addWidget(m_scatter);
    m_pages->addWidget(m_view3d);

    auto* controls = new QHBoxLayout;
    const auto label = [this](const QString& text, QWidget* buddy) {
        auto* l = new QLabel(text, this);
        l->setBuddy(buddy);
        return l;
    };
    controls->addWidget(label(tr("&Layer"), m_layer));
    controls->addWidget(m_layer);
    controls->addWidget(label(tr("H&ead"), m_head));
    controls->addWidget(m_head);
    controls->addWidget(label(tr("&Method"), m_method));
    controls->addWidget(m_method);
    controls->addWidget(m_dimensions);
    controls->addWidget(m_normalize);
    controls->addWidget(label(tr("&Tokens"), m_tokens));
    controls->addWidget(m_tokens);
    controls->addStretch(1);
    controls->addWidget(m_compute);
    controls->addWidget(m_save);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_caption);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_selection);
    m_caption->setText(tr("No embedding yet: open a model, type or load an input text, and Compute."));

    connect(m_compute, &QPushButton::clicked, this, &QkSpaceView::computeRequested);
    connect(m_save, &QPushButton::clicked, this, &QkSpaceView::choosePointsPath);
    connect(m_scatter, &QkScatter::pointSelected, this, [this](int point, const QString& description) {
        if (point < 0) {
            m_selection->clear();
            return;
        }
        QString text = description;
        if (!m_scatter->strongestKeys().empty()) {
            QStringList keys;
            const int m = static_cast<int>(m_embedding->sampled.size());
            for (const auto& [key, probability] : m_scatter->strongestKeys())
                keys << tr("%1 (%2)").arg(m_scatter->describe(m + key), percent(probability));
            text += tr(" — attends most to: ") + keys.join(QStringLiteral("; "));
        }
        m_selection->setText(text);
    });
}

analyses::QkEmbeddingRequest QkSpaceView::request() const {
    analyses::QkEmbeddingRequest r;
    r.layer = m_layer->value();
    r.head = m_head->value();
    r.method = static_cast<analyses::EmbeddingMethod>(m_method->currentData().toInt());
    r.dimensions = m_dimensions->currentData().toInt();
    r.normalize = m_normalize->isChecked();
    r.maxTokens = m_tokens->value();
    return r;
}

void QkSpaceView::setHead(int layer, int head) {
    m_layer->setValue(layer);
    m_head->setValue(head);
}

void QkSpaceView::setComputing(bool computing) {
    m_compute->setEnabled(!computing);
}

void QkSpaceView::setEmbedding(const analyses::QkEmbedding& e, const QStringList& texts,
                               const std::vector<int32_t>& ids, const QString& source) {
    m_embedding = e;
    m_texts = texts;
    m_ids = ids;
    m_save->setEnabled(true);
    m_selection->clear();
    const analyses::QkEmbeddingRequest& r = e.request;
    QStringList variance;
    for (double v : e.explainedVariance)
        variance << percent(v);
    QString caption =
        tr("%1 — layer %2 head %3 (KV head %4): %5 of %6 tokens, their queries and keys by %7 in %8D%9. "
           "Explained variance %10.")
            .arg(source)
            .arg(r.layer)
            .arg(r.head)
            .arg(e.kvHead)
            .arg(e.sampled.size())
            .arg(e.tokens)
            .arg(r.method == analyses::EmbeddingMethod::Tsne ? tr("t-SNE") : tr("PCA"))
            .arg(r.dimensions)
            .arg(r.normalize ? tr(" (keys translated, norms balanced)") : tr(" (raw vectors)"))
            .arg(variance.join(QStringLiteral(" + ")));
    if (r.method == analyses::EmbeddingMethod::Tsne)
        caption += tr(" KL divergence %1 at perplexity %2.")
                       .arg(e.klDivergence, 0, 'f', 3)
                       .arg(r.perplexity, 0, 'g', 4);
    caption += tr(" A query's strongest key is among its %1 nearest keys for %2 of queries (chance %3).")
                   .arg(r.neighbours)
                   .arg(percent(e.topKeyAmongNearest), percent(e.chanceAmongNearest));
    if (static_cast<int>(e.sampled.size()) < e.tokens)
        caption += tr(" Only the embedded tokens are keys here: a clicked query's weights are over those %1.")
                       .arg(e.sampled.size());
    m_caption->setText(caption);
    if (r.dimensions == 3) {
        m_scatter->clear();
        show3d(e);
        m_pages->setCurrentWidget(m_view3d);
    } else {
        m_scatter->setEmbedding(e, texts);
        m_pages->setCurrentWidget(m_scatter);
    }
}

void QkSpaceView::show3d(const analyses::QkEmbedding& e) {
    vtkRenderer* renderer = m_view3d->renderer();
    renderer->RemoveAllViewProps();
    renderer->AddActor(pointCloud(e, false));
    renderer->AddActor(pointCloud(e, true));
    m_view3d->resetCamera();
    m_view3d->update();
}

bool QkSpaceView::showing3d() const {
    return m_pages->currentWidget() == m_view3d;
}

QString QkSpaceView::caption() const {
    return m_caption->text();
}

bool QkSpaceView::savePoints(const QString& path) {
    if (!m_embedding) {
        Q_EMIT statusMessage(tr("Nothing to save: compute an embedding first"));
        return false;
    }
    std::vector<std::string> texts;
    for (const QString& text : m_texts)
        texts.push_back(text.toStdString());
    const Status status = analyses::writeQkEmbeddingCsv(path.toStdString(), *m_embedding, m_ids, texts);
    Q_EMIT statusMessage(status.isOk() ? tr("Saved %1 points to %2").arg(m_embedding->points()).arg(path)
                                       : QString::fromStdString(status.toString()));
    return status.isOk();
}

void QkSpaceView::choosePointsPath() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Points"),
                                                      QStringLiteral("qk-points.csv"), tr("CSV (*.csv)"));
    if (!path.isEmpty())
        savePoints(path);
}

} // namespace attnscope::studio
