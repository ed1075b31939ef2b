// SPDX-License-Identifier: Apache-2.0
#include "model_input_panel.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace attnscope::studio {

ModelInputPanel::ModelInputPanel(QWidget* parent)
    : QWidget(parent), m_path(new QLabel(tr("No model open"), this)), m_summary(new QLabel(this)),
      m_input(new QPlainTextEdit(this)), m_inputStats(new QLabel(this)) {
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_path->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_path->setWordWrap(true);
    m_summary->setWordWrap(true);
    m_summary->setObjectName(QStringLiteral("modelSummary"));
    form->addRow(tr("Model:"), m_path);
    form->addRow(tr("Format:"), m_summary);
    layout->addLayout(form);

    auto* buttons = new QHBoxLayout;
    auto* openModel = new QPushButton(tr("Open Model…"), this);
    auto* openText = new QPushButton(tr("Load Text…"), this);
    buttons->addWidget(openModel);
    buttons->addWidget(openText);
    buttons->addStretch();
    layout->addLayout(buttons);

    m_input->setObjectName(QStringLiteral("inputEditor"));
    m_input->setPlaceholderText(tr("Type or paste the input text, or drop a text file here."));
    layout->addWidget(new QLabel(tr("Input:"), this));
    layout->addWidget(m_input, 1);
    layout->addWidget(m_inputStats);

    connect(openModel, &QPushButton::clicked, this, &ModelInputPanel::openModelRequested);
    connect(openText, &QPushButton::clicked, this, &ModelInputPanel::openTextRequested);
    connect(m_input, &QPlainTextEdit::textChanged, this, &ModelInputPanel::updateStatistics);
}

void ModelInputPanel::updateStatistics() {
    const QString text = inputText();
    m_inputStats->setText(
        tr("%n character(s)", nullptr, static_cast<int>(text.size())) +
        tr(", %n line(s)", nullptr, text.isEmpty() ? 0 : static_cast<int>(text.count(u'\n') + 1)));
}

void ModelInputPanel::showModel(const QString& path, const QString& summary) {
    m_path->setText(QFileInfo(path).fileName());
    m_path->setToolTip(path);
    m_summary->setStyleSheet(QString());
    m_summary->setText(summary);
}

void ModelInputPanel::showModelError(const QString& message) {
    m_summary->setStyleSheet(QStringLiteral("color: #d04040;"));
    m_summary->setText(message);
}

QString ModelInputPanel::inputText() const {
    if (!m_input->document()->isModified())
        return m_loadedText;
    // Typed or edited: the document's own characters, blocks joined by newlines (toRawText keeps
    // no-break spaces and U+2028; it separates blocks with U+2029).
    QString text = m_input->document()->toRawText();
    text.replace(QChar::ParagraphSeparator, u'\n');
    return text;
}

void ModelInputPanel::setInputText(const QString& text) {
    m_loadedText = text;
    m_input->setPlainText(text);
    m_input->document()->setModified(false);
    updateStatistics();
}

} // namespace attnscope::studio
