// SPDX-License-Identifier: Apache-2.0
#include "add_note_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace attnscope::studio {

AddNoteDialog::AddNoteDialog(std::optional<std::pair<int, int>> head, std::optional<int> token,
                             const QString& tokenText, QWidget* parent)
    : QDialog(parent), m_head(head), m_token(token), m_editor(new QPlainTextEdit(this)),
      m_onHead(new QCheckBox(this)), m_onToken(new QCheckBox(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setWindowTitle(tr("Add Note"));
    setObjectName(QStringLiteral("addNoteDialog"));
    m_editor->setPlaceholderText(tr("What you see here, e.g. \"sinks into BOS except on digits\""));
    m_editor->setTabChangesFocus(true);

    m_onHead->setText(head ? tr("On &head %1:%2").arg(head->first).arg(head->second)
                           : tr("On a &head (none shown)"));
    m_onHead->setEnabled(head.has_value());
    m_onHead->setChecked(head.has_value());
    QString shown = tokenText.size() > 40 ? tokenText.left(40) + QChar(0x2026) : tokenText;
    shown.replace(QLatin1Char('&'), QStringLiteral("&&")); // a token's '&' is text, not a mnemonic
    m_onToken->setText(token ? tr("On &token %1 \u201C%2\u201D").arg(*token).arg(shown)
                             : tr("On a &token (click one in the Tokens view)"));
    m_onToken->setEnabled(token.has_value());
    m_onToken->setChecked(token.has_value());

    QPushButton* ok = m_buttons->button(QDialogButtonBox::Ok);
    ok->setText(tr("Add"));
    ok->setEnabled(false);
    connect(m_editor, &QPlainTextEdit::textChanged, this, [this, ok] { ok->setEnabled(!text().isEmpty()); });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Note (stored in the project with this run):"), this));
    layout->addWidget(m_editor);
    layout->addWidget(m_onHead);
    layout->addWidget(m_onToken);
    layout->addWidget(m_buttons);
    resize(460, 260);
}

QString AddNoteDialog::text() const {
    return m_editor->toPlainText().trimmed();
}

std::optional<int> AddNoteDialog::layer() const {
    return m_head && m_onHead->isChecked() ? std::optional<int>(m_head->first) : std::nullopt;
}

std::optional<int> AddNoteDialog::head() const {
    return m_head && m_onHead->isChecked() ? std::optional<int>(m_head->second) : std::nullopt;
}

std::optional<int> AddNoteDialog::token() const {
    return m_token && m_onToken->isChecked() ? m_token : std::nullopt;
}

} // namespace attnscope::studio
