#include "api/http/query_to_proto.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "api/field_checks.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace feedrank::api::http {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A query component with its %XX escapes decoded and '+' read as a space (form encoding). A '%'
// not followed by two hex digits stays as sent: the field's own check then names what is wrong.
std::string decode_component(absl::string_view encoded) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string decoded;
  decoded.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      decoded += ' ';
    } else if (c == '%' && i + 2 < encoded.size() && hex(encoded[i + 1]) >= 0 &&
               hex(encoded[i + 2]) >= 0) {
      decoded += static_cast<char>(hex(encoded[i + 1]) * 16 + hex(encoded[i + 2]));
      i += 2;
    } else {
      decoded += c;
    }
  }
  return decoded;
}

// A name the route does not know, as an error message shows it: as sent when it looks like a
// parameter name, else quoted with its bytes escaped, so that an empty name or one holding
// ": " or control bytes still reads as a name.
std::string shown_name(const std::string& name) {
  const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
  return plain ? name : "'" + absl::CHexEscape(name) + "'";
}

absl::Status bad(const std::string& name, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", name, why));
}

// "FeedMode" -> "FEED_MODE_": the prefix protobuf's style guide gives an enum's values.
std::string enum_prefix(const EnumDescriptor& type) {
  std::string prefix;
  for (const char c : type.name()) {
    if (absl::ascii_isupper(c) && !prefix.empty()) prefix += '_';
    prefix += absl::ascii_toupper(c);
  }
  return prefix + "_";
}

const EnumValueDescriptor* find_enum_value(const EnumDescriptor& type, const std::string& text) {
  const std::string upper = absl::AsciiStrToUpper(text);
  if (const auto* value = type.FindValueByName(upper)) return value;
  return type.FindValueByName(enum_prefix(type) + upper);
}

std::string enum_choices(const EnumDescriptor& type) {
  const std::string prefix = enum_prefix(type);
  std::string choices;
  for (int i = 0; i < type.value_count(); ++i) {
    std::string name = type.value(i)->name();
    if (name.ends_with("_UNSPECIFIED")) continue;
    if (name.starts_with(prefix)) name = name.substr(prefix.size());
    if (!choices.empty()) choices += ", ";
    choices += absl::AsciiStrToLower(name);
  }
  return choices;
}

// absl's parsers also take spaces around a number and a leading '+'; a URL's number has neither.
bool is_plain_number(std::string_view text) {
  return !text.empty() && !absl::ascii_isspace(static_cast<unsigned char>(text.front())) &&
         !absl::ascii_isspace(static_cast<unsigned char>(text.back())) && text.front() != '+';
}

template <class Int>
absl::Status parse_integer(const std::string& name, const std::string& text, Int& value) {
  if (!is_plain_number(text) || !absl::SimpleAtoi(text, &value)) {
    return bad(name, fmt::format("'{}' is not a number (expected a {}-bit {}integer)", text,
                                 sizeof(Int) * 8, std::is_signed_v<Int> ? "" : "unsigned "));
  }
  return absl::OkStatus();
}

absl::Status set_value(const std::string& name, const std::string& text,
                       const FieldDescriptor& field, Message& message) {
  const Reflection& reflection = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      std::int32_t value = 0;
      if (auto status = parse_integer(name, text, value); !status.ok()) return status;
      repeated ? reflection.AddInt32(&message, &field, value)
               : reflection.SetInt32(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      std::int64_t value = 0;
      if (auto status = parse_integer(name, text, value); !status.ok()) return status;
      repeated ? reflection.AddInt64(&message, &field, value)
               : reflection.SetInt64(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      std::uint32_t value = 0;
      if (auto status = parse_integer(name, text, value); !status.ok()) return status;
      repeated ? reflection.AddUInt32(&message, &field, value)
               : reflection.SetUInt32(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      std::uint64_t value = 0;
      if (auto status = parse_integer(name, text, value); !status.ok()) return status;
      repeated ? reflection.AddUInt64(&message, &field, value)
               : reflection.SetUInt64(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double value = 0;
      if (!is_plain_number(text) || !absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
        return bad(name, fmt::format("'{}' is not a finite number", text));
      }
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        // Narrowing a double beyond a float's range is undefined (in practice infinity).
        if (std::abs(value) > std::numeric_limits<float>::max()) {
          return bad(name, fmt::format("'{}' is outside a float's range", text));
        }
        const auto narrow = static_cast<float>(value);
        repeated ? reflection.AddFloat(&message, &field, narrow)
                 : reflection.SetFloat(&message, &field, narrow);
      } else {
        repeated ? reflection.AddDouble(&message, &field, value)
                 : reflection.SetDouble(&message, &field, value);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value = false;
      if (!absl::SimpleAtob(text, &value)) {
        return bad(name, fmt::format("'{}' is not true or false", text));
      }
      repeated ? reflection.AddBool(&message, &field, value)
               : reflection.SetBool(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* value = find_enum_value(*field.enum_type(), text);
      if (value == nullptr) {
        return bad(name,
                   fmt::format("'{}' is not one of {}", text, enum_choices(*field.enum_type())));
      }
      repeated ? reflection.AddEnum(&message, &field, value)
               : reflection.SetEnum(&message, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING:
      // The gRPC server would not parse a string that is not UTF-8 (an INTERNAL error, no field).
      if (field.type() == FieldDescriptor::TYPE_STRING && !is_valid_utf8(text)) {
        return bad(name, "not valid UTF-8");
      }
      repeated ? reflection.AddString(&message, &field, text)
               : reflection.SetString(&message, &field, text);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return bad(name, "not a query parameter (a message field; use the gRPC API)");
}

}  // namespace

std::multimap<std::string, std::string> query_params(std::string_view target) {
  std::multimap<std::string, std::string> params;
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return params;
  const std::string_view query = target.substr(question + 1);
  for (const absl::string_view pair :
       absl::StrSplit(absl::string_view(query.data(), query.size()), '&', absl::SkipEmpty())) {
    const std::size_t equals = pair.find('=');
    const absl::string_view name = pair.substr(0, equals);
    const absl::string_view value =
        equals == absl::string_view::npos ? absl::string_view() : pair.substr(equals + 1);
    params.emplace(decode_component(name), decode_component(value));
  }
  return params;
}

absl::Status fill_from_query(const std::multimap<std::string, std::string>& params,
                             Message& message) {
  const auto& descriptor = *message.GetDescriptor();
  for (auto it = params.begin(); it != params.end();) {
    const std::string& name = it->first;
    const auto end = params.upper_bound(name);
    const FieldDescriptor* field = descriptor.FindFieldByName(name);
    if (field == nullptr) {
      std::vector<std::string> known;
      for (int i = 0; i < descriptor.field_count(); ++i)
        known.push_back(descriptor.field(i)->name());
      return bad(shown_name(name),
                 fmt::format("unknown parameter (this route takes: {})", fmt::join(known, ", ")));
    }
    std::vector<std::string> values;
    for (auto value = it; value != end; ++value) {
      if (field->is_repeated() && field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        std::vector<std::string> parts = absl::StrSplit(value->second, ',');
        values.insert(values.end(), parts.begin(), parts.end());
      } else {
        values.push_back(value->second);
      }
    }
    if (!field->is_repeated() && values.size() > 1) return bad(name, "given more than once");
    for (const std::string& value : values) {
      if (auto status = set_value(name, value, *field, message); !status.ok()) return status;
    }
    it = end;
  }
  return absl::OkStatus();
}

}  // namespace feedrank::api::http
