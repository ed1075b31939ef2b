// SPDX-License-Identifier: Apache-2.0
// The Notes dock: a run's notes (store::Annotation) — free text, optionally on one head and/or one token —
// listed, added, edited and deleted. Notes live in the project file beside the run, so the CLI's `notes`
// command and every later session see them. Double-clicking a note shows its head and token.
#pragma once

#include "attnscope/store/project.h"

#include <QWidget>

#include <functional>
#include <optional>
#include <vector>

class QLabel;
class QToolButton;
class QListWidget;

namespace attnscope::studio {

class NotesPanel : public QWidget {
    Q_OBJECT
public:
    explicit NotesPanel(QWidget* parent = nullptr);

    /// Shows `notes`, those of run `runId` in `projectPath` (read with the run, off the GUI thread); an
    /// empty path or id 0 clears the list.
    void setRun(const QString& projectPath, qint64 runId, std::vector<store::Annotation> notes);
    /// Stores a note on the shown run (the project is opened for writing) and lists it. False when there
    /// is no run or the project refuses it; lastError() says why.
    bool addNote(const QString& text, std::optional<int> layer, std::optional<int> head,
                 std::optional<int> token);
    /// Deletes note `id` of the shown run. False when it cannot; lastError() says why.
    bool removeNote(qint64 id);
    /// Deletes the selected note after asking (the list's Delete key and the panel's button).
    void removeSelectedNote();
    /// Replaces the text of note `id` of the shown run. False when it cannot; lastError() says why.
    bool editNote(qint64 id, const QString& text);
    /// Asks for the selected note's new text (F2 and the panel's button) and stores it.
    void editSelectedNote();

    const std::vector<store::Annotation>& notes() const { return m_notes; }
    QListWidget* list() const { return m_list; }
    qint64 runId() const { return m_runId; }
    QString lastError() const { return m_error; }

Q_SIGNALS:
    /// The user asked to add a note (the panel's button); the window asks for its text and place.
    void addRequested();
    /// A note on a head was double-clicked.
    void headRequested(int layer, int head);
    /// A note on a token was double-clicked.
    void tokenRequested(int token);
    /// A note was added, edited or deleted (the report, which lists them, is out of date).
    void notesChanged();

private:
    void showNotes(std::vector<store::Annotation> notes);
    /// Opens the project for writing, applies `edit` (what it returns: the note to select, if any), lists
    /// the run's notes again from the same connection and says the notes changed. `what` names the change
    /// in the error.
    bool change(const QString& what, const std::function<Expected<int64_t>(store::Project&)>& edit);
    void fail(const QString& message);

    QListWidget* m_list;
    QLabel* m_message;
    QToolButton* m_add;
    QToolButton* m_edit;
    QToolButton* m_remove;
    QString m_projectPath;
    qint64 m_runId = 0;
    std::vector<store::Annotation> m_notes;
    QString m_error;
};

} // namespace attnscope::studio
