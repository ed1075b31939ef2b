// SPDX-License-Identifier: Apache-2.0
// The controls the reading dialogs share: how word relevance is read from attention (scanpath predict's
// and scanpath correlate's --method and --layer).
#pragma once

#include <QString>

class QComboBox;
class QDialog;
class QFormLayout;
class QSpinBox;
class QWidget;

namespace attnscope::studio {

/// The relevance methods, each item's data an analyses::RelevanceMethod; `unit` names what the token
/// limits apply to ("" for the input text, "per unit" for a corpus's texts).
QComboBox* relevanceMethodBox(QWidget* parent, const QString& objectName, const QString& unit = {});
/// The layer read (−1, shown as "last", by default).
QSpinBox* relevanceLayerBox(QWidget* parent, const QString& objectName);
/// Adds OK and Cancel under `form`, runs `dialog` modally and says whether it was accepted.
bool execWithOkCancel(QDialog& dialog, QFormLayout* form);

} // namespace attnscope::studio
