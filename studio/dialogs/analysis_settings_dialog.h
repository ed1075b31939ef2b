// SPDX-License-Identifier: Apache-2.0
// Tools > Analysis Settings: which analyses Analyze Input runs, and every method's parameters (the analyze
// command's options). Checking is the library's (applySuiteSettings), so the studio refuses exactly what
// `attnscope-cli analyze --settings` refuses; settings files move between the two.
#pragma once

#include "attnscope/analyses/suite.h"

#include <QDialog>
#include <QHash>

#include <nlohmann/json.hpp>

class QCheckBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;

namespace attnscope::studio {

class AnalysisSettingsDialog : public QDialog {
    Q_OBJECT
public:
    /// The studio's defaults: the suite's parameters, with the retrieval score (minutes of decoding)
    /// left to Tools > Run Needle Test.
    static analyses::SuiteOptions studioDefaults();

    /// Shows `current`; options() starts from it, so parameters without a widget (generated needle
    /// prompts) are kept.
    explicit AnalysisSettingsDialog(const analyses::SuiteOptions& current, QWidget* parent = nullptr);

    /// The settings as edited; valid only after the dialog was accepted (or apply() returned true).
    const analyses::SuiteOptions& options() const { return m_options; }

    /// Checks the widgets' values and takes them into options(); false (and the reason shown in the
    /// dialog) when one is refused. OK calls it and stays open on false.
    bool apply();
    /// Puts the studio's defaults in every widget.
    void restoreDefaults();
    /// Reads a settings file (JSON, as `analyze --settings` reads) into the widgets; false (reason shown)
    /// when it is refused. Keys the file lacks keep the widgets' values.
    bool loadFile(const QString& path);
    /// Offers a "From Run N" button that loads `parameters` (run N's recorded settings, its analyses
    /// included) like a file; `project` names the run's project in the tooltip.
    void offerRunSettings(qint64 runId, const nlohmann::json& parameters, const QString& project);
    /// Puts `settings` (a settings object; `source` names it in errors) over the widgets' values; false
    /// (reason shown) when refused.
    bool loadSettings(const nlohmann::json& settings, const std::string& source);
    /// Writes the checked settings as JSON; false (reason shown) on failure.
    bool saveFile(const QString& path);

    /// The widget of a settings key ("flex_gamma", "snap_capacities", ...), or of an analysis
    /// ("analysis:sparsity"). Tests set values through these.
    QWidget* field(const QString& key) const { return m_fields.value(key); }
    QDialogButtonBox* buttons() const { return m_buttons; }
    /// The last refusal ("" when none).
    QString errorText() const;

private:
    /// A row of `form` whose widget edits settings key `key`.
    void addField(QFormLayout* form, const QString& key, const QString& label, QWidget* widget);
    QWidget* createAnalysesPage();
    QWidget* createSinksPage();
    QWidget* createRetrievalPage();
    QWidget* createSparsityPage();
    /// Widgets from options (all keys) and back (as JSON, for applySuiteSettings).
    void showOptions(const analyses::SuiteOptions& options);
    nlohmann::json widgetSettings() const;
    /// Ticks and locks the analyses another one implies (retrieval: razor and duo; taxonomy: sinks).
    void updateImpliedAnalyses();
    void showError(const QString& text);

    analyses::SuiteOptions m_options;
    QHash<QString, QWidget*> m_fields;
    nlohmann::json m_runParameters; ///< offerRunSettings's
    QCheckBox* m_relativeAlpha = nullptr;
    QLabel* m_error = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace attnscope::studio
