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
const QString kLastDirectory = QStringLiteral("files/lastDirectory");
} // namespace

Theme StudioSettings::theme() const {
    return themeFromKey(QSettings().value(kTheme).toString());
}
void StudioSettings::setTheme(Theme theme) {
    QSettings().setValue(kTheme, themeKey(theme));
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

QStringList StudioSettings::recentModels() const {
    return QSettings().value(kRecentModels).toStringList();
}

void StudioSettings::addRecentModel(const QString& path) {
    QStringList recent = recentModels();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentFiles)
        recent.removeLast();
    QSettings().setValue(kRecentModels, recent);
}

void StudioSettings::clearRecentModels() {
    QSettings().remove(kRecentModels);
}

QString StudioSettings::lastDirectory() const {
    return QSettings().value(kLastDirectory, QDir::homePath()).toString();
}
void StudioSettings::setLastDirectory(const QString& directory) {
    QSettings().setValue(kLastDirectory, directory);
}

} // namespace attnscope::studio
