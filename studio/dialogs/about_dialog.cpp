// SPDX-License-Identifier: Apache-2.0
#include "about_dialog.h"

#include "attnscope/runtime/environment.h"
#include "attnscope/version.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QVBoxLayout>
#include <QtGlobal>

#include <vtkVersion.h>

namespace attnscope::studio {

QString aboutHtml() {
    QString html =
        QStringLiteral("<h2>AttnScope %1</h2><p>A studio for attention analysis: sinks, retrieval "
                       "heads, layer similarity, sparsity masks and gaze scanpaths, computed inside "
                       "instrumented attention kernels.</p><table>")
            .arg(QStringLiteral(ATTNSCOPE_VERSION_STRING));
    auto row = [&html](const QString& key, const QString& value) {
        html += QStringLiteral("<tr><td><b>%1</b>&nbsp;&nbsp;</td><td>%2</td></tr>")
                    .arg(key, value.toHtmlEscaped());
    };
    row(QStringLiteral("Build"), QStringLiteral(ATTNSCOPE_BUILD_TYPE ", " ATTNSCOPE_COMPILER));
    row(QStringLiteral("Qt"), QString::fromLatin1(qVersion()));
    row(QStringLiteral("VTK"), QString::fromLatin1(vtkVersion::GetVTKVersion()));
    auto environment = runtime::queryEnvironment();
    if (environment) {
        row(QStringLiteral("LibTorch"), QString::fromStdString(environment->torchVersion));
        row(QStringLiteral("BLAS"),
            QString::fromStdString(environment->blasLibrary) +
                (environment->referenceBlas ? QStringLiteral(" (reference: slow)") : QString()));
        for (const auto& backend : environment->backends)
            row(QStringLiteral("Backend ") + QString::fromStdString(backend.name),
                (backend.available ? QStringLiteral("available") : QStringLiteral("unavailable")) +
                    QStringLiteral(" — ") + QString::fromStdString(backend.detail));
    } else {
        row(QStringLiteral("LibTorch"), QString::fromStdString(environment.status().toString()));
    }
    html += QStringLiteral("</table><p>Licensed under the Apache License 2.0. Uses Qt (LGPLv3), VTK (BSD), "
                           "LibTorch (BSD), OpenBLAS (BSD).</p>");
    return html;
}

AboutDialog::AboutDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About AttnScope"));
    auto* layout = new QVBoxLayout(this);
    auto* text = new QLabel(aboutHtml(), this);
    text->setTextFormat(Qt::RichText);
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    text->setMinimumWidth(520);
    layout->addWidget(text);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

} // namespace attnscope::studio
