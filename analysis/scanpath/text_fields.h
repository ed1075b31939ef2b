// SPDX-License-Identifier: Apache-2.0
// Line and field helpers shared by the scanpath importers (private to analysis/scanpath).
#pragma once

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::scanpath::text {

/// Calls `visit(lineNumber, line)` for each line (1-based; '\r' before '\n' dropped); stops when
/// `visit` returns false.
template <typename Visit>
void forEachLine(std::string_view text, Visit&& visit) {
    std::size_t start = 0;
    for (int number = 1; start < text.size(); ++number) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (!visit(number, line))
            return;
        start = end + 1;
    }
}

/// `text` without a leading UTF-8 byte-order mark (spreadsheets write one before the header).
inline std::string_view withoutBom(std::string_view text) {
    return text.substr(0, 3) == "\xEF\xBB\xBF" ? text.substr(3) : text;
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

/// Splits on runs of spaces and tabs.
inline std::vector<std::string_view> splitWhitespace(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        const std::size_t begin = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > begin)
            fields.push_back(line.substr(begin, i - begin));
    }
    return fields;
}

/// Splits one line on `delimiter` (0: runs of whitespace); double-quoted fields may hold the
/// delimiter, "" is a quote. Returns nullopt for an unterminated quote.
inline std::optional<std::vector<std::string>> splitFields(std::string_view line, char delimiter) {
    std::vector<std::string> fields;
    if (delimiter == 0) {
        for (const auto field : splitWhitespace(line))
            fields.emplace_back(field);
        return fields;
    }
    std::string field;
    bool inQuotes = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (inQuotes) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                inQuotes = false;
            } else {
                field += c;
            }
        } else if (c == '"' && trim(field).empty()) {
            field.clear();
            inQuotes = true;
        } else if (c == delimiter) {
            fields.emplace_back(trim(field));
            field.clear();
        } else {
            field += c;
        }
    }
    if (inQuotes)
        return std::nullopt;
    fields.emplace_back(trim(field));
    return fields;
}

inline char detectDelimiter(std::string_view header) {
    for (const char candidate : {'\t', ',', ';'})
        if (header.find(candidate) != std::string_view::npos)
            return candidate;
    return 0;
}

/// The value of a numeric field; nullopt for garbage; NaN for a missing value ("." "NA" "NaN" "").
inline std::optional<double> parseNumber(std::string_view field) {
    field = trim(field);
    if (field.empty() || field == "." || field == "NA" || field == "NaN" || field == "nan" ||
        field == "MISSING_DATA")
        return std::nan("");
    if (field.front() == '+')
        field.remove_prefix(1);
    double value = 0.0;
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (error != std::errc() || end != field.data() + field.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

/// A field quoted for an error message: at most 40 bytes, control characters as '?'.
inline std::string quoted(std::string_view field) {
    std::string out = "'";
    for (std::size_t i = 0; i < field.size() && i < 40; ++i)
        out += static_cast<unsigned char>(field[i]) < 0x20 ? '?' : field[i];
    if (field.size() > 40)
        out += "...";
    return out + "'";
}

} // namespace attnscope::scanpath::text
