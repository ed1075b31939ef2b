// SPDX-License-Identifier: Apache-2.0
#include "surface_view.h"

#include "vtk_view.h"

#include <QLabel>
#include <QVBoxLayout>

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>

namespace attnscope::studio {

SurfaceView::SurfaceView(QWidget* parent)
    : QWidget(parent), m_caption(new QLabel(this)), m_view(new VtkView(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_caption->setWordWrap(true);
    layout->addWidget(m_caption);
    layout->addWidget(m_view, 1);
    m_view->setBackground(QColor(0x20, 0x24, 0x2c));
}

void SurfaceView::showMatrix(const Matrix& matrix, const QString& caption, const char* legendTitle) {
    vtkRenderer* renderer = m_view->renderer();
    renderer->RemoveAllViewProps();
    // Heights are scaled so the surface is about a third as tall as it is wide, whatever the values.
    double maximum = 1e-12;
    for (double value : matrix.values)
        maximum = std::max(maximum, std::abs(value));
    auto surface = makeMatrixSurface(matrix, 0.35 * std::max(matrix.rows, matrix.cols) / maximum);
    renderer->AddActor(surface);
    renderer->AddActor2D(makeScalarBar(surface, legendTitle));
    vtkCamera* camera = renderer->GetActiveCamera();
    camera->SetPosition(-0.7, -1.3, 1.1); // oblique: rows recede, keys run left to right
    camera->SetFocalPoint(0, 0, 0);
    camera->SetViewUp(0, 0, 1);
    renderer->ResetCamera();
    camera->Zoom(1.0);
    m_caption->setText(caption);
    m_view->update();
}

QString SurfaceView::caption() const {
    return m_caption->text();
}

} // namespace attnscope::studio
