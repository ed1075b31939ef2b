// SPDX-License-Identifier: Apache-2.0
#include "reading_correlation_view.h"

#include "word_scatter.h"

#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace attnscope::studio {

namespace {

QString number(double value, int precision = 3) {
    return std::isfinite(value) ? QString::number(value, 'g', precision) : QStringLiteral("–");
}

/// A right-aligned numeric table cell.
QTableWidgetItem* numberItem(double value, int precision = 3) {
    auto* item = new QTableWidgetItem(number(value, precision));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

ReadingCorrelationView::ReadingCorrelationView(QWidget* parent)
    : QWidget(parent), m_correlate(new QPushButton(tr("Correlate with Corpus…"), this)),
      m_saveResult(new QPushButton(tr("Save Result…"), this)),
      m_saveWords(new QPushButton(tr("Save Words…"), this)), m_summary(new QLabel(this)),
      m_table(new QTableWidget(this)), m_scatter(new WordScatter(this)) {
    setObjectName(QStringLiteral("readingCorrelationView"));
    m_correlate->setObjectName(QStringLiteral("readingCorrelate"));
    m_correlate->setToolTip(
        tr("Compare the open model's word relevance with a word-level eye-tracking report "
           "(Provo, GECO, MECO as CSV) (Ctrl+Alt+R)"));
    m_saveResult->setObjectName(QStringLiteral("readingSaveResult"));
    m_saveResult->setToolTip(
        tr("The result as JSON, as attnscope-cli scanpath correlate --words --json writes"));
    m_saveResult->setEnabled(false);
    m_saveWords->setObjectName(QStringLiteral("readingSaveWords"));
    m_saveWords->setToolTip(tr("Every word's model and human values as TSV"));
    m_saveWords->setEnabled(false);
    m_summary->setObjectName(QStringLiteral("readingSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setText(
        tr("Open a model, then Correlate with Corpus: each text (or sentence) of a word-level "
           "eye-tracking report is given to the model, and its word relevance is ranked against "
           "the participants' mean reading time per word."));
    m_table->setObjectName(QStringLiteral("readingUnits"));
    m_table->setColumnCount(6);
    m_table->setHorizontalHeaderLabels(
        {tr("Unit"), tr("Words"), tr("Compared"), tr("Spearman ρ"), tr("p"), tr("Note")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setMinimumSectionSize(40);
    m_table->verticalHeader()->setVisible(false);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_scatter->setObjectName(QStringLiteral("readingScatter"));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_correlate);
    buttons->addStretch();
    buttons->addWidget(m_saveWords);
    buttons->addWidget(m_saveResult);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_table);
    split->addWidget(m_scatter);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({480, 520}); // the table's numbers readable without scrolling
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);

    connect(m_correlate, &QPushButton::clicked, this, &ReadingCorrelationView::correlateRequested);
    connect(m_saveResult, &QPushButton::clicked, this, &ReadingCorrelationView::chooseResultPath);
    connect(m_saveWords, &QPushButton::clicked, this, &ReadingCorrelationView::chooseWordsPath);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (row < 0 || !m_correlation || !m_table->item(row, 0))
            return;
        // Row 0 is the pooled row; the others carry their unit index (the table may be sorted).
        const QVariant unit = m_table->item(row, 0)->data(Qt::UserRole);
        if (unit.toInt() != m_unit)
            showUnit(unit.toInt());
    });
}

void ReadingCorrelationView::setResult(analyses::ReadingCorrelation correlation,
                                       scanpath::ReadingCorpus corpus, std::string modelPath,
                                       std::string corpusPath) {
    m_correlation = std::move(correlation);
    m_corpus = std::move(corpus);
    m_modelPath = std::move(modelPath);
    m_corpusPath = std::move(corpusPath);
    m_saveResult->setEnabled(true);
    m_saveWords->setEnabled(true);
    m_summary->setText(summary());
    fillTable();
    showUnit(-1);
}

void ReadingCorrelationView::setRunning(bool running) {
    m_correlate->setEnabled(!running);
}

QString ReadingCorrelationView::summary() const {
    if (!m_correlation || !m_corpus)
        return {};
    const analyses::ReadingCorrelation& c = *m_correlation;
    const scanpath::ReadingCorpus& corpus = *m_corpus;
    const QString unit = corpus.level == scanpath::ReadingUnitLevel::Sentence ? tr("sentences") : tr("texts");
    // The file name goes in by concatenation: a '%' in it must not be taken for a placeholder.
    return QString::fromStdString(m_corpusPath).section(QLatin1Char('/'), -1) +
           tr(" (%1, %2 %3, %4 participants): %5 attention at layer %6 against %7%8. "
              "%9 of %10 units compared: Spearman ρ %11 ± %12 per unit; pooled over %13 words ρ %14 (p %15), "
              "Pearson r %16; Fisher χ² %17 (df %18), p %19.")
               .arg(QString::fromStdString(corpus.format))
               .arg(corpus.units.size())
               .arg(unit)
               .arg(corpus.participants)
               .arg(QString::fromLatin1(analyses::relevanceMethodName(c.request.relevance.method)))
               .arg(c.layer)
               .arg(QString::fromStdString(c.request.measure),
                    c.request.keepEdges ? QString() : tr(" (first and last words excluded)"))
               .arg(c.unitsCompared)
               .arg(c.units.size())
               .arg(number(c.meanSpearman), number(c.sdSpearman))
               .arg(c.pooled.compared)
               .arg(number(c.pooled.spearman), number(c.pooled.spearmanP, 2), number(c.pooled.pearson),
                    number(c.fisherChi2, 4))
               .arg(c.fisherDf)
               .arg(number(c.fisherP, 2));
}

void ReadingCorrelationView::fillTable() {
    const analyses::ReadingCorrelation& c = *m_correlation;
    // Shrinking the table moves its current cell, which would select a unit mid-fill.
    const QSignalBlocker block(m_table);
    m_table->clearContents();
    m_table->setRowCount(static_cast<int>(c.units.size()) + 1);
    const auto setRow = [this](int row, int unit, const QString& id, int words,
                               const analyses::WordCorrelation& wc, const QString& note) {
        auto* name = new QTableWidgetItem(id);
        name->setData(Qt::UserRole, unit);
        m_table->setItem(row, 0, name);
        m_table->setItem(row, 1, numberItem(words, 6));
        m_table->setItem(row, 2, numberItem(wc.compared, 6));
        const bool shown = note.isEmpty();
        m_table->setItem(row, 3, numberItem(shown ? wc.spearman : std::nan("")));
        m_table->setItem(row, 4, numberItem(shown ? wc.spearmanP : std::nan(""), 2));
        m_table->setItem(row, 5, new QTableWidgetItem(note));
    };
    int pooledWords = 0; // the words of the units compared
    for (std::size_t u = 0; u < c.units.size(); ++u)
        if (c.units[u].skipped.empty())
            pooledWords += static_cast<int>(m_corpus->units[u].words.size());
    setRow(0, -1, tr("(all, pooled)"), pooledWords, c.pooled, QString());
    for (std::size_t u = 0; u < c.units.size(); ++u)
        setRow(static_cast<int>(u) + 1, static_cast<int>(u), QString::fromStdString(c.units[u].id),
               static_cast<int>(m_corpus->units[u].words.size()), c.units[u].correlation,
               QString::fromStdString(c.units[u].skipped));
    m_table->resizeColumnsToContents();
}

void ReadingCorrelationView::showUnit(int unit) {
    if (!m_correlation || unit >= static_cast<int>(m_correlation->units.size()))
        return;
    m_unit = unit;
    const analyses::ReadingCorrelation& c = *m_correlation;
    const bool keepEdges = c.request.keepEdges;
    std::vector<WordScatter::Point> points;
    const auto addUnit = [&](std::size_t u, bool pooledOnly) {
        const analyses::UnitCorrelation& correlation = c.units[u];
        const bool compared = correlation.skipped.empty();
        if (pooledOnly && !compared)
            return;
        const std::size_t n = correlation.model.size();
        for (std::size_t w = 0; w < n; ++w) {
            const bool edge = !keepEdges && n >= 2 && (w == 0 || w + 1 == n);
            if (pooledOnly && edge)
                continue;
            points.push_back({correlation.model[w], correlation.human[w],
                              QString::fromStdString(m_corpus->units[u].words[w]), compared && !edge});
        }
    };
    QString title;
    if (unit < 0) {
        for (std::size_t u = 0; u < c.units.size(); ++u)
            addUnit(u, true);
        title = tr("All compared words (ρ %1)").arg(number(c.pooled.spearman));
    } else {
        addUnit(static_cast<std::size_t>(unit), false);
        const analyses::UnitCorrelation& correlation = c.units[static_cast<std::size_t>(unit)];
        title =
            correlation.skipped.empty()
                ? tr("Unit %1 (ρ %2)")
                      .arg(QString::fromStdString(correlation.id), number(correlation.correlation.spearman))
                : tr("Unit %1 (not compared)").arg(QString::fromStdString(correlation.id));
    }
    m_scatter->setPoints(
        std::move(points),
        tr("model relevance (%1)")
            .arg(QString::fromLatin1(analyses::relevanceMethodName(c.request.relevance.method))),
        tr("human %1").arg(QString::fromStdString(c.request.measure)), title);
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (m_table->item(row, 0) && m_table->item(row, 0)->data(Qt::UserRole).toInt() == unit) {
            QSignalBlocker block(m_table);
            m_table->setCurrentCell(row, 0);
            break;
        }
}

bool ReadingCorrelationView::saveResult(const QString& path) {
    if (!m_correlation) {
        Q_EMIT statusMessage(tr("Nothing to save: correlate with a corpus first"));
        return false;
    }
    const nlohmann::json document =
        analyses::readingCorrelationDocument(*m_correlation, *m_corpus, m_modelPath, m_corpusPath, true);
    QFile file(path);
    const QByteArray bytes = QByteArray::fromStdString(
        document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(bytes) != bytes.size()) {
        Q_EMIT statusMessage(tr("%1: cannot write the result (%2)").arg(path, file.errorString()));
        return false;
    }
    Q_EMIT statusMessage(tr("Saved the reading correlation to %1").arg(path));
    return true;
}

bool ReadingCorrelationView::saveWords(const QString& path) {
    if (!m_correlation) {
        Q_EMIT statusMessage(tr("Nothing to save: correlate with a corpus first"));
        return false;
    }
    const Status status = analyses::writeReadingWordTable(path.toStdString(), *m_correlation, *m_corpus);
    if (!status.isOk()) {
        Q_EMIT statusMessage(QString::fromStdString(status.toString()));
        return false;
    }
    Q_EMIT statusMessage(tr("Saved every word's values to %1").arg(path));
    return true;
}

void ReadingCorrelationView::chooseResultPath() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save Reading Correlation"),
                                     QStringLiteral("reading-correlation.json"), tr("JSON (*.json)"));
    if (!path.isEmpty())
        saveResult(path);
}

void ReadingCorrelationView::chooseWordsPath() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save Word Values"), QStringLiteral("reading-words.tsv"),
                                     tr("Tab-separated values (*.tsv)"));
    if (!path.isEmpty())
        saveWords(path);
}

} // namespace attnscope::studio
