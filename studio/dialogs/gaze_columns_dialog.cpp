// SPDX-License-Identifier: Apache-2.0
#include "dialogs/gaze_columns_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace attnscope::studio {

namespace {

/// Lower-case fragments of column names that suggest each role, most specific first.
const std::vector<std::pair<QString, QStringList>>& guesses() {
    static const std::vector<std::pair<QString, QStringList>> table{
        {QStringLiteral("x"),
         {QStringLiteral("fix_x"), QStringLiteral("pos_x"), QStringLiteral("gaze_x"),
          QStringLiteral("point x"), QStringLiteral("x")}},
        {QStringLiteral("y"),
         {QStringLiteral("fix_y"), QStringLiteral("pos_y"), QStringLiteral("gaze_y"),
          QStringLiteral("point y"), QStringLiteral("y")}},
        {QStringLiteral("duration"), {QStringLiteral("duration"), QStringLiteral("dur")}},
        {QStringLiteral("participant"),
         {QStringLiteral("participant"), QStringLiteral("subject"), QStringLiteral("subj"),
          QStringLiteral("session")}},
        {QStringLiteral("stimulus"),
         {QStringLiteral("stimulus"), QStringLiteral("image"), QStringLiteral("media")}},
        {QStringLiteral("trial"), {QStringLiteral("trial")}},
    };
    return table;
}

QString guessFor(const QStringList& fragments, const QStringList& columns) {
    for (const QString& fragment : fragments)
        for (const QString& column : columns) {
            const QString name = column.toLower();
            // A one-letter fragment must be the whole name (or end it after a separator): "x" is not "index".
            if (fragment.size() == 1
                    ? (name == fragment || name.endsWith(u'_' + fragment) || name.endsWith(u' ' + fragment))
                    : name.contains(fragment))
                return column;
        }
    return {};
}

} // namespace

GazeColumnsDialog::GazeColumnsDialog(const QString& file, const QStringList& columns, QWidget* parent)
    : QDialog(parent) {
    setObjectName(QStringLiteral("gazeColumnsDialog"));
    setWindowTitle(tr("Fixation Table Columns"));
    auto* layout = new QVBoxLayout(this);
    auto* intro =
        new QLabel(tr("The header of %1 names no known layout (multimatch, Data Viewer, PyGaze). Choose "
                      "which columns hold the fixations; x and y are required.")
                       .arg(file),
                   this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    const QStringList labels{tr("X (px)"),      tr("Y (px)"),   tr("Duration"),
                             tr("Participant"), tr("Stimulus"), tr("Trial")};
    for (std::size_t r = 0; r < guesses().size(); ++r) {
        const auto& [role, fragments] = guesses()[r];
        auto* box = new QComboBox(this);
        box->setObjectName(QStringLiteral("column_") + role);
        if (r >= 2)
            box->addItem(tr("(none)"), QString());
        for (const QString& column : columns)
            box->addItem(column, column);
        const int at = box->findData(guessFor(fragments, columns));
        box->setCurrentIndex(at >= 0 ? at : 0);
        form->addRow(labels[static_cast<int>(r)], box);
        m_roles << role;
        m_combos.push_back(box);
    }
    m_unit = new QComboBox(this);
    m_unit->setObjectName(QStringLiteral("column_unit"));
    m_unit->addItem(tr("milliseconds"), QStringLiteral("ms"));
    m_unit->addItem(tr("seconds"), QStringLiteral("s"));
    form->addRow(tr("Durations in"), m_unit);
    layout->addLayout(form);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    if (columns.isEmpty())
        buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
}

QComboBox* GazeColumnsDialog::combo(const QString& role) const {
    const int at = static_cast<int>(m_roles.indexOf(role));
    return at < 0 ? nullptr : m_combos[static_cast<std::size_t>(at)];
}

scanpath::TableFormat GazeColumnsDialog::format() const {
    scanpath::TableFormat format;
    const auto chosen = [this](const char* role) {
        return combo(QString::fromLatin1(role))->currentData().toString().toStdString();
    };
    format.x = chosen("x");
    format.y = chosen("y");
    format.duration = chosen("duration");
    format.participant = chosen("participant");
    format.stimulus = chosen("stimulus");
    format.trial = chosen("trial");
    format.timeUnit = m_unit->currentData().toString() == QLatin1String("s")
                          ? scanpath::TimeUnit::Seconds
                          : scanpath::TimeUnit::Milliseconds;
    return format;
}

void GazeColumnsDialog::setColumn(const QString& role, const QString& column) {
    if (QComboBox* box = combo(role)) {
        const int at = box->findData(column);
        if (at >= 0)
            box->setCurrentIndex(at);
    }
}

void GazeColumnsDialog::setTimeUnit(scanpath::TimeUnit unit) {
    m_unit->setCurrentIndex(unit == scanpath::TimeUnit::Seconds ? 1 : 0);
}

QStringList GazeColumnsDialog::headerColumns(const QByteArray& text) {
    // The parser's own split (delimiter, quotes, byte-order mark): the names offered are the names it finds.
    QStringList columns;
    for (const std::string& column :
         scanpath::tableHeaderColumns(std::string_view(text.constData(), text.size())))
        columns << QString::fromStdString(column);
    return columns;
}

} // namespace attnscope::studio
