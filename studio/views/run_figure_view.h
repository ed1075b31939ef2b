// SPDX-License-Identifier: Apache-2.0
// The run-wide figures as an interactive view: layer similarity (head-averaged, per head, head × head)
// and the rankings of the sink, retrieval and induction scores, chosen from a list and drawn by the
// shared renderer at the view's size (so they can be exported as PNG, SVG or PDF like any view).
// Clicking a ranking's bar opens that head.
#pragma once

#include "attnscope/store/project.h"
#include "prepared_run.h"

#include <QWidget>

#include <memory>
#include <optional>
#include <utility>

class QComboBox;

namespace attnscope::studio {

class RunFigureCanvas;

class RunFigureView : public QWidget {
    Q_OBJECT
public:
    explicit RunFigureView(QWidget* parent = nullptr);
    void setRun(const PreparedRun& run);
    /// The figures this run has data for ("Layer similarity (head-averaged)", "Retrieval-head ranking"...).
    QStringList figures() const;
    bool showFigure(const QString& name);
    QString figure() const;
    /// The head of the shown ranking's bar under `point` (canvas coordinates), if any.
    std::optional<std::pair<int, int>> headAt(const QPoint& point) const;
    /// The centre of bar `index` of the shown ranking (canvas coordinates), for scripted clicks.
    std::optional<QPoint> barPosition(int index) const;
    QWidget* canvas() const;

Q_SIGNALS:
    /// A ranking's bar was clicked.
    void headClicked(int layer, int head);

private:
    friend class RunFigureCanvas;
    struct Data;
    std::shared_ptr<Data> m_data;
    QComboBox* m_choice;
    RunFigureCanvas* m_canvas;
};

} // namespace attnscope::studio
