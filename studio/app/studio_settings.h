// SPDX-License-Identifier: Apache-2.0
// Typed access to the studio's persisted settings (QSettings: ~/.config/AttnScope/studio.conf).
#pragma once

#include "theme.h"

#include <QByteArray>
#include <QStringList>

namespace attnscope::studio {

/// Every key the studio stores, in one place. GUI thread only.
class StudioSettings {
public:
    static constexpr int kMaxRecentFiles = 10;

    Theme theme() const;
    void setTheme(Theme theme);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindowLayout(const QByteArray& geometry, const QByteArray& state);

    /// The two lists of recently opened files.
    enum class Recent { Models, Projects };
    /// Most recent first, without duplicates, at most kMaxRecentFiles.
    QStringList recent(Recent list) const;
    void addRecent(Recent list, const QString& path);
    void clearRecent(Recent list);
    QStringList recentModels() const { return recent(Recent::Models); }

    /// Tools > bf16 Weights: runs keep the weight matrices as bf16 (runtime::WeightPrecision::BF16).
    bool bf16Weights() const;
    void setBf16Weights(bool on);
    /// Attention kernels on the GPU (applied at start when a CUDA device answers).
    bool cudaAttention() const;
    void setCudaAttention(bool on);

    /// Tools > Analysis Settings, as the JSON object analyses::suiteSettingsToJson writes ("" when never
    /// set: the studio's defaults).
    QString analysisSettings() const;
    void setAnalysisSettings(const QString& json);

    /// The folder the last file dialog was in.
    QString lastDirectory() const;
    void setLastDirectory(const QString& directory);
};

} // namespace attnscope::studio
