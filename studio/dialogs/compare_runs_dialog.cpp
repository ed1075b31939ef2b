// SPDX-License-Identifier: Apache-2.0
#include "compare_runs_dialog.h"

#include "attnscope/store/project.h"
#include "attnscope/store/run_exchange.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTextStream>
#include <QVBoxLayout>

#include <cmath>

namespace attnscope::studio {

namespace {

/// A number cell that sorts by its value (Qt::UserRole), not by its text.
class NumberItem : public QTableWidgetItem {
public:
    using QTableWidgetItem::QTableWidgetItem;
    bool operator<(const QTableWidgetItem& other) const override {
        const QVariant a = data(Qt::UserRole), b = other.data(Qt::UserRole);
        return a.isValid() && b.isValid() ? a.toDouble() < b.toDouble() : QTableWidgetItem::operator<(other);
    }
};

} // namespace

CompareRunsDialog::CompareRunsDialog(const QString& projectPath, qint64 a, qint64 b, QWidget* parent)
    : QDialog(parent), m_projectPath(projectPath) {
    setObjectName(QStringLiteral("compareRunsDialog"));
    setWindowTitle(tr("Compare Runs — %1").arg(projectPath));
    resize(900, 600);
    m_runA = new QComboBox(this);
    m_runA->setObjectName(QStringLiteral("compareRunA"));
    m_runB = new QComboBox(this);
    m_runB->setObjectName(QStringLiteral("compareRunB"));
    auto project = store::Project::open(projectPath.toStdString(), store::OpenMode::ReadOnly);
    auto runs = project ? project->runs() : Expected<std::vector<store::RunSummary>>(project.status());
    if (runs)
        for (const store::RunSummary& r : *runs) {
            const QString text = tr("Run %1 — %2 (%3 tokens)")
                                     .arg(r.id)
                                     .arg(QString::fromStdString(r.label.empty() ? r.started : r.label))
                                     .arg(r.tokens);
            m_runA->addItem(text, QVariant::fromValue<qint64>(r.id));
            m_runB->addItem(text, QVariant::fromValue<qint64>(r.id));
        }
    auto* form = new QFormLayout;
    form->addRow(tr("Baseline (&A):"), m_runA);
    form->addRow(tr("Compared (&B):"), m_runB);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("compareSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table = new QTableWidget(0, 6, this);
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setHorizontalHeaderLabels(
        {tr("Analysis"), tr("Metric"), tr("Mean A"), tr("Mean B"), tr("B − A"), tr("Largest head change")});
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* csv = buttons->addButton(tr("Export &CSV…"), QDialogButtonBox::ActionRole);
    csv->setObjectName(QStringLiteral("compareExportCsv"));
    connect(csv, &QPushButton::clicked, this, &CompareRunsDialog::chooseCsvPath);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);

    if (!runs) {
        m_summary->setText(
            tr("Cannot read the project: %1").arg(QString::fromStdString(runs.status().toString())));
        return;
    }
    // Default: the two newest runs, older as the baseline.
    const int count = m_runA->count();
    auto indexOf = [](QComboBox* box, qint64 id, int fallback) {
        const int i = id > 0 ? box->findData(QVariant::fromValue<qint64>(id)) : -1;
        return i >= 0 ? i : fallback;
    };
    m_runA->setCurrentIndex(indexOf(m_runA, a, std::max(0, count - 2)));
    m_runB->setCurrentIndex(indexOf(m_runB, b, std::max(0, count - 1)));
    connect(m_runA, &QComboBox::currentIndexChanged, this, &CompareRunsDialog::compareSelected);
    connect(m_runB, &QComboBox::currentIndexChanged, this, &CompareRunsDialog::compareSelected);
    compareSelected();
}

void CompareRunsDialog::compareSelected() {
    if (m_runA->count() == 0) {
        m_summary->setText(tr("The project has no runs yet."));
        return;
    }
    compare(m_runA->currentData().toLongLong(), m_runB->currentData().toLongLong());
}

bool CompareRunsDialog::compare(qint64 a, qint64 b) {
    m_table->setSortingEnabled(false);
    m_table->setRowCount(0);
    m_comparison = nlohmann::json();
    auto project = store::Project::open(m_projectPath.toStdString(), store::OpenMode::ReadOnly);
    auto result = project ? store::compareRuns(*project, m_projectPath.toStdString(), a, b)
                          : Expected<nlohmann::json>(project.status());
    if (!result) {
        m_summary->setText(tr("Cannot compare: %1").arg(QString::fromStdString(result.status().toString())));
        return false;
    }
    m_comparison = std::move(*result);
    const nlohmann::json& d = m_comparison;
    QStringList notes;
    notes << (d["same_model"].get<bool>() ? tr("same model") : tr("different models"));
    notes << (d["same_input"].get<bool>() ? tr("same input") : tr("different inputs"));
    for (const auto& [key, values] : d["settings_differ"].items())
        notes << tr("%1: %2 (A) vs %3 (B)")
                     .arg(QString::fromStdString(key), QString::fromStdString(values["a"].dump()),
                          QString::fromStdString(values["b"].dump()));
    m_summary->setText(tr("Run %1 vs run %2: %3. %4 metrics.")
                           .arg(a)
                           .arg(b)
                           .arg(notes.join(QStringLiteral("; ")))
                           .arg(d["metrics"].size()));
    m_table->setRowCount(static_cast<int>(d["metrics"].size()));
    int row = 0;
    for (const auto& m : d["metrics"]) {
        const auto& h = m["largest_head_delta"];
        m_table->setItem(row, 0,
                         new QTableWidgetItem(QString::fromStdString(m["analysis"].get<std::string>())));
        m_table->setItem(row, 1,
                         new QTableWidgetItem(QString::fromStdString(m["metric"].get<std::string>())));
        int column = 2;
        for (const char* key : {"mean_a", "mean_b", "delta"}) {
            const double value = m[key].get<double>();
            auto* item = new NumberItem(QString::number(value, 'g', 5));
            item->setData(Qt::UserRole, value);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(row, column++, item);
        }
        const double largest = h["delta"].get<double>();
        auto* head = new NumberItem(QStringLiteral("L%1 H%2: %3")
                                        .arg(h["layer"].get<int>())
                                        .arg(h["head"].get<int>())
                                        .arg(largest, 0, 'g', 4));
        head->setData(Qt::UserRole, std::abs(largest)); // sorts by the size of the change
        m_table->setItem(row, 5, head);
        ++row;
    }
    m_table->setSortingEnabled(true);
    m_table->resizeColumnsToContents();
    return true;
}

bool CompareRunsDialog::exportCsv(const QString& path) const {
    QFile file(path);
    if (m_comparison.is_null() || !file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return false;
    QTextStream out(&file);
    out << "analysis,metric,mean_a,mean_b,delta,largest_layer,largest_head,largest_delta\n";
    out.setRealNumberPrecision(9);
    for (const auto& m : m_comparison["metrics"]) {
        const auto& h = m["largest_head_delta"];
        out << QString::fromStdString(m["analysis"].get<std::string>()) << ','
            << QString::fromStdString(m["metric"].get<std::string>()) << ',' << m["mean_a"].get<double>()
            << ',' << m["mean_b"].get<double>() << ',' << m["delta"].get<double>() << ','
            << h["layer"].get<int>() << ',' << h["head"].get<int>() << ',' << h["delta"].get<double>()
            << '\n';
    }
    out.flush();
    return file.error() == QFileDevice::NoError;
}

void CompareRunsDialog::chooseCsvPath() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Comparison"),
                                                      QStringLiteral("comparison.csv"), tr("CSV (*.csv)"));
    if (!path.isEmpty() && !exportCsv(path))
        m_summary->setText(tr("Cannot write %1").arg(path));
}

} // namespace attnscope::studio
