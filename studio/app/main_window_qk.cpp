// SPDX-License-Identifier: Apache-2.0
// Tools ▸ Embed Queries and Keys: the Q/K Space tab's job on the open model and the input text.
#include "main_window.h"

#include "../jobs/job_tracker.h"
#include "../views/model_input_panel.h"
#include "../views/qk_space_view.h"
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
            const std::shared_ptr<runtime::Model>& model = input.model;
            const tokenizers::Encoding& encoding = input.encoding;
            if (job->request.head >= model->config().heads)
                return Status::invalidArgument("head " + std::to_string(job->request.head) +
                                               " is not one of the model's " +
                                               std::to_string(model->config().heads) + " query heads")
                    .atField("head");
            ATTNSCOPE_ASSIGN_OR_RETURN(analyses::QkEmbedding embedding,
                                       analyses::qkEmbedding(*model, encoding.ids, job->request, progress));
            job->ids = encoding.ids;
            for (std::size_t j = 0; j < encoding.ids.size(); ++j) {
                const auto [begin, end] =
                    j < encoding.offsets.size() ? encoding.offsets[j] : std::pair<int64_t, int64_t>{0, 0};
                job->texts << (end > begin && static_cast<std::size_t>(end) <= job->text.size()
                                   ? QString::fromStdString(
                                         job->text.substr(static_cast<std::size_t>(begin),
                                                          static_cast<std::size_t>(end - begin)))
                                   : QString());
            }
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
