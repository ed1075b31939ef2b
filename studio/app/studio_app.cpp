// SPDX-License-Identifier: Apache-2.0
#include "studio_app.h"

#include "attnscope/runtime/environment.h"
#include "attnscope/version.h"

#include <QApplication>
#include <QIcon>
#include <QSurfaceFormat>

// Q_INIT_RESOURCE declares the resource initialiser in the enclosing namespace: call it from the global one.
static void initStudioResources() {
    Q_INIT_RESOURCE(resources);
}

namespace attnscope::studio {

void prepareApplication() {
    QSurfaceFormat format;
    format.setRenderableType(QSurfaceFormat::OpenGL);
    format.setVersion(3, 2);
    format.setProfile(QSurfaceFormat::CoreProfile);
    format.setDepthBufferSize(24);
    format.setStencilBufferSize(8);
    format.setSamples(0);
    QSurfaceFormat::setDefaultFormat(format);
}

void configureApplication(QApplication& app) {
    QApplication::setOrganizationName(QStringLiteral("AttnScope"));
    QApplication::setApplicationName(QStringLiteral("studio"));
    QApplication::setApplicationDisplayName(QStringLiteral("AttnScope"));
    QApplication::setApplicationVersion(QStringLiteral(ATTNSCOPE_VERSION_STRING));
    QApplication::setDesktopFileName(QStringLiteral("attnscope"));
    initStudioResources();
    app.setWindowIcon(QIcon(QStringLiteral(":/attnscope/icons/attnscope.svg")));
    if (auto environment = runtime::queryEnvironment())
        runtime::warnIfReferenceBlas(*environment);
}

} // namespace attnscope::studio
