// DicomQuery: PS3.4 C.2.2.2 attribute matching (dicom_query.h).
#include "services/dicom/dicom_query.h"

#include <algorithm>
#include <vector>

#include "common/ascii.h"

namespace skyarray::services::dicom {

namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

std::vector<std::string_view> split_values(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    auto pos = s.find('\\');
    out.push_back(trim_spaces(s.substr(0, pos)));
    if (pos == std::string_view::npos) break;
    s.remove_prefix(pos + 1);
  }
  return out;
}

bool has_wildcard(std::string_view s) {
  return s.find_first_of("*?") != std::string_view::npos;
}

// Length of the UTF-8 sequence starting with byte `c` (1 for a stray byte).
size_t utf8_length(unsigned char c) {
  if (c >= 0xF0 && c < 0xF8) return 4;
  if (c >= 0xE0) return c < 0xF0 ? 3 : 1;
  if (c >= 0xC0) return 2;
  return 1;
}

bool same_char(char a, char b, bool fold) {
  return fold ? ascii_lower(a) == ascii_lower(b) : a == b;
}

// Glob with '*' and '?' ('?' is one UTF-8 character); iterative with one
// backtrack point, so linear in practice and never recursive.
bool glob(std::string_view pat, std::string_view s, bool fold) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '?') {
      ++p;
      i += std::min(utf8_length(static_cast<unsigned char>(s[i])), s.size() - i);
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pat.size() && same_char(pat[p], s[i], fold)) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      mark += std::min(utf8_length(static_cast<unsigned char>(s[mark])), s.size() - mark);
      i = mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool range_matches(std::string_view pattern, std::string_view value) {
  auto dash = pattern.find('-');
  if (dash == std::string_view::npos) return pattern == value;
  if (value.empty()) return false;
  std::string_view lo = trim_spaces(pattern.substr(0, dash));
  std::string_view hi = trim_spaces(pattern.substr(dash + 1));
  // A time "1015" is the whole minute 10:15: compare on the shorter length
  // at the upper bound so that it includes its fractions.
  if (!lo.empty() && value < lo) return false;
  if (!hi.empty() && value.substr(0, std::max(hi.size(), size_t(1))) > hi) return false;
  return true;
}

bool number_matches(std::string_view pattern, std::string_view value) {
  auto a = parse_u64(pattern), b = parse_u64(value);
  if (a && b) return *a == *b;
  return pattern == value;
}

bool one_value_matches(MatchKind kind, std::string_view pattern, std::string_view value) {
  switch (kind) {
    case MatchKind::kUid:
      return pattern == value;
    case MatchKind::kDate:
    case MatchKind::kTime:
      return range_matches(pattern, value);
    case MatchKind::kNumber:
      return number_matches(pattern, value);
    case MatchKind::kPersonName:
      return glob(pattern, value, true);
    case MatchKind::kText:
      return has_wildcard(pattern) ? glob(pattern, value, false) : pattern == value;
  }
  return false;
}

bool holds(DicomLevel level, DicomTag t) {
  auto tags = level_tags(level);
  if (std::find(tags.begin(), tags.end(), t) != tags.end()) return true;
  if (t == tags::kModalitiesInStudy || t == tags::kNumberOfStudyRelatedSeries ||
      t == tags::kNumberOfStudyRelatedInstances) {
    return level == DicomLevel::kStudy;
  }
  return t == tags::kNumberOfSeriesRelatedInstances && level == DicomLevel::kSeries;
}

}  // namespace

std::string DicomQuery::exact(DicomTag t) const {
  auto it = keys.find(t);
  if (it == keys.end()) return "";
  std::string_view v = trim_spaces(it->second);
  if (v.find_first_of("*?\\-") != std::string_view::npos) return "";
  return std::string(v);
}

bool value_matches(MatchKind kind, std::string_view pattern, std::string_view value) {
  pattern = trim_spaces(pattern);
  if (pattern.empty() || pattern == "*") return true;  // universal matching
  std::vector<std::string_view> patterns =
      (kind == MatchKind::kDate || kind == MatchKind::kTime) && pattern.find('\\') == pattern.npos
          ? std::vector<std::string_view>{pattern}
          : split_values(pattern);
  for (std::string_view v : split_values(value)) {
    for (std::string_view p : patterns) {
      if (one_value_matches(kind, p, v)) return true;
    }
  }
  return false;
}

bool record_matches(const DicomQuery& query, const DicomRecord& record) {
  for (const auto& [t, pattern] : query.keys) {
    if (!holds(query.level, t)) continue;
    if (!value_matches(match_kind(t), pattern, record.get(t))) return false;
  }
  return true;
}

}  // namespace skyarray::services::dicom
