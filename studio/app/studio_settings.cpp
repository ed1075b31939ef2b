// SPDX-License-Identifier: Apache-2.0
#include "studio_settings.h"

#include <QDir>
#include <QSettings>

namespace attnscope::studio {

namespace {
const QString kTheme = QStringLiteral("appearance/theme");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kRecentModels = QStringLiteral("files/recentModels");
const QString kRecentProjects = QStringLiteral("files/recentProjects");
const QString kLastDirectory = QStringLiteral("files/lastDirectory");
const QString kWeights = QStringLiteral("runtime/weights");
const QString kAttentionDevice = QStringLiteral("runtime/attentionDevice");
const QString kAnalysisSettings = QStringLiteral("analysis/settings");
} // namespace

Theme StudioSettings::theme() const {
    return themeFromKey(QSettings().value(kTheme).toString());
}
void StudioSettings::setTheme(Theme theme) {
    QSettings().setValue(kTheme, themeKey(theme));
}

bool StudioSettings::bf16Weights() const {
    return QSettings().value(kWeights).toString() == QLatin1String("bf16");
}
void StudioSettings::setBf16Weights(bool on) {
    QSettings().setValue(kWeights, on ? QStringLiteral("bf16") : QStringLiteral("f32"));
}

QString StudioSettings::analysisSettings() const {
    return QSettings().value(kAnalysisSettings).toString();
}
void StudioSettings::setAnalysisSettings(const QString& json) {
    QSettings().setValue(kAnalysisSettings, json);
}

bool StudioSettings::cudaAttention() const {
    return QSettings().value(kAttentionDevice).toString() == QLatin1String("cuda");
}
void StudioSettings::setCudaAttention(bool on) {
    QSettings().setValue(kAttentionDevice, on ? QStringLiteral("cuda") : QStringLiteral("cpu"));
}

QByteArray StudioSettings::windowGeometry() const {
    return QSettings().value(kGeometry).toByteArray();
}
QByteArray StudioSettings::windowState() const {
    return QSettings().value(kState).toByteArray();
}
void StudioSettings::setWindowLayout(const QByteArray& geometry, const QByteArray& state) {
    QSettings settings;
    settings.setValue(kGeometry, geometry);
    settings.setValue(kState, state);
}

namespace {
QString recentKey(StudioSettings::Recent list) {
    return list == StudioSettings::Recent::Models ? kRecentModels : kRecentProjects;
}
} // namespace

QStringList StudioSettings::recent(Recent list) const {
    return QSettings().value(recentKey(list)).toStringList();
}

void StudioSettings::addRecent(Recent list, const QString& path) {
    QStringList paths = recent(list);
    paths.removeAll(path);
    paths.prepend(path);
    while (paths.size() > kMaxRecentFiles)
        paths.removeLast();
    QSettings().setValue(recentKey(list), paths);
}

void StudioSettings::clearRecent(Recent list) {
    QSettings().remove(recentKey(list));
}

QString StudioSettings::lastDirectory() const {
    return QSettings().value(kLastDirectory, QDir::homePath()).toString();
}
void StudioSettings::setLastDirectory(const QString& directory) {
    QSettings().setValue(kLastDirectory, directory);
}

} // namespace attnscope::studio
