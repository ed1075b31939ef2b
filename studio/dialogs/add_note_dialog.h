// SPDX-License-Identifier: Apache-2.0
// Tools > Add Note: the note's text, and whether it is on the shown head and/or the selected token.
#pragma once

#include <QDialog>

#include <optional>
#include <utility>

class QCheckBox;
class QDialogButtonBox;
class QPlainTextEdit;

namespace attnscope::studio {

class AddNoteDialog : public QDialog {
    Q_OBJECT
public:
    /// `head`: the (layer, head) the views show, offered (and ticked) when there is one; `token` and
    /// `tokenText`: the selected token, offered and ticked likewise.
    AddNoteDialog(std::optional<std::pair<int, int>> head, std::optional<int> token, const QString& tokenText,
                  QWidget* parent = nullptr);

    /// The text as typed, trimmed.
    QString text() const;
    std::optional<int> layer() const;
    std::optional<int> head() const;
    std::optional<int> token() const;

    QPlainTextEdit* editor() const { return m_editor; }
    QCheckBox* onHead() const { return m_onHead; }
    QCheckBox* onToken() const { return m_onToken; }
    QDialogButtonBox* buttons() const { return m_buttons; }

private:
    std::optional<std::pair<int, int>> m_head;
    std::optional<int> m_token;
    QPlainTextEdit* m_editor;
    QCheckBox* m_onHead;
    QCheckBox* m_onToken;
    QDialogButtonBox* m_buttons;
};

} // namespace attnscope::studio
