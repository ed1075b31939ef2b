// SPDX-License-Identifier: Apache-2.0
// main() for Qt Test GUI tests: the studio's GL surface format, isolated settings, then QTest.
#pragma once

#include "app/studio_app.h"

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

/// Like QTEST_MAIN, but sets the OpenGL surface format before QApplication (VTK needs 3.2 core) and
/// points QSettings at a throw-away test location so tests never touch the user's settings.
#define ATTNSCOPE_GUI_TEST_MAIN(TestClass)                                                                   \
    int main(int argc, char** argv) {                                                                        \
        attnscope::studio::prepareApplication();                                                             \
        QApplication app(argc, argv);                                                                        \
        QStandardPaths::setTestModeEnabled(true);                                                            \
        attnscope::studio::configureApplication(app);                                                        \
        QSettings().clear();                                                                                 \
        TestClass test;                                                                                      \
        return QTest::qExec(&test, argc, argv);                                                              \
    }
