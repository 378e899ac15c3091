// Text for HTML and SVG documents: the five characters with a meaning in markup become entities,
// so names and labels from data (arm names, artist tags) cannot break a page or a chart.
#pragma once

#include <string>
#include <string_view>

namespace feedrank {

inline std::string html_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

}  // namespace feedrank
