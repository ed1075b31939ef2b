// SPDX-License-Identifier: Apache-2.0
// Light and dark themes (Fusion style with a palette), chosen in View > Theme and persisted.
#pragma once

#include <QString>

namespace attnscope::studio {

enum class Theme { Light, Dark };

/// "light" / "dark" (the values stored in the settings).
QString themeKey(Theme theme);
/// Parses a stored key; anything unknown is Light.
Theme themeFromKey(const QString& key);

/// Applies the theme to the whole application. GUI thread only.
void applyTheme(Theme theme);

} // namespace attnscope::studio
