// SPDX-License-Identifier: Apache-2.0
#include "prepared_run.h"

#include "render/figures.h"

#include <algorithm>
#include <cmath>

namespace attnscope::studio {

const store::ArrayRecord* PreparedRun::array(std::string_view name) const {
    if (!record)
        return nullptr;
    for (const store::ArrayRecord& a : record->arrays)
        if (a.name == name)
            return &a;
    return nullptr;
}

std::vector<QImage> headThumbnails(const store::RunRecord& run) {
    std::vector<QImage> thumbnails;
    for (const store::ArrayRecord& a : run.arrays) {
        if (a.name != "attention.block_sum" || a.shape.size() != 4 || a.shape[2] != a.shape[3])
            continue;
        const int heads = static_cast<int>(a.shape[0] * a.shape[1]), nb = static_cast<int>(a.shape[2]);
        thumbnails.clear();
        for (int k = 0; k < heads; ++k) {
            const float* grid = a.f32.data() + static_cast<std::size_t>(k) * nb * nb;
            const float top = *std::max_element(grid, grid + static_cast<std::ptrdiff_t>(nb) * nb);
            QImage image(nb, nb, QImage::Format_RGB32);
            for (int i = 0; i < nb; ++i) {
                auto* line = reinterpret_cast<QRgb*>(image.scanLine(i));
                for (int j = 0; j < nb; ++j) {
                    const double v = grid[static_cast<std::size_t>(i) * nb + j];
                    const double t =
                        j > i || top <= 0
                            ? -1
                            : std::clamp(std::log10(std::max(v, top * 1e-4) / top) / 4 + 1, 0.0, 1.0);
                    line[j] = t < 0 ? qRgb(245, 245, 245) : render::viridis(t).rgb();
                }
            }
            thumbnails.push_back(std::move(image));
        }
    }
    return thumbnails;
}

TokenLayout tokenLayout(const store::RunRecord& run) {
    TokenLayout layout;
    const std::string& input = run.input.text;
    layout.spans.reserve(run.input.offsets.size());
    int64_t shown = 0;
    for (const auto& [begin, end] : run.input.offsets) {
        const int at = static_cast<int>(layout.text.size());
        if (begin < shown || end <= begin || end > static_cast<int64_t>(input.size())) {
            layout.spans.emplace_back(at, at);
            continue;
        }
        layout.text += QString::fromUtf8(input.data() + begin, static_cast<qsizetype>(end - begin))
                           .replace(QLatin1Char('\n'), QStringLiteral("↵\n"));
        layout.spans.emplace_back(at, static_cast<int>(layout.text.size()));
        shown = end;
    }
    return layout;
}

PreparedRun prepareRun(store::RunRecord run) {
    PreparedRun prepared;
    prepared.thumbnails = headThumbnails(run);
    prepared.tokens = tokenLayout(run);
    prepared.record = std::make_shared<const store::RunRecord>(std::move(run));
    return prepared;
}

Expected<PreparedRun> loadPreparedRun(const std::string& projectPath, int64_t id) {
    ATTNSCOPE_ASSIGN_OR_RETURN(store::Project project,
                               store::Project::open(projectPath, store::OpenMode::ReadOnly));
    ATTNSCOPE_ASSIGN_OR_RETURN(store::RunRecord run, project.run(id));
    ATTNSCOPE_ASSIGN_OR_RETURN(std::vector<store::Annotation> notes, project.annotations(id));
    PreparedRun prepared = prepareRun(std::move(run));
    prepared.projectPath = projectPath;
    prepared.notes = std::move(notes);
    return prepared;
}

} // namespace attnscope::studio
