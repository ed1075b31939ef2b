// SPDX-License-Identifier: Apache-2.0
#include "report_writer.h"

#include "report.h"

#include <QGuiApplication>

#include <memory>

namespace attnscope::render {

Status writeReport(const store::RunRecord& run, const std::string& projectPath, const std::string& outPath) {
    const QString out = QString::fromStdString(outPath);
    const bool pdf = out.endsWith(QStringLiteral(".pdf"), Qt::CaseInsensitive);
    if (!pdf && !out.endsWith(QStringLiteral(".html"), Qt::CaseInsensitive) &&
        !out.endsWith(QStringLiteral(".htm"), Qt::CaseInsensitive))
        return Status::invalidArgument("the report's name must end in .html or .pdf").inFile(outPath);
    std::unique_ptr<QGuiApplication> application;
    if (!QGuiApplication::instance()) {
        // Fonts and images need a GUI application; the offscreen platform needs no display.
        if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        static int argc = 1;
        static char name[] = "attnscope-report";
        static char* argv[] = {name, nullptr};
        application = std::make_unique<QGuiApplication>(argc, argv);
    }
    ATTNSCOPE_ASSIGN_OR_RETURN(Report report, buildReport(run, QString::fromStdString(projectPath)));
    return pdf ? writePdfReport(report, out) : writeHtmlReport(report, out);
}

} // namespace attnscope::render
