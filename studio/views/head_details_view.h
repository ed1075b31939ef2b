// SPDX-License-Identifier: Apache-2.0
// One head of a stored run in detail: its taxonomy labels and scores, its ACT sink tokens (with their
// text), and its sparsity — the recall-against-density curves of every method for this head and its
// FlexPrefill block mask. Follows the atlas selection.
#pragma once

#include "attnscope/store/project.h"
#include "prepared_run.h"

#include <QWidget>

#include <memory>

class QLabel;
class QTableWidget;

namespace attnscope::studio {

class HeadDetailsCanvas;

class HeadDetailsView : public QWidget {
    Q_OBJECT
public:
    explicit HeadDetailsView(QWidget* parent = nullptr);
    void setRun(const PreparedRun& run);
    bool showHead(int layer, int head);

    /// The shown head's summary line (labels and scores), and its sink table.
    QString summary() const;
    QTableWidget* sinkTable() const { return m_sinks; }
    /// Curves drawn for the head (method name -> points); tests read them.
    int curveCount() const;
    /// The block masks drawn for the head: FlexPrefill (as run), SeerAttention's oracle, the A-shape.
    QStringList maskNames() const;
    /// The key selections drawn as strips of key blocks: SnapKV's kept keys, TokenSelect's last row.
    QStringList stripNames() const;

private:
    friend class HeadDetailsCanvas;
    struct Data;
    std::shared_ptr<Data> m_data;
    QLabel* m_summary;
    QTableWidget* m_sinks;
    HeadDetailsCanvas* m_canvas;
};

} // namespace attnscope::studio
