// SPDX-License-Identifier: Apache-2.0
// The "3D View" tab: a matrix as a VTK surface with a colour legend.
#pragma once

#include "matrix_surface.h"

#include <QWidget>

class QLabel;

namespace attnscope::studio {

class VtkView;

/// A caption over a VtkView showing one matrix surface (layer similarity once analyses exist; until a
/// model is open, the example recency head).
class SurfaceView : public QWidget {
    Q_OBJECT
public:
    explicit SurfaceView(QWidget* parent = nullptr);

    /// Replaces the surface; `caption` says what the matrix is.
    void showMatrix(const Matrix& matrix, const QString& caption, const char* legendTitle);
    VtkView* vtkView() const { return m_view; }
    /// The caption of the matrix shown (tests read it).
    QString caption() const;

private:
    QLabel* m_caption;
    VtkView* m_view;
};

} // namespace attnscope::studio
