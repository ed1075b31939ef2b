// SPDX-License-Identifier: Apache-2.0
// A VTK render window inside a Qt 6 QOpenGLWidget (Debian's VTK Qt module is built for Qt 5).
#pragma once

#include <QOpenGLWidget>

#include <vtkNew.h>
#include <vtkSmartPointer.h>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkRenderer;

namespace attnscope::studio {

/// Hosts one vtkRenderer. VTK draws into its own framebuffer, which is blitted into the widget's
/// default framebuffer in paintGL (the recipe in PLATFORM.md). Mouse and wheel events drive a
/// trackball-camera interactor style. GUI thread only.
class VtkView : public QOpenGLWidget {
    Q_OBJECT
public:
    explicit VtkView(QWidget* parent = nullptr);
    ~VtkView() override;

    /// The renderer to add actors to; call update() after changing the scene.
    vtkRenderer* renderer() const;
    /// Background colour of the scene (also the clear colour of every frame).
    void setBackground(const QColor& color);
    /// Moves the camera so the whole scene is visible.
    void resetCamera();

protected:
    void initializeGL() override;
    void resizeGL(int width, int height) override;
    void paintGL() override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    void forwardMouse(QMouseEvent* event, unsigned long vtkEvent);

    vtkNew<vtkGenericOpenGLRenderWindow> m_window;
    vtkNew<vtkRenderer> m_renderer;
    vtkNew<vtkGenericRenderWindowInteractor> m_interactor;
};

} // namespace attnscope::studio
