// SPDX-License-Identifier: Apache-2.0
// Help > About: version, libraries, compute backends and licences.
#pragma once

#include <QDialog>

namespace attnscope::studio {

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    explicit AboutDialog(QWidget* parent = nullptr);
};

/// The About text as HTML (also used by tests and the diagnostics export).
QString aboutHtml();

} // namespace attnscope::studio
