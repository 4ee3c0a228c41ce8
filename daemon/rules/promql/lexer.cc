#include "daemon/rules/promql/lexer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <utility>

#include "common/status.h"
#include "common/strings.h"
#include "daemon/rules/promql/promql.h"
#include "fmt/format.h"

namespace vigie::daemon::promql {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Duration units, largest first.
constexpr std::pair<const char*, int64_t> kUnits[] = {
    {"y", 31'536'000'000}, {"w", 604'800'000}, {"d", 86'400'000}, {"h", 3'600'000},
    {"m", 60'000},         {"s", 1000},        {"ms", 1}};

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

absl::Status ErrorAt(std::string_view text, size_t pos, std::string_view msg) {
  int line = 1;
  int col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return absl::InvalidArgumentError(fmt::format("{}:{}: {}", line, col, msg));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

size_t ScanDuration(std::string_view text, size_t i, int64_t* ms, bool* overflow) {
  size_t start = i;
  int64_t total = 0;
  int last_unit = -1;
  *overflow = false;
  while (i < text.size() && IsDigit(text[i])) {
    size_t j = i;
    int64_t n = 0;
    while (j < text.size() && IsDigit(text[j])) {
      if (n > 1'000'000'000'000LL) {
        *overflow = true;
      } else {
        n = n * 10 + (text[j] - '0');
      }
      ++j;
    }
    int unit = -1;
    for (int u = 0; u < static_cast<int>(std::size(kUnits)); ++u) {
      std::string_view name = kUnits[u].first;
      if (text.substr(j, name.size()) == name) {
        // "m" must not eat the "m" of "ms".
        if (name == "m" && text.substr(j, 2) == "ms") continue;
        unit = u;
        break;
      }
    }
    if (unit < 0) break;
    size_t next = j + std::string_view(kUnits[unit].first).size();
    if (next < text.size() && !IsDigit(text[next]) &&
        (std::isalpha(static_cast<unsigned char>(text[next])) || text[next] == '_')) {
      break;
    }
    // Units must be in decreasing order and unique ("1h30m", not "30m1h").
    if (last_unit >= 0 && kUnits[unit].second >= kUnits[last_unit].second) return 0;
    last_unit = unit;
    if (n > INT64_MAX / kUnits[unit].second || total > INT64_MAX - n * kUnits[unit].second) {
      *overflow = true;
    } else {
      total += n * kUnits[unit].second;
    }
    i = next;
  }
  if (last_unit < 0) return 0;
  *ms = total;
  return i - start;
}

absl::Status Lexer::Next(Token* tok) {
  VIGIE_RETURN_IF_ERROR(Scan());
  *tok = std::move(tok_);
  return absl::OkStatus();
}

absl::Status Lexer::Scan() {
  while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  // Comments run to the end of the line.
  if (pos_ < text_.size() && text_[pos_] == '#') {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    return Scan();
  }
  tok_ = Token{};
  tok_.pos = pos_;
  if (pos_ >= text_.size()) return absl::OkStatus();
  char c = text_[pos_];
  char n = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  auto single = [&](Tok t, size_t len) {
    tok_.tok = t;
    tok_.text = std::string(text_.substr(pos_, len));
    pos_ += len;
    return absl::OkStatus();
  };
  auto op = [&](BinOp o, size_t len) {
    tok_.op = o;
    return single(Tok::kOp, len);
  };
  switch (c) {
    case '(':
      return single(Tok::kLParen, 1);
    case ')':
      return single(Tok::kRParen, 1);
    case '{':
      return single(Tok::kLBrace, 1);
    case '}':
      return single(Tok::kRBrace, 1);
    case '[':
      return single(Tok::kLBracket, 1);
    case ']':
      return single(Tok::kRBracket, 1);
    case ',':
      return single(Tok::kComma, 1);
    case ':':
      return single(Tok::kColon, 1);
    case '@':
      return single(Tok::kAt, 1);
    case '+':
      return op(BinOp::kAdd, 1);
    case '-':
      return op(BinOp::kSub, 1);
    case '*':
      return op(BinOp::kMul, 1);
    case '/':
      return op(BinOp::kDiv, 1);
    case '%':
      return op(BinOp::kMod, 1);
    case '^':
      return op(BinOp::kPow, 1);
    case '=':
      if (n == '=') return op(BinOp::kEq, 2);
      if (n == '~') return single(Tok::kEqlRegex, 2);
      return single(Tok::kAssign, 1);
    case '!':
      if (n == '=') return op(BinOp::kNe, 2);
      if (n == '~') return single(Tok::kNeqRegex, 2);
      return Error(pos_, "unexpected character after \"!\", expected \"=\" or \"~\"");
    case '>':
      if (n == '=') return op(BinOp::kGe, 2);
      return op(BinOp::kGt, 1);
    case '<':
      if (n == '=') return op(BinOp::kLe, 2);
      return op(BinOp::kLt, 1);
    case '"':
    case '\'':
    case '`':
      return LexString();
    default:
      break;
  }
  if (IsDigit(c) || (c == '.' && IsDigit(n))) return LexNumber();
  if (IsIdentStart(c)) {
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    tok_.text = std::string(text_.substr(start, pos_ - start));
    if (EqualsIgnoreCase(tok_.text, "inf") || EqualsIgnoreCase(tok_.text, "nan")) {
      tok_.tok = Tok::kNumber;
      tok_.number = EqualsIgnoreCase(tok_.text, "inf") ? HUGE_VAL : std::nan("");
      return absl::OkStatus();
    }
    static constexpr std::pair<const char*, BinOp> kWordOps[] = {
        {"and", BinOp::kAnd}, {"or", BinOp::kOr}, {"unless", BinOp::kUnless}};
    for (const auto& [word, o] : kWordOps) {
      if (EqualsIgnoreCase(tok_.text, word)) {
        tok_.tok = Tok::kOp;
        tok_.op = o;
        return absl::OkStatus();
      }
    }
    tok_.tok = Tok::kIdent;
    return absl::OkStatus();
  }
  return Error(pos_, fmt::format("unexpected character \"{}\"", std::string(1, c)));
}

absl::Status Lexer::LexNumber() {
  size_t start = pos_;
  int64_t ms = 0;
  bool overflow = false;
  if (size_t len = ScanDuration(text_, pos_, &ms, &overflow); len > 0) {
    if (overflow) return Error(start, "duration out of range");
    tok_.tok = Tok::kDuration;
    tok_.duration_ms = ms;
    tok_.text = std::string(text_.substr(pos_, len));
    pos_ += len;
    return absl::OkStatus();
  }
  size_t i = pos_;
  if (text_[i] == '0' && i + 1 < text_.size() && (text_[i + 1] == 'x' || text_[i + 1] == 'X')) {
    i += 2;
    while (i < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[i]))) ++i;
  } else {
    while (i < text_.size() && IsDigit(text_[i])) ++i;
    if (i < text_.size() && text_[i] == '.') {
      ++i;
      while (i < text_.size() && IsDigit(text_[i])) ++i;
    }
    if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
      size_t j = i + 1;
      if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) ++j;
      if (j < text_.size() && IsDigit(text_[j])) {
        i = j;
        while (i < text_.size() && IsDigit(text_[i])) ++i;
      }
    }
  }
  if (i < text_.size() && IsIdentChar(text_[i])) {
    return Error(start, fmt::format("bad number or duration syntax: \"{}\"",
                                    std::string(text_.substr(start, i + 1 - start))));
  }
  tok_.tok = Tok::kNumber;
  tok_.text = std::string(text_.substr(start, i - start));
  tok_.number = std::strtod(tok_.text.c_str(), nullptr);
  pos_ = i;
  return absl::OkStatus();
}

absl::Status Lexer::LexString() {
  size_t start = pos_;
  char quote = text_[pos_++];
  std::string out;
  while (true) {
    if (pos_ >= text_.size() || (quote != '`' && text_[pos_] == '\n')) {
      return Error(start, "unterminated quoted string");
    }
    char c = text_[pos_++];
    if (c == quote) break;
    if (c != '\\' || quote == '`') {
      out += c;
      continue;
    }
    if (pos_ >= text_.size()) return Error(start, "unterminated quoted string");
    size_t esc = pos_ - 1;
    char e = text_[pos_++];
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
      case '\'':
        if (e != quote) return Error(esc, fmt::format("unknown escape sequence \"\\{}\"", e));
        out += e;
        break;
      case 'x':
      case 'u':
      case 'U': {
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (pos_ + digits > text_.size()) return Error(esc, "invalid escape sequence");
        std::string hex(text_.substr(pos_, digits));
        if (!std::all_of(hex.begin(), hex.end(),
                         [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); })) {
          return Error(esc, "invalid escape sequence");
        }
        uint32_t v = static_cast<uint32_t>(std::strtoul(hex.c_str(), nullptr, 16));
        pos_ += digits;
        if (e == 'x') {
          out += static_cast<char>(v);
        } else {
          if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) {
            return Error(esc, "escape sequence is an invalid Unicode code point");
          }
          AppendUtf8(out, v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (pos_ + 2 > text_.size()) return Error(esc, "invalid escape sequence");
          std::string oct(text_.substr(pos_ - 1, 3));
          if (!std::all_of(oct.begin(), oct.end(), [](char o) { return o >= '0' && o <= '7'; })) {
            return Error(esc, "invalid escape sequence");
          }
          long v = std::strtol(oct.c_str(), nullptr, 8);
          if (v > 255) return Error(esc, "octal escape value > 255");
          out += static_cast<char>(v);
          pos_ += 2;
          break;
        }
        return Error(esc, fmt::format("unknown escape sequence \"\\{}\"", e));
    }
  }
  tok_.tok = Tok::kString;
  tok_.text = std::move(out);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseDuration(std::string_view text) {
  int64_t ms = 0;
  bool overflow = false;
  size_t len = ScanDuration(text, 0, &ms, &overflow);
  if (len == 0 || len != text.size()) {
    return absl::InvalidArgumentError(fmt::format("invalid duration \"{}\"", text));
  }
  if (overflow) {
    return absl::InvalidArgumentError(fmt::format("duration \"{}\" out of range", text));
  }
  return ms;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  for (const auto& [unit, size] : kUnits) {
    if (ms >= size) {
      StrAppend(out, ms / size, unit);
      ms %= size;
    }
  }
  return out;
}

}  // namespace vigie::daemon::promql
