#include "storage_service/service/strict_json.h"

#include <cstddef>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "storage_service/service/text.h"

namespace opsbrain::service {
namespace {

// A recursive-descent recogniser; each Parse* consumes one production and
// returns false on the first deviation from the grammar.
class Recogniser {
 public:
  explicit Recogniser(absl::string_view text) : text_(text) {}

  bool ParseDocument() {
    SkipWhitespace();
    if (!ParseValue(0)) return false;
    SkipWhitespace();
    return pos_ == text_.size();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  void SkipWhitespace() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                        text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool ParseLiteral(absl::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  bool ParseValue(int depth) {
    switch (Peek()) {
      case '{':
        return ParseObject(depth + 1);
      case '[':
        return ParseArray(depth + 1);
      case '"':
        return ParseString();
      case 't':
        return ParseLiteral("true");
      case 'f':
        return ParseLiteral("false");
      case 'n':
        return ParseLiteral("null");
      default:
        return ParseNumber();
    }
  }

  bool ParseObject(int depth) {
    if (depth > kMaxJsonDepth || !Consume('{')) return false;
    SkipWhitespace();
    if (Consume('}')) return true;
    while (true) {
      SkipWhitespace();
      if (!ParseString()) return false;
      SkipWhitespace();
      if (!Consume(':')) return false;
      SkipWhitespace();
      if (!ParseValue(depth)) return false;
      SkipWhitespace();
      if (Consume('}')) return true;
      if (!Consume(',')) return false;
    }
  }

  bool ParseArray(int depth) {
    if (depth > kMaxJsonDepth || !Consume('[')) return false;
    SkipWhitespace();
    if (Consume(']')) return true;
    while (true) {
      SkipWhitespace();
      if (!ParseValue(depth)) return false;
      SkipWhitespace();
      if (Consume(']')) return true;
      if (!Consume(',')) return false;
    }
  }

  bool ParseDigits() {
    const size_t start = pos_;
    while (!AtEnd() &&
           absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) {
      ++pos_;
    }
    return pos_ > start;
  }

  bool ParseNumber() {
    Consume('-');
    if (Consume('0')) {
      // A leading zero stands alone: "01" is not a number.
    } else if (!ParseDigits()) {
      return false;
    }
    if (Consume('.') && !ParseDigits()) return false;
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (!Consume('+')) Consume('-');
      if (!ParseDigits()) return false;
    }
    return true;
  }

  // Reads four hex digits of a \u escape.
  bool ParseHex4(unsigned* code) {
    if (text_.size() - pos_ < 4) return false;
    *code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
      const unsigned digit = absl::ascii_isdigit(static_cast<unsigned char>(c))
                                 ? c - '0'
                                 : absl::ascii_tolower(c) - 'a' + 10;
      *code = *code * 16 + digit;
    }
    return true;
  }

  bool ParseEscape() {
    if (AtEnd()) return false;
    const char c = text_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        return true;
      case 'u': {
        unsigned code = 0;
        if (!ParseHex4(&code)) return false;
        if (code >= 0xDC00 && code <= 0xDFFF) return false;  // Lone low.
        if (code >= 0xD800 && code <= 0xDBFF) {
          unsigned low = 0;
          return Consume('\\') && Consume('u') && ParseHex4(&low) &&
                 low >= 0xDC00 && low <= 0xDFFF;
        }
        return true;
      }
      default:
        return false;
    }
  }

  bool ParseString() {
    if (!Consume('"')) return false;
    const size_t start = pos_;
    while (true) {
      if (AtEnd()) return false;
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') break;
      if (c < 0x20) return false;
      ++pos_;
      if (c == '\\' && !ParseEscape()) return false;
    }
    const absl::string_view raw = text_.substr(start, pos_ - start);
    ++pos_;
    return IsValidUtf8(raw);
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

bool IsStrictJson(absl::string_view text) {
  return Recogniser(text).ParseDocument();
}

}  // namespace opsbrain::service
