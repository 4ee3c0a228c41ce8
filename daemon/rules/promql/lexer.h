// Lexer of the rule expression language, internal to daemon/rules/promql: turns expression
// text into tokens carrying their byte offset, for the parser and its error messages.
// Lexical rules are PromQL's: identifiers may contain ':', `inf`/`nan` are numbers, keywords
// are case-insensitive, `#` starts a comment, strings use Go escapes or backquotes.
//
// Thread-compatible: one Lexer per parse; the free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "daemon/rules/promql/expr.h"

namespace vigie::daemon::promql {

enum class Tok {
  kEof,
  kIdent,
  kNumber,
  kDuration,
  kString,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kAt,
  kAssign,
  kEqlRegex,
  kNeqRegex,  // =  =~  !~  (inside braces)
  kOp,        // a binary operator; `op` says which
};

struct Token {
  Tok tok = Tok::kEof;
  size_t pos = 0;
  std::string text;  // identifier name, decoded string, raw number/duration
  double number = 0;
  int64_t duration_ms = 0;
  BinOp op = BinOp::kAdd;
};

// "<line>:<col>: <msg>" (1-based) for byte offset `pos` of `text`, as InvalidArgument.
absl::Status ErrorAt(std::string_view text, size_t pos, std::string_view msg);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Scans a duration ("1h30m") at text[i...]; returns its length, or 0 if there is none.
size_t ScanDuration(std::string_view text, size_t i, int64_t* ms, bool* overflow);

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // Reads the next token into *tok (Tok::kEof at the end of the text).
  absl::Status Next(Token* tok);

 private:
  absl::Status Scan();  // the next token into tok_
  absl::Status LexNumber();
  absl::Status LexString();
  absl::Status Error(size_t pos, std::string_view msg) const { return ErrorAt(text_, pos, msg); }

  std::string_view text_;
  size_t pos_ = 0;
  Token tok_;
};

}  // namespace vigie::daemon::promql
