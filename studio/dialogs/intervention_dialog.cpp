// SPDX-License-Identifier: Apache-2.0
#include "intervention_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace attnscope::studio {

InterventionDialog::InterventionDialog(const analyses::SinkParameters& sinkRule, QWidget* parent)
    : QDialog(parent) {
    setObjectName(QStringLiteral("interventionDialog"));
    setWindowTitle(tr("Intervene and Re-analyze"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("The shown run's input is analyzed again, with the same analyses and parameters, on the model "
           "changed as below (training-free). The result is stored as a new run and compared with the "
           "shown one. A calibrated head's own statistics stay those of its attention before calibration; "
           "the change shows in the later layers and the outputs."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_fields = new InterventionFields(sinkRule, this);
    layout->addWidget(m_fields);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("interventionError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_error->hide();
    layout->addWidget(m_error);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Re-analyze"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (apply())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

bool InterventionDialog::apply() {
    auto parsed = m_fields->parse();
    if (!parsed) {
        m_error->setText(QStringLiteral("%1: %2").arg(QString::fromStdString(parsed.status().field()),
                                                      QString::fromStdString(parsed.status().message())));
        m_error->show();
        return false;
    }
    if (parsed->empty()) {
        m_error->setText(tr("Nothing to change: name heads to mask or calibrate, or layers to share."));
        m_error->show();
        return false;
    }
    m_interventions = std::move(parsed).value();
    m_error->hide();
    m_error->clear();
    return true;
}

void InterventionDialog::setInterventions(const nlohmann::json& record) {
    m_fields->setInterventions(record);
}

QString InterventionDialog::label() const {
    return m_fields->label();
}

QString InterventionDialog::errorText() const {
    return m_error->isVisible() || !m_error->text().isEmpty() ? m_error->text() : QString();
}

} // namespace attnscope::studio
