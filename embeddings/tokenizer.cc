#include "embeddings/tokenizer.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>

namespace feedrank::embeddings {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one code point at `pos`, advancing it; kInvalid for an ill-formed sequence, of which
// ICU consumes only the maximal ill-formed part, so a bad byte never swallows valid text after it.
char32_t decode(std::string_view s, std::size_t& pos) {
  auto i = static_cast<std::int32_t>(pos);
  UChar32 c;
  U8_NEXT(reinterpret_cast<const std::uint8_t*>(s.data()), i, static_cast<std::int32_t>(s.size()),
          c);
  pos = static_cast<std::size_t>(i);
  return c < 0 ? kInvalid : static_cast<char32_t>(c);
}

void append_utf8(std::string& out, char32_t cp) {
  std::uint8_t bytes[U8_MAX_LENGTH];
  std::int32_t length = 0;
  U8_APPEND_UNSAFE(bytes, length, cp);
  out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(length));
}

bool is_ascii_word(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// ASCII is most of the text we see, so it skips the ICU property lookups.
bool is_word_start(char32_t c) {
  if (c < 0x80) return is_ascii_word(c);
  return c != kInvalid && u_isalnum(static_cast<UChar32>(c));
}

bool is_combining_mark(char32_t c) {
  if (c < 0x300 || c == kInvalid) return false;
  const auto mask = U_GET_GC_MASK(static_cast<UChar32>(c));
  return (mask & (U_GC_MN_MASK | U_GC_MC_MASK | U_GC_ME_MASK)) != 0;
}

bool is_word_continue(char32_t c) { return is_word_start(c) || is_combining_mark(c); }

bool is_apostrophe(char32_t c) { return c == '\'' || c == 0x2019; }

char32_t fold(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
  return static_cast<char32_t>(u_foldCase(static_cast<UChar32>(c), U_FOLD_CASE_DEFAULT));
}

char32_t peek(std::string_view s, std::size_t pos) {
  return pos < s.size() ? decode(s, pos) : kInvalid;
}

bool starts_with_ascii_nocase(std::string_view s, std::size_t pos, std::string_view prefix) {
  if (s.size() - pos < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (static_cast<char>(fold(static_cast<unsigned char>(s[pos + i]))) != prefix[i]) return false;
  }
  return true;
}

bool is_space(char32_t c) { return c == kInvalid || c <= ' ' || u_isUWhiteSpace(c); }

class TokenScanner {
 public:
  TokenScanner(std::string_view text, absl::FunctionRef<void(std::string_view)> sink)
      : text_(text), sink_(sink) {}

  void run() {
    bool after_word = false;  // whether the previous code point was a word character
    while (pos_ < text_.size()) {
      if (!after_word && scan_url()) continue;
      const std::size_t start = pos_;
      const char32_t c = decode(text_, pos_);
      if ((c == '#' || c == '@') && !after_word && is_word_start(peek(text_, pos_))) {
        token_.assign(1, static_cast<char>(c));
        scan_word();
        after_word = true;
      } else if (is_word_start(c)) {
        pos_ = start;
        token_.clear();
        scan_word();
        after_word = true;
      } else {
        after_word = false;
      }
    }
  }

 private:
  // Appends the word at pos_ to token_ and emits it.
  void scan_word() {
    while (pos_ < text_.size()) {
      std::size_t next = pos_;
      char32_t c = decode(text_, next);
      if (is_apostrophe(c)) {
        std::size_t after = next;
        if (!is_word_start(peek(text_, after))) break;
        pos_ = next;  // dropped: "don't" and "dont" are one token
        continue;
      }
      if (!is_word_continue(c)) break;
      append_utf8(token_, fold(c));
      pos_ = next;
    }
    sink_(token_);
  }

  // At a URL start, emits its host and skips to the next whitespace.
  bool scan_url() {
    std::size_t host = pos_;
    if (starts_with_ascii_nocase(text_, pos_, "http://")) {
      host += 7;
    } else if (starts_with_ascii_nocase(text_, pos_, "https://")) {
      host += 8;
    } else if (!starts_with_ascii_nocase(text_, pos_, "www.")) {
      return false;
    }
    token_.clear();
    std::size_t p = host;
    while (p < text_.size()) {
      std::size_t next = p;
      const char32_t c = decode(text_, next);
      if (!(c == '.' || c == '-' || is_word_start(c))) break;
      append_utf8(token_, fold(c));
      p = next;
    }
    if (token_.starts_with("www.")) token_.erase(0, 4);
    while (!token_.empty() && (token_.back() == '.' || token_.back() == '-')) token_.pop_back();
    if (!token_.empty()) sink_(token_);
    pos_ = p;
    while (pos_ < text_.size()) {
      std::size_t next = pos_;
      if (is_space(decode(text_, next))) break;
      pos_ = next;
    }
    return true;
  }

  std::string_view text_;
  absl::FunctionRef<void(std::string_view)> sink_;
  std::size_t pos_ = 0;
  std::string token_;
};

}  // namespace

void for_each_token(std::string_view utf8, absl::FunctionRef<void(std::string_view)> token) {
  TokenScanner(utf8, token).run();
}

std::vector<std::string> tokenize(std::string_view utf8) {
  std::vector<std::string> tokens;
  for_each_token(utf8, [&](std::string_view t) { tokens.emplace_back(t); });
  return tokens;
}

}  // namespace feedrank::embeddings
