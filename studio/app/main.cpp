// SPDX-License-Identifier: Apache-2.0
// attnscope-studio: the desktop application.
#include "main_window.h"
#include "studio_app.h"

#include "attnscope/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv) {
    attnscope::studio::prepareApplication(); // the GL surface format must be set before QApplication
    QApplication app(argc, argv);
    attnscope::studio::configureApplication(app);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("AttnScope studio: attention analysis of transformer models."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"),
                                 QStringLiteral("Model to open (HF folder, .gguf, llama2.c .bin)"),
                                 QStringLiteral("[model]"));
    QCommandLineOption textOption(QStringLiteral("text"), QStringLiteral("Load the input text from <file>."),
                                  QStringLiteral("file"));
    QCommandLineOption viewOption(
        QStringLiteral("view"),
        QStringLiteral("Show the central view <name> (welcome, surface, headAtlas, heatmap)."),
        QStringLiteral("name"));
    QCommandLineOption projectOption(QStringLiteral("project"),
                                     QStringLiteral("Open the project <file> and show its newest run."),
                                     QStringLiteral("file"));
    QCommandLineOption themeOption(QStringLiteral("theme"), QStringLiteral("Use the light or dark theme."),
                                   QStringLiteral("light|dark"));
    QCommandLineOption grabOption(QStringLiteral("grab"),
                                  QStringLiteral("Save a screenshot of the window to <png> and exit."),
                                  QStringLiteral("png"));
    QCommandLineOption delayOption(QStringLiteral("grab-delay"),
                                   QStringLiteral("Milliseconds to wait before --grab (default 1500)."),
                                   QStringLiteral("ms"), QStringLiteral("1500"));
    parser.addOptions({textOption, viewOption, projectOption, themeOption, grabOption, delayOption});
    parser.process(app);

    attnscope::studio::MainWindow window;
    if (parser.isSet(themeOption))
        window.setTheme(attnscope::studio::themeFromKey(parser.value(themeOption)));
    else
        attnscope::studio::applyTheme(window.theme());
    window.show();

    if (!parser.positionalArguments().isEmpty())
        window.openModel(parser.positionalArguments().constFirst());
    if (parser.isSet(textOption))
        window.loadInputText(parser.value(textOption));
    if (parser.isSet(projectOption) && !window.openProject(parser.value(projectOption))) {
        std::fprintf(stderr, "cannot open the project %s\n", qPrintable(parser.value(projectOption)));
        return 2;
    }
    if (parser.isSet(viewOption) && !window.showView(parser.value(viewOption) + QStringLiteral("View"))) {
        std::fprintf(stderr, "unknown view '%s' (welcome, surface, headAtlas, heatmap)\n",
                     qPrintable(parser.value(viewOption)));
        return 2;
    }

    if (parser.isSet(grabOption)) {
        const QString path = parser.value(grabOption);
        QTimer::singleShot(parser.value(delayOption).toInt(), &window, [&window, path] {
            const bool saved = window.saveScreenshot(path);
            std::fprintf(saved ? stdout : stderr,
                         saved ? "screenshot: %s\n" : "error: %s: cannot save the screenshot\n",
                         qPrintable(path));
            QApplication::exit(saved ? 0 : 1);
        });
    }
    return app.exec();
}
