// SPDX-License-Identifier: Apache-2.0
#include "model_files.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStringList>

namespace attnscope::studio {

QString bundledSample(const QString& name) {
    const QStringList folders = {QCoreApplication::applicationDirPath() +
                                     QStringLiteral("/../share/attnscope/samples"),
                                 QStringLiteral("/usr/share/attnscope/samples"),
                                 QStringLiteral(ATTNSCOPE_SOURCE_RESOURCES "/samples")};
    for (const QString& folder : folders)
        if (QFileInfo::exists(folder + QLatin1Char('/') + name))
            return QFileInfo(folder + QLatin1Char('/') + name).absoluteFilePath();
    return {};
}

bool tokenizerPathFor(const QString& modelPath, QString& tokenizerPath, QString& refusal) {
    tokenizerPath = modelPath;
    if (QFileInfo(modelPath).suffix().toLower() != QLatin1String("bin"))
        return true;
    tokenizerPath = QFileInfo(modelPath).dir().filePath(QStringLiteral("tokenizer.bin"));
    if (QFileInfo(tokenizerPath) == QFileInfo(modelPath) || !QFileInfo::exists(tokenizerPath)) {
        refusal = QCoreApplication::translate("MainWindow", "%1 is a llama2.c checkpoint, which carries no "
                                                            "tokenizer: put its tokenizer.bin next to it")
                      .arg(QFileInfo(modelPath).fileName());
        return false;
    }
    return true;
}

} // namespace attnscope::studio
