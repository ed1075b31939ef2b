// SPDX-License-Identifier: Apache-2.0
#include "views/gaze_view.h"
#include "views/scarf_chart.h"

#include "render/figures.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHelpEvent>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolTip>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnscope::studio {

namespace {

enum Column {
    ColumnNumber,
    ColumnSubject,
    ColumnStimulus,
    ColumnTrial,
    ColumnFixations,
    ColumnSearch,
    ColumnSource
};

QString formatted(double value, int decimals = 4) {
    return std::isfinite(value) ? QString::number(value, 'f', decimals) : QStringLiteral("n/a");
}

QString labelOf(const scanpath::Scanpath& path, int number) {
    QStringList parts;
    if (!path.subjectId.empty())
        parts << QString::fromStdString(path.subjectId);
    if (!path.trialId.empty() && path.trialId != path.stimulusId)
        parts << QStringLiteral("trial %1").arg(QString::fromStdString(path.trialId));
    return parts.isEmpty() ? QStringLiteral("#%1").arg(number)
                           : QStringLiteral("#%1 %2").arg(number).arg(parts.join(u' '));
}

} // namespace

ScanpathCanvas::ScanpathCanvas(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("scanpathCanvas"));
    setMinimumSize(320, 240);
    setMouseTracking(true);
}

void ScanpathCanvas::setFigure(render::ScanpathFigure figure) {
    m_figure = std::move(figure);
    update();
}

QString ScanpathCanvas::describeAt(const QPointF& point) const {
    const auto hit = render::fixationAt(QRectF(rect()), m_figure, point);
    if (!hit)
        return {};
    const render::ScanpathLayer& layer = m_figure.layers[static_cast<std::size_t>(hit->first)];
    const scanpath::Fixation& f = layer.path->fixations[static_cast<std::size_t>(hit->second)];
    QString text = tr("%1, fixation %2\nx %3, y %4 px")
                       .arg(layer.label)
                       .arg(hit->second + 1)
                       .arg(f.x, 0, 'f', 1)
                       .arg(f.y, 0, 'f', 1);
    if (std::isfinite(f.durationMs))
        text += tr("\n%1 ms").arg(f.durationMs, 0, 'f', 0);
    if (f.aoi >= 0)
        text += tr("\narea %1").arg(f.aoi);
    return text;
}

void ScanpathCanvas::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    if (m_figure.layers.empty()) {
        painter.fillRect(rect(), render::figureInk().paper);
        painter.setPen(render::figureInk().text);
        painter.drawText(
            rect(), Qt::AlignCenter | Qt::TextWordWrap,
            tr("File ▸ Import Gaze Recording… (Ctrl+Shift+G) reads EyeLink .asc files, fixation tables "
               "(multimatch TSV, Data Viewer reports, any CSV with a column mapping) and the STI "
               "search set. Check scanpaths in the list to draw and compare them."));
        return;
    }
    render::drawScanpaths(painter, QRectF(rect()), m_figure);
}

bool ScanpathCanvas::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = describeAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

GazeView::GazeView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("gazeView"));
    // The list, the comparison's parameters and its metrics in one column; the plot takes the rest.
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    auto* column = new QSplitter(Qt::Vertical, splitter);

    auto* left = new QWidget(column);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    m_stimulus = new QComboBox(left);
    m_stimulus->setObjectName(QStringLiteral("gazeStimulus"));
    m_stimulus->setToolTip(tr("Show the scanpaths of one stimulus"));
    leftLayout->addWidget(m_stimulus);
    m_list = new QTreeWidget(left);
    m_list->setObjectName(QStringLiteral("gazeScanpaths"));
    m_list->setRootIsDecorated(false);
    m_list->setHeaderLabels(
        {tr("#"), tr("Subject"), tr("Stimulus"), tr("Trial"), tr("Fixations"), tr("Search"), tr("File")});
    m_list->setToolTip(tr("Checked scanpaths are drawn; the first two checked are compared (A, B)"));
    leftLayout->addWidget(m_list);
    auto* clear = new QPushButton(tr("Clear"), left);
    clear->setObjectName(QStringLiteral("gazeClear"));
    leftLayout->addWidget(clear);
    connect(clear, &QPushButton::clicked, this, &GazeView::clear);

    column->addWidget(left);
    column->addWidget(createSettings());
    column->setStretchFactor(0, 1);
    column->setStretchFactor(1, 2);

    auto* centre = new QWidget(splitter);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    // The plot, and the scarf chart of the same scanpaths (GazePlotter's sequence view) beside it.
    m_plotTabs = new QTabWidget(centre);
    m_plotTabs->setObjectName(QStringLiteral("gazePlotTabs"));
    m_canvas = new ScanpathCanvas(m_plotTabs);
    m_plotTabs->addTab(m_canvas, tr("Plot"));
    auto* scarfScroll = new QScrollArea(m_plotTabs);
    scarfScroll->setWidgetResizable(true);
    m_scarf = new ScarfChart(scarfScroll);
    m_scarf->setObjectName(QStringLiteral("gazeScarf"));
    // On the scroll area: a tool tip on the chart would replace the one it shows for each segment.
    scarfScroll->setToolTip(
        tr("Each checked scanpath's fixations over time, coloured by area of interest (or "
           "grid cell when the recording has no areas)"));
    scarfScroll->setWidget(m_scarf);
    m_plotTabs->addTab(scarfScroll, tr("Scarf"));
    centreLayout->addWidget(m_plotTabs, 1);
    auto* replayRow = new QHBoxLayout;
    m_replayLabel = new QLabel(tr("Fixations: all"), centre);
    m_replay = new QSlider(Qt::Horizontal, centre);
    m_replay->setObjectName(QStringLiteral("gazeReplay"));
    m_replay->setToolTip(tr("Replay: draw the first n fixations of each scanpath"));
    m_replay->setRange(1, 1);
    replayRow->addWidget(m_replayLabel);
    replayRow->addWidget(m_replay, 1);
    centreLayout->addLayout(replayRow);
    connect(m_replay, &QSlider::valueChanged, this, [this] { refreshFigure(); });

    splitter->addWidget(column);
    splitter->addWidget(centre);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1); // the plot takes what the window grows by
    splitter->setSizes({300, 800});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_stimulus, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_updating)
            setStimulusFilter(m_stimulus->currentData().toString());
    });
    connect(m_list, &QTreeWidget::itemChanged, this, [this] {
        if (m_updating)
            return;
        refreshFigure();
        refreshComparison();
    });
}

QWidget* GazeView::createSettings() {
    auto* panel = new QWidget(this);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* settings = new QGroupBox(tr("Comparison"), panel);
    auto* form = new QFormLayout(settings);
    const auto spin = [&](const QString& name, double max, double value, int decimals, const QString& tip) {
        auto* box = new QDoubleSpinBox(settings);
        box->setObjectName(name);
        box->setRange(0, max);
        box->setDecimals(decimals);
        box->setValue(value);
        box->setToolTip(tip);
        connect(box, &QDoubleSpinBox::valueChanged, this, [this] { refreshComparison(); });
        return box;
    };
    m_screenWidth = spin(QStringLiteral("gazeScreenWidth"), 100000, 1280, 0,
                         tr("Screen or stimulus width in pixels (MultiMatch normalizes by the diagonal)"));
    m_screenHeight =
        spin(QStringLiteral("gazeScreenHeight"), 100000, 720, 0, tr("Screen or stimulus height"));
    auto* screen = new QHBoxLayout;
    screen->addWidget(m_screenWidth);
    screen->addWidget(new QLabel(QStringLiteral("×"), settings));
    screen->addWidget(m_screenHeight);
    form->addRow(tr("Screen (px)"), screen);
    const auto grid = [&](const QString& name, int value) {
        auto* box = new QSpinBox(settings);
        box->setObjectName(name);
        box->setRange(1, 1000);
        box->setValue(value);
        connect(box, &QSpinBox::valueChanged, this, [this] {
            refreshFigure();
            refreshComparison();
            refreshBehaviour();
        });
        return box;
    };
    m_gridColumns = grid(QStringLiteral("gazeGridColumns"), 12);
    m_gridRows = grid(QStringLiteral("gazeGridRows"), 8);
    m_gridColumns->setToolTip(
        tr("ScanMatch bins and the sequence metrics' grid; the object grid of search sets "
           "(STI Amazon collages: 14 × 6)"));
    auto* cells = new QHBoxLayout;
    cells->addWidget(m_gridColumns);
    cells->addWidget(new QLabel(QStringLiteral("×"), settings));
    cells->addWidget(m_gridRows);
    form->addRow(tr("Grid"), cells);
    m_tdir = spin(QStringLiteral("gazeTDir"), 180, 0, 1,
                  tr("MultiMatch simplification: direction threshold (°); "
                     "with the amplitude threshold, 0 turns it off"));
    m_tdur =
        spin(QStringLiteral("gazeTDur"), 100, 0, 3, tr("MultiMatch simplification: duration threshold (s)"));
    m_tamp = spin(QStringLiteral("gazeTAmp"), 100000, 0, 1,
                  tr("MultiMatch simplification: amplitude threshold (px)"));
    form->addRow(tr("Simplify: turn (°)"), m_tdir);
    form->addRow(tr("duration (s)"), m_tdur);
    form->addRow(tr("amplitude (px)"), m_tamp);
    m_sigma =
        spin(QStringLiteral("gazeMapSigma"), 10000, 200.0 / 6.0, 1,
             tr("The fixation density maps' Gaussian σ in pixels (PyGaze: 200 / 6; about 1° of visual angle "
                "when the geometry is known): the heatmap and the map metrics"));
    m_sigma->setMinimum(0.5); // a blur of zero is no density: the comparison refuses it
    m_heatmap = new QCheckBox(tr("Heatmap"), settings);
    m_heatmap->setObjectName(QStringLiteral("gazeHeatmap"));
    m_heatmap->setToolTip(tr("Draw the checked scanpaths' fixation density under them"));
    connect(m_heatmap, &QCheckBox::toggled, this, [this] { refreshFigure(); });
    connect(m_sigma, &QDoubleSpinBox::valueChanged, this, [this] { refreshFigure(); });
    auto* density = new QHBoxLayout;
    density->addWidget(m_sigma, 1);
    density->addWidget(m_heatmap);
    form->addRow(tr("Density σ (px)"), density);
    layout->addWidget(settings);

    m_metrics = new QTableWidget(0, 2, panel);
    m_metrics->setObjectName(QStringLiteral("gazeMetrics"));
    m_metrics->setHorizontalHeaderLabels({tr("Metric"), tr("A vs B")});
    m_metrics->verticalHeader()->hide();
    m_metrics->verticalHeader()->setDefaultSectionSize(m_metrics->fontMetrics().height() + 6);
    m_metrics->horizontalHeader()->setStretchLastSection(true);
    m_metrics->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_metrics, 1);
    m_noteLabel = new QLabel(panel);
    m_noteLabel->setObjectName(QStringLiteral("gazeNote"));
    m_noteLabel->setWordWrap(true);
    m_noteLabel->setMinimumHeight(2 * m_noteLabel->fontMetrics().lineSpacing() +
                                  4); // two lines, never clipped
    layout->addWidget(m_noteLabel);
    auto* save = new QPushButton(tr("Save Comparison…"), panel);
    save->setObjectName(QStringLiteral("gazeSaveComparison"));
    save->setToolTip(
        tr("Write the comparison as JSON (the layout of attnscope-cli scanpath compare --json)"));
    connect(save, &QPushButton::clicked, this, &GazeView::chooseComparisonPath);
    layout->addWidget(save);
    return panel;
}

void GazeView::addRecording(const QString& source, scanpath::GazeRecording recording) {
    const int alreadyChecked = static_cast<int>(checkedScanpaths().size());
    const std::size_t first = m_entries.size();
    const bool search = recording.format == "sti-amazon" || recording.format == "coco-search18";
    for (std::size_t i = 0; i < recording.scanpaths.size(); ++i) {
        Entry entry;
        entry.source = source;
        entry.indexInSource = static_cast<int>(i);
        entry.path = std::move(recording.scanpaths[i]);
        if (i < recording.areas.size())
            entry.areas = std::move(recording.areas[i]);
        entry.searchTarget = search;
        m_entries.push_back(std::move(entry));
    }
    // Prefill the screen from the recording when it says it.
    if (first < m_entries.size()) {
        const scanpath::Scanpath& path = m_entries[first].path;
        if (path.screenWidth > 0 && path.screenHeight > 0)
            setScreen(path.screenWidth, path.screenHeight);
        if (search)
            setGrid(14, 6); // the STI collages' layout: OAT's object grid
    }
    m_filter = first < m_entries.size() ? QString::fromStdString(m_entries[first].path.stimulusId) : m_filter;
    refreshList();
    // Until two are checked, new visible scanpaths are: importing two files compares them at once.
    int checked = alreadyChecked;
    for (std::size_t i = first; i < m_entries.size() && checked < 2; ++i)
        if (!m_entries[i].item->isHidden()) {
            setChecked(static_cast<int>(i), true);
            ++checked;
        }
    refreshFigure();
    refreshComparison();
}

void GazeView::addReading(const QString& source, const analyses::ReadingRelevance& relevance,
                          const scanpath::Scanpath& predicted) {
    std::vector<std::string> words;
    for (const scanpath::WordSpan& word : relevance.words)
        words.push_back(word.text);
    double height = 0.0;
    QFont font = this->font();
    font.setPixelSize(15);
    constexpr double kWidth = 640.0; // the virtual page the text is laid out on, in pixels
    Entry entry;
    entry.source = source;
    entry.areas = render::layoutWords(words, kWidth, font, &height);
    double lowest = std::numeric_limits<double>::infinity(), highest = -lowest;
    for (const double v : relevance.wordRelevance)
        if (std::isfinite(v))
            lowest = std::min(lowest, v), highest = std::max(highest, v);
    for (const double v : relevance.wordRelevance)
        entry.areaWeights.push_back(!std::isfinite(v)  ? v
                                    : highest > lowest ? (v - lowest) / (highest - lowest)
                                                       : 1.0);
    entry.path = predicted;
    for (scanpath::Fixation& f : entry.path.fixations)
        if (f.word >= 0 && static_cast<std::size_t>(f.word) < entry.areas.size()) {
            f.x = entry.areas[static_cast<std::size_t>(f.word)].centreX();
            f.y = entry.areas[static_cast<std::size_t>(f.word)].centreY();
        }
    QString opening;
    for (std::size_t w = 0; w < words.size() && w < 4; ++w)
        opening += (w ? QStringLiteral(" ") : QString()) + QString::fromStdString(words[w]);
    entry.path.stimulusId = tr("text: %1…").arg(opening).toStdString();
    entry.path.subjectId =
        tr("model (%1, layer %2)")
            .arg(QString::fromLatin1(analyses::relevanceMethodName(relevance.request.method)))
            .arg(relevance.layer)
            .toStdString();
    entry.path.screenWidth = kWidth;
    entry.path.screenHeight = height;
    for (const Entry& existing : m_entries)
        if (existing.item)
            existing.item->setCheckState(ColumnNumber, Qt::Unchecked);
    m_entries.push_back(std::move(entry));
    m_filter = QString::fromStdString(m_entries.back().path.stimulusId);
    refreshList();
    setChecked(scanpathCount() - 1, true);
    refreshFigure();
    refreshComparison();
}

void GazeView::clear() {
    m_entries.clear();
    m_filter.clear();
    refreshList();
    refreshFigure();
    refreshComparison();
}

void GazeView::setChecked(int index, bool checked) {
    if (index < 0 || index >= scanpathCount())
        return;
    m_entries[static_cast<std::size_t>(index)].item->setCheckState(ColumnNumber,
                                                                   checked ? Qt::Checked : Qt::Unchecked);
}

std::vector<int> GazeView::checkedScanpaths() const {
    std::vector<int> checked;
    for (std::size_t i = 0; i < m_entries.size(); ++i)
        if (m_entries[i].item && !m_entries[i].item->isHidden() &&
            m_entries[i].item->checkState(ColumnNumber) == Qt::Checked)
            checked.push_back(static_cast<int>(i));
    return checked;
}

QStringList GazeView::stimuli() const {
    QStringList names;
    for (const Entry& entry : m_entries) {
        const QString name = QString::fromStdString(entry.path.stimulusId);
        if (!names.contains(name))
            names << name;
    }
    return names;
}

void GazeView::setStimulusFilter(const QString& stimulus) {
    m_filter = stimulus;
    refreshList();
    refreshFigure();
    refreshComparison();
}

int GazeView::visibleScanpaths() const {
    int visible = 0;
    for (const Entry& entry : m_entries)
        visible += entry.item && !entry.item->isHidden();
    return visible;
}

void GazeView::refreshList() {
    m_updating = true;
    // The stimulus filter: "All" plus every stimulus name, when there is more than one.
    const QStringList names = stimuli();
    m_stimulus->clear();
    m_stimulus->addItem(tr("All stimuli (%1 scanpaths)").arg(m_entries.size()), QString());
    for (const QString& name : names)
        if (!name.isEmpty())
            m_stimulus->addItem(name, name);
    const int at = m_stimulus->findData(m_filter);
    m_stimulus->setCurrentIndex(at < 0 ? 0 : at);
    if (at < 0)
        m_filter.clear();
    m_stimulus->setEnabled(names.size() > 1);

    // Keep check states across rebuilds.
    std::vector<bool> wasChecked;
    for (const Entry& entry : m_entries)
        wasChecked.push_back(entry.item && entry.item->checkState(ColumnNumber) == Qt::Checked);
    m_list->clear();
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        Entry& entry = m_entries[i];
        auto* item = new QTreeWidgetItem(m_list);
        item->setText(ColumnNumber, QString::number(i + 1));
        item->setText(ColumnSubject, QString::fromStdString(entry.path.subjectId));
        item->setText(ColumnStimulus, QString::fromStdString(entry.path.stimulusId));
        item->setText(ColumnTrial, QString::fromStdString(entry.path.trialId));
        item->setText(ColumnFixations, QString::number(entry.path.fixations.size()));
        item->setText(ColumnSource, QStringLiteral("%1 #%2").arg(entry.source).arg(entry.indexInSource));
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(ColumnNumber, wasChecked[i] ? Qt::Checked : Qt::Unchecked);
        item->setHidden(!m_filter.isEmpty() && QString::fromStdString(entry.path.stimulusId) != m_filter);
        entry.item = item;
    }
    for (int c = 0; c < m_list->columnCount(); ++c)
        m_list->resizeColumnToContents(c);
    m_updating = false;
    refreshBehaviour();
}

void GazeView::refreshBehaviour() {
    bool any = false;
    m_updating = true;
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        const auto stats = behaviourOf(static_cast<int>(i));
        if (!m_entries[i].item)
            continue;
        if (!stats) {
            m_entries[i].item->setText(ColumnSearch, QString());
            continue;
        }
        any = true;
        m_entries[i].item->setText(
            ColumnSearch,
            tr("%1 · %2 fix · search %3 · refix %4 · revisit %5")
                .arg(stats->correct > 0.5 ? tr("found") : tr("missed"))
                .arg(stats->length)
                .arg(formatted(stats->search, 2), formatted(stats->refix, 2), formatted(stats->revisit, 2)));
    }
    m_list->setColumnHidden(ColumnSearch, !any);
    m_updating = false;
}

std::optional<scanpath::BehaviouralStats> GazeView::behaviourOf(int index) const {
    if (index < 0 || index >= scanpathCount())
        return std::nullopt;
    const Entry& entry = m_entries[static_cast<std::size_t>(index)];
    if (!entry.searchTarget || entry.areas.empty() ||
        !(entry.path.screenWidth > 0 && entry.path.screenHeight > 0))
        return std::nullopt;
    const scanpath::AoiGrid grid{m_gridColumns->value(), m_gridRows->value(), entry.path.screenWidth,
                                 entry.path.screenHeight};
    const int target = grid.cellAt(entry.areas.front().centreX(), entry.areas.front().centreY());
    return scanpath::behaviouralStats(scanpath::gridSequence(entry.path, grid), target);
}

void GazeView::refreshFigure() {
    render::ScanpathFigure figure;
    const std::vector<int> checked = checkedScanpaths();
    int longest = 0;
    for (std::size_t k = 0; k < checked.size(); ++k) {
        const Entry& entry = m_entries[static_cast<std::size_t>(checked[k])];
        render::ScanpathLayer layer;
        layer.path = &entry.path;
        layer.colour = render::scanpathColour(static_cast<int>(k));
        layer.label = (k == 0   ? QStringLiteral("A ")
                       : k == 1 ? QStringLiteral("B ")
                                : QString()) +
                      labelOf(entry.path, checked[k] + 1);
        longest = std::max(longest, static_cast<int>(entry.path.fixations.size()));
        figure.layers.push_back(layer);
        if (k == 0) {
            figure.width = entry.path.screenWidth;
            figure.height = entry.path.screenHeight;
            (entry.searchTarget ? figure.targets : figure.areas) = entry.areas;
            figure.areaWeights = entry.areaWeights;
            figure.title = QString::fromStdString(entry.path.stimulusId);
        }
    }
    if (figure.width <= 0 && !figure.layers.empty()) {
        figure.width = m_screenWidth->value();
        figure.height = m_screenHeight->value();
    }
    figure.gridColumns = m_gridColumns->value();
    figure.gridRows = m_gridRows->value();
    if (m_heatmap->isChecked() && !figure.layers.empty()) {
        std::vector<const scanpath::Scanpath*> paths;
        for (const render::ScanpathLayer& layer : figure.layers)
            paths.push_back(layer.path);
        scanpath::DensityMapConfig density;
        density.screenWidth = figure.width;
        density.screenHeight = figure.height;
        density.sigmaPx = m_sigma->value();
        figure.heatmap = scanpath::fixationDensity(paths, density);
    }
    // The scrubber spans the longest checked scanpath; at its end every fixation shows.
    const bool atEnd = m_replay->value() >= m_replay->maximum();
    m_replay->blockSignals(true);
    m_replay->setRange(1, std::max(1, longest));
    if (atEnd)
        m_replay->setValue(m_replay->maximum());
    m_replay->blockSignals(false);
    const int shown = m_replay->value() >= m_replay->maximum() ? -1 : m_replay->value();
    m_replayLabel->setText(shown < 0 ? tr("Fixations: all") : tr("Fixations: 1–%1").arg(shown));
    for (render::ScanpathLayer& layer : figure.layers)
        layer.shownFixations = shown;
    m_canvas->setFigure(std::move(figure));
    refreshScarf();
}

void GazeView::refreshScarf() {
    const std::vector<int> checked = checkedScanpaths();
    // One alphabet for every row: AOI ids when any checked recording assigns them, else the grid's cells
    // (when the screen is known), else nothing.
    // One time base for every row too: recorded starts when every checked fixation has one (saccade gaps
    // show), else durations laid end to end, else one unit per fixation.
    bool aoi = false, durations = !checked.empty(), starts = true;
    for (const int index : checked) {
        const scanpath::Scanpath& path = m_entries[static_cast<std::size_t>(index)].path;
        aoi = aoi || std::any_of(path.fixations.begin(), path.fixations.end(),
                                 [](const scanpath::Fixation& f) { return f.aoi >= 0; });
        if (path.fixations.empty())
            continue; // an empty scanpath has no row to lay out, and no say in the unit
        durations = durations && path.hasDurations();
        starts = starts && std::all_of(path.fixations.begin(), path.fixations.end(),
                                       [](const scanpath::Fixation& f) { return std::isfinite(f.startMs); });
    }
    starts = starts && durations;
    std::vector<ScarfChart::Row> rows;
    QMap<int, QString> names;
    for (std::size_t k = 0; k < checked.size(); ++k) {
        const Entry& entry = m_entries[static_cast<std::size_t>(checked[k])];
        const scanpath::Scanpath& path = entry.path;
        std::vector<int> symbols(path.fixations.size(), -1);
        if (aoi) {
            for (std::size_t i = 0; i < path.fixations.size(); ++i)
                symbols[i] = path.fixations[i].aoi;
            for (const scanpath::AoiBox& box : entry.areas)
                if (!box.label.empty() && !names.contains(box.id))
                    names.insert(box.id, QString::fromStdString(box.label));
        } else {
            const double width = path.screenWidth > 0 ? path.screenWidth : m_screenWidth->value();
            const double height = path.screenHeight > 0 ? path.screenHeight : m_screenHeight->value();
            if (width > 0 && height > 0)
                symbols = scanpath::gridSequence(
                    path, scanpath::AoiGrid{m_gridColumns->value(), m_gridRows->value(), width, height});
        }
        ScarfChart::Row row;
        row.label = (k == 0   ? QStringLiteral("A ")
                     : k == 1 ? QStringLiteral("B ")
                              : QString()) +
                    labelOf(path, checked[k] + 1);
        double origin = 0.0; // the row's earliest start: rows need not be in time order
        if (starts && !path.fixations.empty())
            origin = std::min_element(path.fixations.begin(), path.fixations.end(),
                                      [](const scanpath::Fixation& a, const scanpath::Fixation& b) {
                                          return a.startMs < b.startMs;
                                      })
                         ->startMs;
        double clock = 0.0;
        for (std::size_t i = 0; i < path.fixations.size(); ++i) {
            const scanpath::Fixation& f = path.fixations[i];
            ScarfChart::Segment segment;
            segment.symbol = symbols[i];
            segment.fixation = static_cast<int>(i);
            if (!durations) {
                segment.start = static_cast<double>(i);
                segment.length = 1.0;
            } else {
                segment.start = starts ? f.startMs - origin : clock;
                segment.length = f.durationMs;
                clock += f.durationMs;
            }
            row.segments.push_back(segment);
        }
        rows.push_back(std::move(row));
    }
    if (!aoi)
        for (const ScarfChart::Row& row : rows)
            for (const ScarfChart::Segment& segment : row.segments)
                if (segment.symbol >= 0)
                    names.insert(segment.symbol, tr("cell %1").arg(segment.symbol));
    m_scarf->setRows(std::move(rows), durations ? tr("ms") : tr("fixation"), std::move(names));
}

void GazeView::showScarf(bool shown) {
    m_plotTabs->setCurrentIndex(shown ? 1 : 0);
}

void GazeView::setShownFixations(int count) {
    m_replay->setValue(count < 0 ? m_replay->maximum() : count);
}

scanpath::ComparisonConfig GazeView::comparisonConfig() const {
    scanpath::ComparisonConfig config;
    config.multiMatch.screenWidth = config.scanMatch.screenWidth = m_screenWidth->value();
    config.multiMatch.screenHeight = config.scanMatch.screenHeight = m_screenHeight->value();
    config.scanMatch.xBins = m_gridColumns->value();
    config.scanMatch.yBins = m_gridRows->value();
    config.multiMatch.directionThresholdDeg = m_tdir->value();
    config.multiMatch.durationThresholdS = m_tdur->value();
    config.multiMatch.amplitudeThresholdPx = m_tamp->value();
    config.multiMatch.simplify = m_tdir->value() > 0 && m_tamp->value() > 0;
    config.mapSigmaPx = m_sigma->value();
    return config;
}

void GazeView::setHeatmapShown(bool shown) {
    m_heatmap->setChecked(shown);
}

void GazeView::setMapSigma(double pixels) {
    m_sigma->setValue(pixels);
}

void GazeView::setScreen(double width, double height) {
    m_screenWidth->setValue(width);
    m_screenHeight->setValue(height);
}

void GazeView::setGrid(int columns, int rows) {
    m_gridColumns->setValue(columns);
    m_gridRows->setValue(rows);
}

void GazeView::setSimplification(double directionDeg, double durationS, double amplitudePx) {
    m_tdir->setValue(directionDeg);
    m_tdur->setValue(durationS);
    m_tamp->setValue(amplitudePx);
}

void GazeView::refreshComparison() {
    m_comparison.reset();
    m_metrics->setRowCount(0);
    const std::vector<int> checked = checkedScanpaths();
    if (checked.size() < 2) {
        m_note = m_entries.empty() ? QString() : tr("Check two scanpaths to compare them.");
        m_noteLabel->setText(m_note);
        Q_EMIT comparisonChanged();
        return;
    }
    const Entry& a = m_entries[static_cast<std::size_t>(checked[0])];
    const Entry& b = m_entries[static_cast<std::size_t>(checked[1])];
    // A new pair is compared on A's own screen when its recording says it (as `scanpath compare` does);
    // an edit of the fields holds for the pair it was made for.
    const std::pair<int, int> pair{checked[0], checked[1]};
    if (pair != m_comparedPair && a.path.screenWidth > 0 && a.path.screenHeight > 0) {
        const QSignalBlocker blockWidth(m_screenWidth), blockHeight(m_screenHeight);
        m_screenWidth->setValue(a.path.screenWidth);
        m_screenHeight->setValue(a.path.screenHeight);
    }
    m_comparedConfig = comparisonConfig();
    m_comparedPair = pair;
    auto comparison = scanpath::compareScanpaths(a.path, b.path, m_comparedConfig);
    if (!comparison) {
        m_note = QString::fromStdString(comparison.status().toString());
        m_noteLabel->setText(m_note);
        Q_EMIT comparisonChanged();
        return;
    }
    m_comparison = *comparison;
    const scanpath::Comparison& c = *m_comparison;
    const std::vector<std::pair<QString, QString>> rows{
        {tr("MultiMatch vector"), formatted(c.multiMatch.vector)},
        {tr("MultiMatch direction"), formatted(c.multiMatch.direction)},
        {tr("MultiMatch length"), formatted(c.multiMatch.length)},
        {tr("MultiMatch position"), formatted(c.multiMatch.position)},
        {tr("MultiMatch duration"), formatted(c.multiMatch.duration)},
        {tr("ScanMatch"), formatted(c.scanMatch)},
        {tr("Sequence score"), formatted(c.sequenceScore)},
        {tr("Edit distance"), QString::number(c.editDistance)},
        {tr("Edit similarity"), formatted(c.editSimilarity)},
        {tr("DTW (px)"), formatted(c.dtw, 1)},
        {tr("Fréchet (px)"), formatted(c.frechet, 1)},
        {tr("Hausdorff (px)"), formatted(c.hausdorff, 1)},
        {tr("Eyenalysis (px)"), formatted(c.eyenalysis, 1)},
        {tr("Map CC"), formatted(c.maps.cc)},
        {tr("Map SIM"), formatted(c.maps.sim)},
        {tr("Map KL (B ‖ A)"), formatted(c.maps.kl)},
        {tr("NSS (B on A's map)"), formatted(c.maps.nss)},
        {tr("AUC-Judd (B on A's map)"), formatted(c.maps.aucJudd)}};
    m_metrics->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        m_metrics->setItem(r, 0, new QTableWidgetItem(rows[static_cast<std::size_t>(r)].first));
        auto* value = new QTableWidgetItem(rows[static_cast<std::size_t>(r)].second);
        value->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_metrics->setItem(r, 1, value);
    }
    m_metrics->resizeColumnToContents(0);
    m_note = tr("A: %1 (%2 fixations) · B: %3 (%4 fixations)%5")
                 .arg(labelOf(a.path, checked[0] + 1))
                 .arg(a.path.fixations.size())
                 .arg(labelOf(b.path, checked[1] + 1))
                 .arg(b.path.fixations.size())
                 .arg(m_comparedConfig.multiMatch.simplify ? tr("; MultiMatch simplified") : QString());
    m_noteLabel->setText(m_note);
    Q_EMIT comparisonChanged();
}

QString GazeView::comparisonNote() const {
    return m_note;
}

nlohmann::json GazeView::comparisonDocument() const {
    if (!m_comparison)
        return nullptr;
    const auto describe = [this](int index) {
        const Entry& entry = m_entries[static_cast<std::size_t>(index)];
        return nlohmann::json{
            {"file", entry.source.toStdString()}, {"index", entry.indexInSource},
            {"subject", entry.path.subjectId},    {"stimulus", entry.path.stimulusId},
            {"trial", entry.path.trialId},        {"fixations", entry.path.fixations.size()}};
    };
    return {{"a", describe(m_comparedPair.first)},
            {"b", describe(m_comparedPair.second)},
            {"parameters", scanpath::comparisonConfigToJson(m_comparedConfig)},
            {"metrics", scanpath::comparisonToJson(*m_comparison)}};
}

Status GazeView::saveComparison(const QString& path) const {
    if (!m_comparison)
        return Status::invalidArgument("nothing to save: check two scanpaths to compare them");
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Status::ioError("cannot write: " + file.errorString().toStdString())
            .inFile(path.toStdString());
    const std::string text = comparisonDocument().dump(2) + "\n";
    if (file.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()) ||
        !file.flush())
        return Status::ioError("writing failed: " + file.errorString().toStdString())
            .inFile(path.toStdString());
    return Status::ok();
}

void GazeView::chooseComparisonPath() {
    if (!m_comparison) {
        Q_EMIT statusMessage(tr("Check two scanpaths to compare them first"));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Scanpath Comparison"),
                                                      QStringLiteral("comparison.json"), tr("JSON (*.json)"));
    if (path.isEmpty())
        return;
    const Status saved = saveComparison(path);
    Q_EMIT statusMessage(saved.isOk() ? tr("Saved %1").arg(path) : QString::fromStdString(saved.toString()));
}

} // namespace attnscope::studio
