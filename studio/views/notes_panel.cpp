// SPDX-License-Identifier: Apache-2.0
#include "notes_panel.h"

#include <algorithm>

#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace attnscope::studio {

namespace {

QString placeText(const store::Annotation& note) {
    QStringList parts;
    if (note.layer && note.head)
        parts << QObject::tr("head %1:%2").arg(*note.layer).arg(*note.head);
    else if (note.layer)
        parts << QObject::tr("layer %1").arg(*note.layer);
    else if (note.head)
        parts << QObject::tr("head %1").arg(*note.head);
    if (note.token)
        parts << QObject::tr("token %1").arg(*note.token);
    return parts.isEmpty() ? QObject::tr("run") : parts.join(QStringLiteral(", "));
}

/// Deletes the selected note on the Delete key and edits it on F2 (a filter, so the list stays a plain
/// QListWidget).
class NoteKeysFilter : public QObject {
public:
    NoteKeysFilter(NotesPanel* panel) : QObject(panel), m_panel(panel) {}
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::KeyPress) {
            const int key = static_cast<QKeyEvent*>(event)->key();
            if (key == Qt::Key_Delete || key == Qt::Key_F2) {
                key == Qt::Key_Delete ? m_panel->removeSelectedNote() : m_panel->editSelectedNote();
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }

private:
    NotesPanel* m_panel;
};

} // namespace

NotesPanel::NotesPanel(QWidget* parent)
    : QWidget(parent), m_list(new QListWidget(this)), m_message(new QLabel(this)),
      m_add(new QToolButton(this)), m_edit(new QToolButton(this)), m_remove(new QToolButton(this)) {
    m_list->setObjectName(QStringLiteral("notesList"));
    // One column: a dock is narrow, so each note is its (wrapped) text over a line saying where and when.
    m_list->setAlternatingRowColors(true);
    m_list->setWordWrap(true);
    m_list->setResizeMode(QListView::Adjust); // rows re-wrap when the dock is resized
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->installEventFilter(new NoteKeysFilter(this));
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("notesMessage"));

    m_add->setText(tr("Add Note…"));
    m_add->setToolTip(tr("Add a note on the shown head and the selected token (Ctrl+Shift+N)"));
    m_edit->setText(tr("Edit…"));
    m_edit->setToolTip(tr("Change the selected note's text (F2)"));
    m_edit->setObjectName(QStringLiteral("editNoteButton"));
    m_edit->setEnabled(false);
    m_remove->setText(tr("Delete"));
    m_remove->setToolTip(tr("Delete the selected note (Del)"));
    m_add->setEnabled(false);
    m_remove->setEnabled(false);
    connect(m_add, &QToolButton::clicked, this, &NotesPanel::addRequested);
    connect(m_edit, &QToolButton::clicked, this, &NotesPanel::editSelectedNote);
    connect(m_remove, &QToolButton::clicked, this, &NotesPanel::removeSelectedNote);
    connect(m_list, &QListWidget::itemSelectionChanged, this, [this] {
        m_edit->setEnabled(!m_list->selectedItems().isEmpty());
        m_remove->setEnabled(!m_list->selectedItems().isEmpty());
    });
    connect(m_list, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) {
        const int index = m_list->row(item);
        if (index < 0 || index >= static_cast<int>(m_notes.size()))
            return;
        const store::Annotation& note = m_notes[static_cast<std::size_t>(index)];
        if (note.layer && note.head)
            Q_EMIT headRequested(*note.layer, *note.head);
        if (note.token)
            Q_EMIT tokenRequested(*note.token);
    });

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_remove);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(m_list);
    layout->addWidget(m_message);
    setRun({}, 0, {});
}

void NotesPanel::setRun(const QString& projectPath, qint64 runId, std::vector<store::Annotation> notes) {
    m_projectPath = projectPath;
    m_runId = projectPath.isEmpty() ? 0 : runId;
    m_add->setEnabled(m_runId > 0);
    showNotes(m_runId > 0 ? std::move(notes) : std::vector<store::Annotation>());
}

void NotesPanel::showNotes(std::vector<store::Annotation> notes) {
    m_list->clear();
    m_edit->setEnabled(false); // clear() says nothing of the selection it drops
    m_remove->setEnabled(false);
    m_error.clear();
    m_notes = std::move(notes);
    if (m_runId <= 0) {
        m_message->setText(tr("Notes belong to a stored run: open a project or analyze an input."));
        return;
    }
    for (const store::Annotation& note : m_notes) {
        auto* item = new QListWidgetItem(m_list);
        // Minutes are enough in the list; the tooltip has the second. The tooltip is rich text (so that
        // markup in a note cannot style it), the item plain text.
        const QString text = QString::fromStdString(note.text);
        const QString created =
            QString::fromStdString(note.created).replace(QLatin1Char('T'), QLatin1Char(' '));
        item->setText(QStringLiteral("%1\n%2 \u00B7 %3").arg(text, placeText(note), created.left(16)));
        item->setToolTip(QStringLiteral("<p style=\"white-space:pre-wrap\">%1</p><p>%2, %3 UTC</p>")
                             .arg(text.toHtmlEscaped(), placeText(note), created));
        item->setData(Qt::UserRole, static_cast<qlonglong>(note.id));
    }
    m_message->setText(m_notes.empty()
                           ? tr("No notes on run %1 yet.").arg(m_runId)
                           : tr("%n note(s) on run %1; double-click one to show its head and token.", nullptr,
                                static_cast<int>(m_notes.size()))
                                 .arg(m_runId));
}

bool NotesPanel::change(const QString& what, const std::function<Expected<int64_t>(store::Project&)>& edit) {
    if (m_runId <= 0) {
        fail(tr("No run is shown: notes belong to a stored run."));
        return false;
    }
    // One read-write open for the change and the list after it (opening checks the whole file).
    auto project = store::Project::open(m_projectPath.toStdString(), store::OpenMode::ReadWrite);
    Expected<int64_t> changed = project ? edit(*project) : Expected<int64_t>(project.status());
    if (!changed) {
        fail(tr("Cannot %1: %2").arg(what, QString::fromStdString(changed.status().toString())));
        return false;
    }
    Q_EMIT notesChanged();
    auto notes = project->annotations(m_runId);
    if (!notes) {
        fail(QString::fromStdString(notes.status().toString()));
        return false;
    }
    showNotes(std::move(*notes));
    for (int i = 0; i < m_list->count(); ++i)
        if (m_list->item(i)->data(Qt::UserRole).toLongLong() == *changed)
            m_list->setCurrentRow(i);
    return true;
}

void NotesPanel::fail(const QString& message) {
    m_error = message;
    m_message->setText(message);
}

bool NotesPanel::addNote(const QString& text, std::optional<int> layer, std::optional<int> head,
                         std::optional<int> token) {
    store::Annotation note;
    note.runId = m_runId;
    note.layer = layer;
    note.head = head;
    note.token = token;
    note.text = text.trimmed().toStdString();
    return change(tr("write the note"),
                  [&note](store::Project& project) { return project.addAnnotation(note); });
}

bool NotesPanel::removeNote(qint64 id) {
    const bool ours = std::any_of(m_notes.begin(), m_notes.end(), [id](const auto& n) { return n.id == id; });
    if (m_runId > 0 && !ours) {
        fail(tr("Run %1 has no note %2.").arg(m_runId).arg(id));
        return false;
    }
    return change(tr("delete the note"), [id](store::Project& project) -> Expected<int64_t> {
        ATTNSCOPE_TRY(project.removeAnnotation(id));
        return int64_t{0};
    });
}

bool NotesPanel::editNote(qint64 id, const QString& text) {
    const bool ours = std::any_of(m_notes.begin(), m_notes.end(), [id](const auto& n) { return n.id == id; });
    if (m_runId > 0 && !ours) {
        fail(tr("Run %1 has no note %2.").arg(m_runId).arg(id));
        return false;
    }
    const std::string newText = text.trimmed().toStdString();
    return change(tr("edit the note"), [id, &newText](store::Project& project) -> Expected<int64_t> {
        ATTNSCOPE_TRY(project.setAnnotationText(id, newText));
        return int64_t{id};
    });
}

void NotesPanel::editSelectedNote() {
    const QList<QListWidgetItem*> selected = m_list->selectedItems();
    if (selected.isEmpty())
        return;
    const qint64 id = selected.front()->data(Qt::UserRole).toLongLong();
    const auto note =
        std::find_if(m_notes.begin(), m_notes.end(), [id](const auto& n) { return n.id == id; });
    if (note == m_notes.end())
        return;
    // Copies: the dialog's event loop may show another run meanwhile (a load or a job ending), which
    // replaces m_notes; editNote then refuses the id as not this run's.
    const QString oldText = QString::fromStdString(note->text), place = placeText(*note);
    bool ok = false;
    const QString text =
        QInputDialog::getMultiLineText(this, tr("Edit Note"), tr("Note (%1):").arg(place), oldText, &ok);
    if (!ok || text.trimmed() == oldText.trimmed())
        return;
    editNote(id, text);
}

void NotesPanel::removeSelectedNote() {
    const QList<QListWidgetItem*> selected = m_list->selectedItems();
    if (selected.isEmpty())
        return;
    const qint64 id = selected.front()->data(Qt::UserRole).toLongLong();
    const QString text = selected.front()->text().section(QLatin1Char('\n'), 0, -2);
    QMessageBox ask(QMessageBox::Question, tr("Delete Note"),
                    tr("Delete this note from the project?\n\n%1").arg(text.left(200)),
                    QMessageBox::Yes | QMessageBox::No, this);
    ask.setTextFormat(Qt::PlainText); // a note is the user's text, never markup
    if (ask.exec() != QMessageBox::Yes)
        return;
    removeNote(id);
}

} // namespace attnscope::studio
