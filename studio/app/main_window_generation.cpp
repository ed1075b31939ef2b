// SPDX-License-Identifier: Apache-2.0
// Tools ▸ Generate with Attention: the Generation tab's job on the open model, the input text as prompt.
#include "main_window.h"

#include "../jobs/job_tracker.h"
#include "../views/generation_view.h"
#include "../views/model_input_panel.h"
#include "attnscope/core/log.h"
#include "model_job_input.h"

#include <algorithm>

#include <QFileInfo>
#include <QTabWidget>

#include <memory>

namespace attnscope::studio {

quint64 MainWindow::generateWithAttention() {
    m_views->setCurrentWidget(m_generation);
    QString tokenizerPath;
    if (refuseTextModelJob(tr("it is the prompt"), tokenizerPath))
        return 0;
    struct Job {
        std::string modelPath, tokenizerPath, text;
        runtime::GenerateOptions options;
        int keys = 8;
        runtime::LoadOptions load;
        std::optional<analyses::GenerationAttention> trace;
        std::vector<std::string> texts;
        std::string continuation;
    };
    auto job = std::make_shared<Job>();
    job->modelPath = m_modelPath.toStdString();
    job->tokenizerPath = tokenizerPath.toStdString();
    job->text = m_modelPanel->inputText().toStdString();
    job->options = m_generation->options();
    job->keys = m_generation->keysPerHead();
    job->load = loadOptions();
    m_generation->setGenerating(true);
    return m_jobs->start(
        tr("Generating with attention"),
        [job](const Progress& progress) -> Status {
            // generate() runs the prompt and every new token but the last: N − 1 more positions.
            ATTNSCOPE_ASSIGN_OR_RETURN(
                ModelJobInput input,
                loadModelJobInput(job->modelPath, job->tokenizerPath, job->text, job->load,
                                  static_cast<std::size_t>(std::max(job->options.maxNewTokens - 1, 0))));
            const std::shared_ptr<runtime::Model>& model = input.model;
            const tokenizers::Encoding& encoding = input.encoding;
            const std::unique_ptr<tokenizers::Tokenizer>& tokenizer = input.tokenizer;
            ATTNSCOPE_ASSIGN_OR_RETURN(
                analyses::GenerationAttention trace,
                analyses::generateWithAttention(model, encoding.ids, job->options, job->keys, progress));
            ATTNSCOPE_ASSIGN_OR_RETURN(job->continuation,
                                       tokenizer->decode(trace.generated(), /*skipSpecial=*/true));
            job->texts = analyses::positionTexts(job->text, encoding.offsets, encoding.ids, trace.generated(),
                                                 tokenizer.get());
            job->trace = std::move(trace);
            return Status::ok();
        },
        [this, job](const Status& status) {
            m_generation->setGenerating(false);
            if (!status.isOk()) {
                showStatus(status.isCancelled()
                               ? tr("Generation cancelled")
                               : tr("Generation failed: %1").arg(QString::fromStdString(status.toString())));
                Q_EMIT generationTraced(false);
                return;
            }
            const int steps = static_cast<int>(job->trace->steps.size());
            m_generation->setTrace(std::move(*job->trace), std::move(job->texts), job->options,
                                   job->continuation, job->modelPath);
            m_views->setCurrentWidget(m_generation);
            const QString message = tr("Generated %1 tokens: %2")
                                        .arg(steps)
                                        .arg(QString::fromStdString(job->continuation).simplified().left(80));
            showStatus(message);
            log::info("generation", message.toStdString());
            Q_EMIT generationTraced(true);
        });
}

} // namespace attnscope::studio
