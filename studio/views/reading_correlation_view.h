// SPDX-License-Identifier: Apache-2.0
// The "Reading" tab: a model's word relevance against human reading times over a word-level eye-tracking
// corpus (analyses/reading_correlation.h): the summary (ρ per unit, pooled, Fisher), a table of units
// with their correlation or why they were skipped, and the selected unit's words as a scatter.
#pragma once

#include "attnscope/analyses/reading_correlation.h"

#include <QWidget>

#include <optional>

class QLabel;
class QPushButton;
class QTableWidget;

namespace attnscope::studio {

class WordScatter;

class ReadingCorrelationView : public QWidget {
    Q_OBJECT
public:
    explicit ReadingCorrelationView(QWidget* parent = nullptr);

    /// Shows a comparison; the model and corpus paths are what Save Result records.
    void setResult(analyses::ReadingCorrelation correlation, scanpath::ReadingCorpus corpus,
                   std::string modelPath, std::string corpusPath);
    void setRunning(bool running);
    const std::optional<analyses::ReadingCorrelation>& result() const { return m_correlation; }
    const std::optional<scanpath::ReadingCorpus>& corpus() const { return m_corpus; }
    /// Shows unit `unit`'s words in the scatter and selects its row (-1: every compared word, pooled).
    void showUnit(int unit);
    int shownUnit() const { return m_unit; }

    /// Writes what `attnscope-cli scanpath correlate --words --json` writes. False (statusMessage says
    /// why) when there is no result or the file cannot be written.
    bool saveResult(const QString& path);
    /// Writes every word's values as `--words-out` does.
    bool saveWords(const QString& path);

    QTableWidget* table() const { return m_table; }
    WordScatter* scatter() const { return m_scatter; }
    QString summary() const;

Q_SIGNALS:
    void correlateRequested();
    void statusMessage(const QString& message);

private:
    void fillTable();
    void chooseResultPath();
    void chooseWordsPath();

    QPushButton* m_correlate;
    QPushButton* m_saveResult;
    QPushButton* m_saveWords;
    QLabel* m_summary;
    QTableWidget* m_table;
    WordScatter* m_scatter;
    std::optional<analyses::ReadingCorrelation> m_correlation;
    std::optional<scanpath::ReadingCorpus> m_corpus;
    std::string m_modelPath, m_corpusPath;
    int m_unit = -1;
};

} // namespace attnscope::studio
