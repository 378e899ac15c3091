// Reading the tab-separated files of the HetRec data sets: a header line, then one row a line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace feedrank::datasets {

// Calls `row` with the tab-separated fields of every line after the header (a trailing '\r' is
// dropped, blank lines are skipped). The views are valid during the call only. NOT_FOUND if the
// file cannot be opened, DATA_LOSS if reading fails midway.
absl::Status for_each_tsv_row(
    const std::filesystem::path& path,
    const std::function<void(const std::vector<std::string_view>& fields)>& row);

// A decimal unsigned integer filling the whole field, or nothing.
std::optional<std::uint64_t> parse_decimal(std::string_view field);

}  // namespace feedrank::datasets
