// SPDX-License-Identifier: Apache-2.0
#include "vtk_view.h"

#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QWheelEvent>

#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkOpenGLState.h>
#include <vtkRenderer.h>

namespace attnscope::studio {

VtkView::VtkView(QWidget* parent) : QOpenGLWidget(parent) {
    m_window->AddRenderer(m_renderer);
    m_renderer->SetBackgroundAlpha(1.0);
    m_interactor->SetRenderWindow(m_window);
    vtkNew<vtkInteractorStyleTrackballCamera> style;
    m_interactor->SetInteractorStyle(style);
    // The generic interactor asks for a render through the widget, never by itself.
    m_interactor->EnableRenderOff();
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(160, 120);
}

VtkView::~VtkView() {
    // VTK must release its GL resources while our context is current.
    makeCurrent();
    m_window->Finalize();
    doneCurrent();
}

vtkRenderer* VtkView::renderer() const {
    return m_renderer;
}

void VtkView::setBackground(const QColor& color) {
    m_renderer->SetBackground(color.redF(), color.greenF(), color.blueF());
    // VTK's default background alpha is 0, and Qt composites the widget with its alpha: the window
    // would show through the scene.
    m_renderer->SetBackgroundAlpha(1.0);
    update();
}

void VtkView::resetCamera() {
    m_renderer->ResetCamera();
    update();
}

void VtkView::initializeGL() {
    m_window->SetOwnContext(false);
    m_window->SetReadyForRendering(true);
    m_window->SetFrameBlitModeToNoBlit();
    m_window->InitializeFromCurrentContext();
    m_window->SetForceMaximumHardwareLineWidth(1);
    m_interactor->Initialize();
}

void VtkView::resizeGL(int width, int height) {
    const qreal ratio = devicePixelRatioF();
    const int w = static_cast<int>(width * ratio), h = static_cast<int>(height * ratio);
    m_window->SetSize(w, h);
    m_interactor->SetSize(w, h);
}

void VtkView::paintGL() {
    // Qt changed GL state behind VTK's cache: reset it, and restore Qt's state afterwards.
    vtkOpenGLState* state = m_window->GetState();
    state->Reset();
    state->Push();
    m_window->SetIsCurrent(true); // without it VTK renders nothing
    m_window->Render();
    state->Pop();

    QOpenGLFunctions* gl = context()->functions();
    gl->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
    m_window->BlitDisplayFramebuffer();
}

void VtkView::forwardMouse(QMouseEvent* event, unsigned long vtkEvent) {
    const qreal ratio = devicePixelRatioF();
    const QPointF position = event->position();
    m_interactor->SetEventInformationFlipY(
        static_cast<int>(position.x() * ratio), static_cast<int>(position.y() * ratio),
        (event->modifiers() & Qt::ControlModifier) ? 1 : 0, (event->modifiers() & Qt::ShiftModifier) ? 1 : 0);
    m_interactor->InvokeEvent(vtkEvent, event);
    update();
}

void VtkView::mousePressEvent(QMouseEvent* event) {
    switch (event->button()) {
    case Qt::LeftButton:
        forwardMouse(event, vtkCommand::LeftButtonPressEvent);
        break;
    case Qt::MiddleButton:
        forwardMouse(event, vtkCommand::MiddleButtonPressEvent);
        break;
    case Qt::RightButton:
        forwardMouse(event, vtkCommand::RightButtonPressEvent);
        break;
    default:
        break;
    }
}

void VtkView::mouseReleaseEvent(QMouseEvent* event) {
    switch (event->button()) {
    case Qt::LeftButton:
        forwardMouse(event, vtkCommand::LeftButtonReleaseEvent);
        break;
    case Qt::MiddleButton:
        forwardMouse(event, vtkCommand::MiddleButtonReleaseEvent);
        break;
    case Qt::RightButton:
        forwardMouse(event, vtkCommand::RightButtonReleaseEvent);
        break;
    default:
        break;
    }
}

void VtkView::mouseMoveEvent(QMouseEvent* event) {
    forwardMouse(event, vtkCommand::MouseMoveEvent);
}

void VtkView::wheelEvent(QWheelEvent* event) {
    const qreal ratio = devicePixelRatioF();
    m_interactor->SetEventInformationFlipY(static_cast<int>(event->position().x() * ratio),
                                           static_cast<int>(event->position().y() * ratio));
    m_interactor->InvokeEvent(event->angleDelta().y() > 0 ? vtkCommand::MouseWheelForwardEvent
                                                          : vtkCommand::MouseWheelBackwardEvent,
                              event);
    update();
}

} // namespace attnscope::studio
