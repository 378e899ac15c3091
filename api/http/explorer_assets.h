// The explorer page's files (explorer/), built into the binary by embed_files.cmake so that the
// page needs nothing beside the server: no install step, no CDN, works offline.
#pragma once

#include <span>
#include <string_view>

namespace feedrank::api::http {

struct ExplorerAsset {
  std::string_view path;  // relative to explorer/, e.g. "explorer.js"
  std::string_view content_type;
  std::string_view content;
};

std::span<const ExplorerAsset> explorer_assets();

}  // namespace feedrank::api::http
