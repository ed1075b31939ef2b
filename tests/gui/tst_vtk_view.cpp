// SPDX-License-Identifier: Apache-2.0
// VTK inside the Qt 6 QOpenGLWidget really renders: read the pixels back and look at them.
#include "gui_test_main.h"
#include "views/matrix_surface.h"
#include "views/vtk_view.h"

#include <QDir>
#include <QImage>

#include <vtkActor.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>

using attnscope::studio::VtkView;

namespace {

bool closeTo(QRgb pixel, const QColor& expected, int tolerance = 3) {
    return std::abs(qRed(pixel) - expected.red()) <= tolerance &&
           std::abs(qGreen(pixel) - expected.green()) <= tolerance &&
           std::abs(qBlue(pixel) - expected.blue()) <= tolerance;
}

bool isBlack(QRgb pixel) {
    return qRed(pixel) < 8 && qGreen(pixel) < 8 && qBlue(pixel) < 8;
}

} // namespace

class TestVtkView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rendersSceneWithBackgroundAndActor() {
        const QColor background(40, 80, 160);
        VtkView view;
        view.resize(400, 300);
        view.setBackground(background);
        vtkNew<vtkSphereSource> sphere;
        sphere->SetThetaResolution(32);
        sphere->SetPhiResolution(32);
        vtkNew<vtkPolyDataMapper> mapper;
        mapper->SetInputConnection(sphere->GetOutputPort());
        vtkNew<vtkActor> actor;
        actor->SetMapper(mapper);
        actor->GetProperty()->SetColor(1.0, 0.6, 0.1);
        view.renderer()->AddActor(actor);
        view.resetCamera();
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));

        const QImage image = view.grabFramebuffer();
        QDir().mkpath(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR));
        image.save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/vtk_sphere.png"));
        QVERIFY(!image.isNull());
        QCOMPARE(image.width(), static_cast<int>(400 * view.devicePixelRatioF()));

        const QRgb corner = image.pixel(2, 2);
        QVERIFY2(
            closeTo(corner, background),
            qPrintable(QStringLiteral("corner pixel %1 is not the background").arg(QColor(corner).name())));
        const QRgb centre = image.pixel(image.width() / 2, image.height() / 2);
        QVERIFY2(!isBlack(centre), "the centre is black: VTK rendered nothing");
        QVERIFY2(!closeTo(centre, background, 20), "the centre shows background: the sphere is missing");
        // A lit orange sphere: red dominates blue at its centre.
        QVERIFY(qRed(centre) > qBlue(centre) + 40);
    }

    void matrixSurfaceUsesTheColourMap() {
        VtkView view;
        view.resize(320, 240);
        view.setBackground(Qt::black);
        auto surface =
            attnscope::studio::makeMatrixSurface(attnscope::studio::recencyAttentionExample(16, 0.3), 4.0);
        view.renderer()->AddActor(surface);
        view.resetCamera();
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QImage image = view.grabFramebuffer();
        image.save(QStringLiteral(ATTNSCOPE_SCREENSHOT_DIR "/vtk_surface.png"));
        // Count pixels that are not background: the surface must cover a real part of the view.
        int covered = 0;
        for (int y = 0; y < image.height(); y += 4)
            for (int x = 0; x < image.width(); x += 4)
                covered += isBlack(image.pixel(x, y)) ? 0 : 1;
        const int samples = (image.width() / 4) * (image.height() / 4);
        QVERIFY2(covered > samples / 10,
                 qPrintable(QStringLiteral("only %1 of %2 samples covered").arg(covered).arg(samples)));
    }

    void recencyExampleRowsAreDistributions() {
        const auto matrix = attnscope::studio::recencyAttentionExample(10, 0.5);
        for (int r = 0; r < matrix.rows; ++r) {
            double sum = 0;
            for (int c = 0; c < matrix.cols; ++c) {
                if (c > r)
                    QCOMPARE(matrix.at(r, c), 0.0); // causal
                sum += matrix.at(r, c);
            }
            QVERIFY(std::abs(sum - 1.0) < 1e-12);
        }
        QVERIFY(matrix.at(9, 9) > matrix.at(9, 8)); // recency: the diagonal is the largest
    }
};

ATTNSCOPE_GUI_TEST_MAIN(TestVtkView)
#include "tst_vtk_view.moc"
