// SPDX-License-Identifier: Apache-2.0
// Application-wide setup shared by attnscope-studio and the GUI tests.
#pragma once

class QApplication;

namespace attnscope::studio {

/// Before QApplication exists: the default OpenGL surface (3.2 core, depth + stencil) that VTK needs
/// inside QOpenGLWidget (PLATFORM.md).
void prepareApplication();

/// After QApplication exists: names (for QSettings), version, window icon, and the reference-BLAS warning.
void configureApplication(QApplication& app);

} // namespace attnscope::studio
