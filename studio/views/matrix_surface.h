// SPDX-License-Identifier: Apache-2.0
// A rows x cols matrix as a coloured 3D surface (height and colour = value).
#pragma once

#include <vtkSmartPointer.h>

#include <vector>

class vtkActor;
class vtkScalarBarActor;

namespace attnscope::studio {

/// A dense matrix of values in row-major order.
struct Matrix {
    int rows = 0;
    int cols = 0;
    std::vector<double> values;
    double at(int r, int c) const { return values[static_cast<std::size_t>(r) * cols + c]; }
};

/// Builds the surface actor: x = column, y = row (row 0 at the back), z = value * heightScale, coloured
/// through a viridis-like lookup table over [min, max] of the data.
vtkSmartPointer<vtkActor> makeMatrixSurface(const Matrix& matrix, double heightScale);

/// A colour legend matching the surface's lookup table.
vtkSmartPointer<vtkScalarBarActor> makeScalarBar(vtkActor* surface, const char* title);

/// Causal attention of a head with a linear recency bias (ALiBi slope `slope`) over `length` tokens:
/// P_ij = softmax_j(-slope * (i - j)) for j <= i. Used as the 3D view's example before a model is open.
Matrix recencyAttentionExample(int length, double slope);

} // namespace attnscope::studio
