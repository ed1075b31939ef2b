// SPDX-License-Identifier: Apache-2.0
#include "evaluation_results_dialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace attnscope::studio {

namespace {

/// One figure of a section: the changed model's, the baseline's (when measured) and their difference.
struct Figure {
    QString name;
    const char* section;
    const char* key;
    int decimals;
};

const nlohmann::json* figureAt(const nlohmann::json& document, const char* section, const char* key) {
    if (!document.is_object() || !document.contains(section) || !document[section].is_object() ||
        !document[section].contains(key) || !document[section][key].is_number())
        return nullptr;
    return &document[section][key];
}

QString number(const nlohmann::json* value, int decimals) {
    return value ? QString::number(value->get<double>(), 'f', decimals) : QString();
}

} // namespace

EvaluationResultsDialog::EvaluationResultsDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("evaluationResultsDialog"));
    setWindowTitle(tr("Evaluation"));
    resize(640, 320);
    auto* layout = new QVBoxLayout(this);
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_title);
    m_table = new QTableWidget(0, 4, this);
    m_table->setObjectName(QStringLiteral("evaluationTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    layout->addWidget(m_table, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Save)->setText(tr("&Save JSON…"));
    connect(buttons->button(QDialogButtonBox::Save), &QPushButton::clicked, this,
            &EvaluationResultsDialog::saveRequested);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

void EvaluationResultsDialog::showEvaluation(const nlohmann::json& document, const QString& label) {
    const bool baseline = document.contains("baseline") && document["baseline"].is_object();
    const QString model =
        document.contains("model") && document["model"].is_string()
            ? QFileInfo(QString::fromStdString(document["model"].get<std::string>())).fileName()
            : QString();
    m_title->setText(tr("<b>%1</b>, changed: %2").arg(model.toHtmlEscaped(), label.toHtmlEscaped()));
    m_table->setHorizontalHeaderLabels({tr("Measurement"), label, tr("As trained"), tr("Change")});
    m_table->setColumnHidden(2, !baseline);
    m_table->setColumnHidden(3, !baseline);
    m_table->setRowCount(0);
    auto addRow = [&](const QString& name, const QString& changed, const QString& trained,
                      const QString& change) {
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        const QString cells[] = {name, changed, trained, change};
        for (int column = 0; column < 4; ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            if (column > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(row, column, item);
        }
    };
    const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json& trained = baseline ? document["baseline"] : empty;
    const Figure figures[] = {
        {tr("Perplexity"), "perplexity", "perplexity", 2},
        {tr("Mean NLL (nats/token)"), "perplexity", "mean_nll", 4},
        {tr("Needle exact match"), "needles", "accuracy", 3},
        {tr("Copying: loss of copy 1 / copy 2"), "copying", "first_to_second_ratio", 2}};
    for (const Figure& figure : figures) {
        const nlohmann::json* value = figureAt(document, figure.section, figure.key);
        if (!value)
            continue;
        const nlohmann::json* before = figureAt(trained, figure.section, figure.key);
        QString change;
        if (before) {
            const double delta = value->get<double>() - before->get<double>();
            change =
                (delta >= 0 ? QStringLiteral("+") : QString()) + QString::number(delta, 'f', figure.decimals);
        }
        addRow(figure.name, number(value, figure.decimals), number(before, figure.decimals), change);
    }
    if (const nlohmann::json* correct = figureAt(document, "needles", "correct")) {
        const int prompts = document["needles"].value("prompts", 0);
        const nlohmann::json* before = figureAt(trained, "needles", "correct");
        addRow(tr("Needles answered"), tr("%1 / %2").arg(correct->get<int>()).arg(prompts),
               before ? tr("%1 / %2").arg(before->get<int>()).arg(prompts) : QString(),
               before ? QString::number(correct->get<int>() - before->get<int>()) : QString());
    }
    for (const char* section : {"perplexity", "needles", "copying"}) {
        if (!document.contains(section) || !document[section].contains("sparse_attention"))
            continue;
        const nlohmann::json& kept = document[section]["sparse_attention"];
        addRow(tr("Sparse attention (%1): kept pairs / mass").arg(QString::fromLatin1(section)),
               tr("%1% / %2")
                   .arg(100.0 * kept.value("density", 1.0), 0, 'f', 1)
                   .arg(kept.value("mean_recall", 1.0), 0, 'f', 3),
               baseline ? tr("100% / 1") : QString(), QString());
    }
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
}

} // namespace attnscope::studio
