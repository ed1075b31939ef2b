// SPDX-License-Identifier: Apache-2.0
// The "Model & Input" dock: the open model's summary and the input text.
#pragma once

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace attnscope::studio {

class ModelInputPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelInputPanel(QWidget* parent = nullptr);

    /// Shows a recognised model: its path and summary.
    void showModel(const QString& path, const QString& summary);
    /// Shows why a model could not be opened (in the panel, not a modal box).
    void showModelError(const QString& message);

    /// The text to tokenize, character for character: a loaded file exactly as read while it is not
    /// edited (QPlainTextEdit::toPlainText would turn no-break spaces and line separators into plain
    /// spaces and newlines, so the studio would tokenize other text than the CLI's --text-file).
    QString inputText() const;
    void setInputText(const QString& text);

    QLabel* modelSummaryLabel() const { return m_summary; }
    QPlainTextEdit* inputEditor() const { return m_input; }

Q_SIGNALS:
    void openModelRequested();
    void openTextRequested();

private:
    void updateStatistics();

    QLabel* m_path;
    QLabel* m_summary;
    QPlainTextEdit* m_input;
    QLabel* m_inputStats;
    QString m_loadedText; ///< the text setInputText gave, while the editor is unmodified
};

} // namespace attnscope::studio
