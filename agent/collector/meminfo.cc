#include "agent/collector/meminfo.h"

#include <string_view>
#include <utility>

#include "agent/collector/collector_util.h"

namespace vigie::agent {

absl::Status ParseMeminfo(std::string_view content, std::vector<MeminfoField>& out) {
  out.clear();
  return ForEachFieldLine(content, "/proc/meminfo", [&](const auto& fields) {
    const size_t n = fields.size();
    MeminfoField f;
    const bool key_ok = fields[0].size() > 1 && fields[0].back() == ':';
    const bool unit_ok = n == 2 || (n == 3 && fields[2] == "kB");
    if (!key_ok || !unit_ok || !ParseUint64(fields[1], f.value)) return false;
    f.key = fields[0].substr(0, fields[0].size() - 1);
    f.has_unit = n == 3;
    if (f.has_unit) f.value *= 1024;
    out.push_back(f);
    return true;
  });
}

void MeminfoMetricName(const MeminfoField& field, std::string& out) {
  out.assign("node_memory_");
  // Names the mechanical rule below would turn into something promtool's
  // linter refuses ("sec" reads as an abbreviated unit, "_total" on a gauge).
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"SecPageTables", "secondary_page_tables"},
      {"HugePages_Total", "huge_pages_pool"},
  };
  for (const auto& [key, name] : kOverrides) {
    if (field.key == key) {
      out.append(name);
      if (field.has_unit) out.append("_bytes");
      return;
    }
  }
  const std::string_view key = field.key;
  auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto is_lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto separate = [&] {
    if (out.back() != '_') out.push_back('_');
  };
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const char prev = i > 0 ? key[i - 1] : '_';
    if (c == '(' || c == ')' || c == '_') {
      if (i + 1 < key.size()) separate();  // "Active(anon)" -> active_anon
      continue;
    }
    if (is_upper(c) && is_lower(prev)) {
      separate();  // MemTotal -> mem_total; an upper-case run stays one word
    } else if (is_digit(c) && !is_digit(prev)) {
      separate();  // DirectMap4k -> direct_map_4k
    }
    out.push_back(is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c);
  }
  if (field.has_unit) out.append("_bytes");
}

std::optional<uint64_t> FindMeminfoField(const std::vector<MeminfoField>& fields,
                                         std::string_view key) {
  for (const MeminfoField& f : fields) {
    if (f.key == key) return f.value;
  }
  return std::nullopt;
}

}  // namespace vigie::agent
