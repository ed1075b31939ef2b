// SPDX-License-Identifier: Apache-2.0
// Tools ▸ Embed Queries and Keys: the Q/K Space tab's job on the open model and the input text.
#include "main_window.h"

#include "../jobs/job_tracker.h"
#include "../views/model_input_panel.h"
#include "../views/qk_space_view.h"
#include "attnscope/analyses/generation_attention.h"
#include "attnscope/core/log.h"
#include "attnscope/tokenizers/tokenizer.h"
#include "model_job_input.h"

#include <QFileInfo>
#include <QTabWidget>

#include <memory>

namespace attnscope::studio {

quint64 MainWindow::embedQueriesAndKeys() {
    m_views->setCurrentWidget(m_qkSpace);
    QString tokenizerPath;
    if (refuseTextModelJob(tr("its tokens' queries and keys are embedded"), tokenizerPath))
        return 0;
    struct Job {
        std::string modelPath, tokenizerPath, text;
        analyses::QkEmbeddingRequest request;
        runtime::LoadOptions load;
        std::optional<analyses::QkEmbedding> embedding;
        std::vector<int32_t> ids;
        QStringList texts;
    };
    auto job = std::make_shared<Job>();
    job->modelPath = m_modelPath.toStdString();
    job->tokenizerPath = tokenizerPath.toStdString();
    job->text = m_modelPanel->inputText().toStdString();
    job->request = m_qkSpace->request();
    job->load = loadOptions();
    m_qkSpace->setComputing(true);
    return m_jobs->start(
        tr("Embedding queries and keys"),
        [job](const Progress& progress) -> Status {
            ATTNSCOPE_ASSIGN_OR_RETURN(
                ModelJobInput input,
                loadModelJobInput(job->modelPath, job->tokenizerPath, job->text, job->load));
            // The library refuses a head the layer lacks, naming it.
            ATTNSCOPE_ASSIGN_OR_RETURN(
                analyses::QkEmbedding embedding,
                analyses::qkEmbedding(*input.model, input.encoding.ids, job->request, progress));
            job->ids = input.encoding.ids;
            for (const std::string& text :
                 analyses::positionTexts(job->text, input.encoding.offsets, input.encoding.ids, {}, nullptr))
                job->texts << QString::fromStdString(text);
            job->embedding = std::move(embedding);
            return Status::ok();
        },
        [this, job](const Status& status) {
            m_qkSpace->setComputing(false);
            if (!status.isOk()) {
                showStatus(status.isCancelled() ? tr("Query/key embedding cancelled")
                                                : tr("Query/key embedding failed: %1")
                                                      .arg(QString::fromStdString(status.toString())));
                Q_EMIT queriesAndKeysEmbedded(false);
                return;
            }
            const QString source = QFileInfo(QString::fromStdString(job->modelPath)).fileName();
            m_qkSpace->setEmbedding(*job->embedding, job->texts, job->ids, source);
            m_views->setCurrentWidget(m_qkSpace);
            const QString message =
                tr("Embedded layer %1 head %2: %3 queries and keys by %4")
                    .arg(job->request.layer)
                    .arg(job->request.head)
                    .arg(job->embedding->sampled.size())
                    .arg(QString::fromLatin1(analyses::embeddingMethodName(job->request.method)));
            showStatus(message);
            log::info("qk", message.toStdString());
            Q_EMIT queriesAndKeysEmbedded(true);
        });
}

} // namespace attnscope::studio
