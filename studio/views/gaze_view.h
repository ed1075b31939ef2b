// SPDX-License-Identifier: Apache-2.0
// The Gaze tab: imported scanpaths (EyeLink ASC, fixation tables, the STI search set) listed and drawn
// over their stimulus, with a replay scrubber, and the first two checked scanpaths compared with every
// metric of SCANPATH.md §2; search sets also show OAT's behaviour per scanpath on the object grid.
// The metrics are the CLI's (`scanpath compare`), so a saved comparison reads the same.
#pragma once

#include "attnscope/analyses/reading_relevance.h"
#include "attnscope/scanpath/behaviour.h"
#include "attnscope/scanpath/comparison.h"
#include "attnscope/scanpath/scanpath_io.h"
#include "render/scanpath_figure.h"

#include <QWidget>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;
class QTableWidget;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace attnscope::studio {

/// Paints a render::ScanpathFigure; hovering a fixation shows its number, position and duration.
class ScarfChart;

class ScanpathCanvas : public QWidget {
    Q_OBJECT
public:
    explicit ScanpathCanvas(QWidget* parent = nullptr);
    void setFigure(render::ScanpathFigure figure);
    const render::ScanpathFigure& figure() const { return m_figure; }
    /// The tooltip text for a point of the widget ("" over no fixation).
    QString describeAt(const QPointF& point) const;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    render::ScanpathFigure m_figure;
};

class GazeView : public QWidget {
    Q_OBJECT
public:
    explicit GazeView(QWidget* parent = nullptr);

    /// Adds a recording's scanpaths, labelled with `source` (the file). New scanpaths are checked until
    /// two are, and the stimulus filter moves to the new recording's first stimulus.
    void addRecording(const QString& source, scanpath::GazeRecording recording);
    /// Adds a model's predicted reading of a text (`scanpath predict`): the words laid out as a text
    /// stimulus shaded by relevance, the predicted fixations on them. Only the new entry is checked.
    void addReading(const QString& source, const analyses::ReadingRelevance& relevance,
                    const scanpath::Scanpath& predicted);
    /// Forgets every scanpath.
    void clear();

    int scanpathCount() const { return static_cast<int>(m_entries.size()); }
    /// Scanpath `index` (in import order) as drawn; `index` must be < scanpathCount().
    const scanpath::Scanpath& scanpathAt(int index) const {
        return m_entries[static_cast<std::size_t>(index)].path;
    }
    /// Scanpath `index` (in import order) drawn and compared, or not.
    void setChecked(int index, bool checked);
    std::vector<int> checkedScanpaths() const;
    /// The stimuli of the imported scanpaths ("" for scanpaths that name none), in import order.
    QStringList stimuli() const;
    /// Shows only the scanpaths of `stimulus` (an entry of stimuli(), or "" for all).
    void setStimulusFilter(const QString& stimulus);
    /// Rows visible in the list.
    int visibleScanpaths() const;

    /// The comparison parameters the fields hold (screen, grid, MultiMatch simplification).
    scanpath::ComparisonConfig comparisonConfig() const;
    void setScreen(double width, double height);
    void setGrid(int columns, int rows);
    /// MultiMatch simplification thresholds; all three 0 turns it off.
    void setSimplification(double directionDeg, double durationS, double amplitudePx);
    /// Draws the checked scanpaths' fixation density under them (σ from the map field).
    void setHeatmapShown(bool shown);
    /// The density maps' Gaussian σ in pixels (the heatmap and the map metrics).
    void setMapSigma(double pixels);
    /// Fixations drawn per scanpath (-1: all): the replay scrubber.
    void setShownFixations(int count);

    /// The first two checked scanpaths compared (nullopt with fewer than two, or on a refusal, shown).
    const std::optional<scanpath::Comparison>& comparison() const { return m_comparison; }
    /// The comparison as `attnscope-cli scanpath compare --json` writes it (null without one).
    nlohmann::json comparisonDocument() const;
    /// Writes comparisonDocument() as JSON.
    Status saveComparison(const QString& path) const;
    /// OAT's behaviour of scanpath `index` on the grid, when its recording has a search target.
    std::optional<scanpath::BehaviouralStats> behaviourOf(int index) const;

    QTableWidget* metricsTable() const { return m_metrics; }
    QTreeWidget* scanpathList() const { return m_list; }
    ScanpathCanvas* canvas() const { return m_canvas; }
    /// The Scarf tab: the checked scanpaths as AOI sequences over time.
    ScarfChart* scarfChart() const { return m_scarf; }
    /// Shows the Scarf tab (true) or the plot (false).
    void showScarf(bool shown);
    /// The line under the table: what was compared, or why nothing was.
    QString comparisonNote() const;

Q_SIGNALS:
    void comparisonChanged();
    /// A message for the status bar (saved files, refusals).
    void statusMessage(const QString& message);

private:
    struct Entry {
        QString source;
        int indexInSource = 0;
        scanpath::Scanpath path;
        std::vector<scanpath::AoiBox> areas;
        bool searchTarget = false;       ///< the areas are search targets (STI), not interest areas
        std::vector<double> areaWeights; ///< a text stimulus: each word's relevance, scaled to [0, 1]
        QTreeWidgetItem* item = nullptr;
    };

    QWidget* createSettings();
    void refreshList();
    void refreshFigure();
    void refreshScarf();
    void refreshComparison();
    void refreshBehaviour();
    void chooseComparisonPath();

    std::vector<Entry> m_entries;
    QString m_filter;
    std::optional<scanpath::Comparison> m_comparison;
    scanpath::ComparisonConfig m_comparedConfig;
    std::pair<int, int> m_comparedPair{-1, -1};
    QString m_note;
    bool m_updating = false;

    QComboBox* m_stimulus;
    QTreeWidget* m_list;
    ScanpathCanvas* m_canvas;
    ScarfChart* m_scarf;
    QTabWidget* m_plotTabs;
    QSlider* m_replay;
    QLabel* m_replayLabel;
    QDoubleSpinBox* m_screenWidth;
    QDoubleSpinBox* m_screenHeight;
    QSpinBox* m_gridColumns;
    QSpinBox* m_gridRows;
    QDoubleSpinBox* m_tdir;
    QDoubleSpinBox* m_tdur;
    QDoubleSpinBox* m_tamp;
    QDoubleSpinBox* m_sigma;
    QCheckBox* m_heatmap;
    QTableWidget* m_metrics;
    QLabel* m_noteLabel;
};

} // namespace attnscope::studio
