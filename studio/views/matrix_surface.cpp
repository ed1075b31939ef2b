// SPDX-License-Identifier: Apache-2.0
#include "matrix_surface.h"

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkDoubleArray.h>
#include <vtkLookupTable.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkScalarBarActor.h>
#include <vtkTextProperty.h>

#include <algorithm>
#include <cmath>

namespace attnscope::studio {

namespace {

/// Five anchors of matplotlib's viridis, interpolated linearly (perceptually ordered, colour-blind safe).
vtkSmartPointer<vtkLookupTable> viridis(double minimum, double maximum) {
    static const double anchors[5][3] = {{0.267, 0.005, 0.329},
                                         {0.230, 0.322, 0.546},
                                         {0.128, 0.567, 0.551},
                                         {0.369, 0.789, 0.383},
                                         {0.993, 0.906, 0.144}};
    auto table = vtkSmartPointer<vtkLookupTable>::New();
    const int entries = 256;
    table->SetNumberOfTableValues(entries);
    for (int i = 0; i < entries; ++i) {
        const double t = static_cast<double>(i) / (entries - 1) * 4.0;
        const int k = std::min(3, static_cast<int>(t));
        const double f = t - k;
        table->SetTableValue(i, anchors[k][0] + f * (anchors[k + 1][0] - anchors[k][0]),
                             anchors[k][1] + f * (anchors[k + 1][1] - anchors[k][1]),
                             anchors[k][2] + f * (anchors[k + 1][2] - anchors[k][2]), 1.0);
    }
    table->SetRange(minimum, maximum > minimum ? maximum : minimum + 1.0);
    table->Build();
    return table;
}

} // namespace

vtkSmartPointer<vtkActor> makeMatrixSurface(const Matrix& matrix, double heightScale) {
    vtkNew<vtkPoints> points;
    vtkNew<vtkDoubleArray> scalars;
    scalars->SetName("value");
    for (int r = 0; r < matrix.rows; ++r)
        for (int c = 0; c < matrix.cols; ++c) {
            const double value = matrix.at(r, c);
            points->InsertNextPoint(c, matrix.rows - 1 - r, value * heightScale);
            scalars->InsertNextValue(value);
        }
    vtkNew<vtkCellArray> quads;
    for (int r = 0; r + 1 < matrix.rows; ++r)
        for (int c = 0; c + 1 < matrix.cols; ++c) {
            const vtkIdType a = static_cast<vtkIdType>(r) * matrix.cols + c;
            const vtkIdType quad[4] = {a, a + 1, a + matrix.cols + 1, a + matrix.cols};
            quads->InsertNextCell(4, quad);
        }
    vtkNew<vtkPolyData> surface;
    surface->SetPoints(points);
    surface->SetPolys(quads);
    surface->GetPointData()->SetScalars(scalars);

    const auto [lo, hi] = std::minmax_element(matrix.values.begin(), matrix.values.end());
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(surface);
    mapper->SetLookupTable(viridis(matrix.values.empty() ? 0 : *lo, matrix.values.empty() ? 1 : *hi));
    mapper->UseLookupTableScalarRangeOn();
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->GetProperty()->SetInterpolationToGouraud();
    return actor;
}

vtkSmartPointer<vtkScalarBarActor> makeScalarBar(vtkActor* surface, const char* title) {
    auto bar = vtkSmartPointer<vtkScalarBarActor>::New();
    bar->SetLookupTable(surface->GetMapper()->GetLookupTable());
    bar->SetTitle(title);
    bar->SetNumberOfLabels(5);
    bar->SetWidth(0.08);
    bar->SetHeight(0.6);
    bar->SetPosition(0.9, 0.2);
    // Fixed point sizes: by default VTK scales the text with the bar, which makes titles huge.
    bar->UnconstrainedFontSizeOn();
    bar->GetTitleTextProperty()->SetFontSize(14);
    bar->GetTitleTextProperty()->ItalicOff();
    bar->GetLabelTextProperty()->SetFontSize(12);
    bar->GetLabelTextProperty()->ItalicOff();
    return bar;
}

Matrix recencyAttentionExample(int length, double slope) {
    Matrix matrix{length, length, std::vector<double>(static_cast<std::size_t>(length) * length, 0.0)};
    for (int i = 0; i < length; ++i) {
        double sum = 0;
        for (int j = 0; j <= i; ++j)
            sum += std::exp(-slope * (i - j));
        for (int j = 0; j <= i; ++j)
            matrix.values[static_cast<std::size_t>(i) * length + j] = std::exp(-slope * (i - j)) / sum;
    }
    return matrix;
}

} // namespace attnscope::studio
