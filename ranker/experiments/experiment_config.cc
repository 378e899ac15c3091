#include "ranker/experiments/experiment_config.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <span>
#include <sstream>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace feedrank::ranker {
namespace {

using Json = nlohmann::json;

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr double kMaxAttributionHours = static_cast<double>(kMaxAttributionWindowMs) / kHour;

absl::Status invalid(std::string_view path, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", path, why));
}

std::string field(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

// An object whose keys are all in `allowed`: a misspelt key is an error, never silently ignored.
absl::Status check_keys(const Json& object, std::string_view path,
                        std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) return invalid(path.empty() ? "(root)" : path, "must be an object");
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) return invalid(field(path, key), "unknown key");
  }
  return absl::OkStatus();
}

// The member `key` of `object`, or null when absent.
const Json* member(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

absl::StatusOr<const Json*> required(const Json& object, std::string_view path, const char* key) {
  const Json* value = member(object, key);
  if (value == nullptr) return invalid(field(path, key), "required");
  return value;
}

// Ids and arm names end up in logs, metrics and URLs: keep them to a safe charset.
absl::StatusOr<std::string> read_name(const Json& value, std::string_view path) {
  if (!value.is_string()) return invalid(path, "must be a string");
  const std::string name = value.get<std::string>();
  if (name.empty() || name.size() > kMaxExperimentNameLength) {
    return invalid(path, fmt::format("must be 1..{} characters", kMaxExperimentNameLength));
  }
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '_' && c != '.' && c != '-') {
      return invalid(path, "may hold only letters, digits, '_', '.' and '-'");
    }
  }
  return name;
}

absl::StatusOr<TimestampMs> read_time_ms(const Json& value, std::string_view path) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<TimestampMs>::max());
  const bool in_range = value.is_number_unsigned()  ? value.get<std::uint64_t>() <= kMax
                        : value.is_number_integer() ? value.get<std::int64_t>() >= 0
                                                    : false;
  if (!in_range) return invalid(path, "must be a whole number >= 0");
  return value.get<TimestampMs>();
}

absl::StatusOr<FeedMode> read_mode(const Json& value, std::string_view path, bool interleaved_ok) {
  if (value.is_string()) {
    const std::string mode = value.get<std::string>();
    if (mode == "chronological") return FeedMode::kChronological;
    if (mode == "algorithmic") return FeedMode::kAlgorithmic;
    if (mode == "interleaved" && interleaved_ok) return FeedMode::kInterleaved;
  }
  return invalid(path, interleaved_ok ? R"(must be "chronological", "algorithmic" or "interleaved")"
                                      : R"(must be "chronological" or "algorithmic")");
}

// An inline ranking config in parse_ranking_config's format; its errors get our path in front.
absl::StatusOr<std::shared_ptr<const RankingConfig>> read_ranking(const Json& value,
                                                                  std::string_view path) {
  if (!value.is_object()) return invalid(path, "must be an object");
  auto config = parse_ranking_config(value.dump());
  // Its messages start with the field inside it ("weights.similarity: ..."): extend the path.
  if (!config.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}.{}", path, std::string(config.status().message())));
  }
  return std::make_shared<const RankingConfig>(*std::move(config));
}

// "ranking_config" of an arm or an interleaved list: read when the mode is algorithmic, refused
// otherwise (it would be silently unused).
absl::Status read_optional_ranking(const Json& object, std::string_view path, FeedMode mode,
                                   std::shared_ptr<const RankingConfig>& ranking) {
  const Json* value = member(object, "ranking_config");
  if (value == nullptr) return absl::OkStatus();
  const std::string ranking_path = field(path, "ranking_config");
  if (mode != FeedMode::kAlgorithmic) {
    return invalid(ranking_path, R"(only allowed with mode "algorithmic")");
  }
  auto config = read_ranking(*value, ranking_path);
  if (!config.ok()) return config.status();
  ranking = *std::move(config);
  return absl::OkStatus();
}

absl::StatusOr<ListVariant> read_list_variant(const Json& object, std::string_view path) {
  if (auto status = check_keys(object, path, {"mode", "ranking_config"}); !status.ok()) {
    return status;
  }
  auto mode_value = required(object, path, "mode");
  if (!mode_value.ok()) return mode_value.status();
  auto mode = read_mode(**mode_value, field(path, "mode"), /*interleaved_ok=*/false);
  if (!mode.ok()) return mode.status();
  ListVariant list{*mode, nullptr};
  if (auto status = read_optional_ranking(object, path, *mode, list.ranking); !status.ok()) {
    return status;
  }
  return list;
}

absl::Status read_interleave(const Json& value, std::string_view path, FeedVariant& variant) {
  if (!value.is_array() || value.size() != variant.teams.size()) {
    return invalid(path, "must be an array of 2 lists (team A's, team B's)");
  }
  for (std::size_t t = 0; t < variant.teams.size(); ++t) {
    auto list = read_list_variant(value[t], fmt::format("{}[{}]", path, t));
    if (!list.ok()) return list.status();
    variant.teams[t] = *std::move(list);
  }
  return absl::OkStatus();
}

absl::StatusOr<double> read_share(const Json& value, std::string_view path) {
  if (!value.is_number()) return invalid(path, "must be a number");
  const double share = value.get<double>();
  if (!std::isfinite(share) || share <= 0 || share > 1) {
    return invalid(path, fmt::format("must be in (0, 1], got {}", share));
  }
  return share;
}

// `shares_before`: the shares of the arms before this one, which its buckets follow.
absl::StatusOr<ArmConfig> read_arm(const Json& object, std::string_view path,
                                   double& shares_before) {
  if (auto status =
          check_keys(object, path, {"name", "share", "mode", "ranking_config", "interleave"});
      !status.ok()) {
    return status;
  }
  ArmConfig arm;
  for (const char* key : {"name", "share", "mode"}) {
    if (auto value = required(object, path, key); !value.ok()) return value.status();
  }
  auto name = read_name(object["name"], field(path, "name"));
  if (!name.ok()) return name.status();
  arm.name = *std::move(name);
  const std::string share_path = field(path, "share");
  auto share = read_share(object["share"], share_path);
  if (!share.ok()) return share.status();
  // The arm's buckets end where the running total of shares ends, rounded: rounding each share
  // alone made 0.12345 + 0.87655 into 1,235 + 8,766 buckets, more than there are.
  const auto bucket_of = [](double shares) { return std::llround(shares * kAssignmentBuckets); };
  arm.buckets = static_cast<int>(bucket_of(shares_before + *share) - bucket_of(shares_before));
  shares_before += *share;
  if (arm.buckets < 1) {
    return invalid(share_path, fmt::format("must be at least 1/{}", kAssignmentBuckets));
  }
  auto mode = read_mode(object["mode"], field(path, "mode"), /*interleaved_ok=*/true);
  if (!mode.ok()) return mode.status();
  arm.variant.mode = *mode;
  if (auto status = read_optional_ranking(object, path, *mode, arm.variant.ranking); !status.ok()) {
    return status;
  }
  if (const Json* interleave = member(object, "interleave")) {
    const std::string interleave_path = field(path, "interleave");
    if (*mode != FeedMode::kInterleaved) {
      return invalid(interleave_path, R"(only allowed with mode "interleaved")");
    }
    if (auto status = read_interleave(*interleave, interleave_path, arm.variant); !status.ok()) {
      return status;
    }
  }
  return arm;
}

absl::Status read_arms(const Json& value, std::string_view path, std::vector<ArmConfig>& arms) {
  if (!value.is_array() || value.empty()) return invalid(path, "must be a non-empty array");
  std::set<std::string, std::less<>> names;
  double shares = 0;  // of the arms read so far; their buckets end at its rounded total
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string arm_path = fmt::format("{}[{}]", path, i);
    auto arm = read_arm(value[i], arm_path, shares);
    if (!arm.ok()) return arm.status();
    if (!names.insert(arm->name).second) {
      return invalid(field(arm_path, "name"), fmt::format("duplicate arm name \"{}\"", arm->name));
    }
    arms.push_back(*std::move(arm));
  }
  if (std::llround(shares * kAssignmentBuckets) > kAssignmentBuckets) {
    return invalid(path, "shares add up to more than 1");
  }
  return absl::OkStatus();
}

absl::Status read_times(const Json& object, std::string_view path, ExperimentConfig& experiment) {
  for (auto [key, out] :
       {std::pair{"start_ms", &experiment.start_ms}, std::pair{"end_ms", &experiment.end_ms}}) {
    const Json* value = member(object, key);
    if (value == nullptr) continue;
    auto ms = read_time_ms(*value, field(path, key));
    if (!ms.ok()) return ms.status();
    *out = *ms;
  }
  if (experiment.start_ms != 0 && experiment.end_ms != 0 &&
      experiment.end_ms <= experiment.start_ms) {
    return invalid(field(path, "end_ms"), "must be after start_ms");
  }
  if (const Json* hours = member(object, "attribution_window_hours")) {
    const std::string hours_path = field(path, "attribution_window_hours");
    const double value = hours->is_number() ? hours->get<double>() : 0;
    if (!hours->is_number() || !std::isfinite(value) || value <= 0 ||
        value > kMaxAttributionHours) {
      return invalid(hours_path, fmt::format("must be a number in (0, {}]", kMaxAttributionHours));
    }
    experiment.attribution_window_ms = std::llround(value * kHour);
    if (experiment.attribution_window_ms < 1) {
      return invalid(hours_path, "must be at least a millisecond");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ExperimentConfig> read_experiment(const Json& object, std::string_view path) {
  if (auto status = check_keys(
          object, path, {"id", "salt", "arms", "start_ms", "end_ms", "attribution_window_hours"});
      !status.ok()) {
    return status;
  }
  for (const char* key : {"id", "salt", "arms"}) {
    if (auto value = required(object, path, key); !value.ok()) return value.status();
  }
  ExperimentConfig experiment;
  auto id = read_name(object["id"], field(path, "id"));
  if (!id.ok()) return id.status();
  experiment.id = *std::move(id);
  const Json& salt = object["salt"];
  if (!salt.is_string() || salt.get<std::string>().empty()) {
    return invalid(field(path, "salt"), "must be a non-empty string");
  }
  experiment.salt = salt.get<std::string>();
  if (auto status = read_times(object, path, experiment); !status.ok()) return status;
  if (auto status = read_arms(object["arms"], field(path, "arms"), experiment.arms); !status.ok()) {
    return status;
  }
  return experiment;
}

// Whether two experiments' windows ([start, end), 0 for open) share a moment.
bool windows_overlap(const ExperimentConfig& a, const ExperimentConfig& b) {
  const auto starts_before_ends = [](const ExperimentConfig& x, const ExperimentConfig& y) {
    return x.start_ms == 0 || y.end_ms == 0 || x.start_ms < y.end_ms;
  };
  return starts_before_ends(a, b) && starts_before_ends(b, a);
}

// Experiments at the same time need different salts: on one salt a viewer has the same bucket in
// both, so the viewers the first leaves all have the buckets past its arms, and the second's
// first arms get nobody (its arms would no longer be a random split).
absl::Status check_salt_unshared(std::span<const ExperimentConfig> before,
                                 const ExperimentConfig& experiment, std::string_view path) {
  for (std::size_t j = 0; j < before.size(); ++j) {
    if (before[j].salt == experiment.salt && windows_overlap(before[j], experiment)) {
      return invalid(field(path, "salt"),
                     fmt::format("the same as experiments[{}] (\"{}\"), whose time window "
                                 "overlaps this one's: give each experiment its own salt",
                                 j, before[j].id));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExperimentsConfig> parse_experiments_config(std::string_view json) {
  const Json root = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return invalid("(root)", "not valid JSON");
  if (auto status = check_keys(root, "", {"experiments"}); !status.ok()) return status;
  auto experiments = required(root, "", "experiments");
  if (!experiments.ok()) return experiments.status();
  if (!(*experiments)->is_array()) return invalid("experiments", "must be an array");
  ExperimentsConfig config;
  std::set<std::string, std::less<>> ids;
  for (std::size_t i = 0; i < (*experiments)->size(); ++i) {
    const std::string path = fmt::format("experiments[{}]", i);
    auto experiment = read_experiment((**experiments)[i], path);
    if (!experiment.ok()) return experiment.status();
    if (!ids.insert(experiment->id).second) {
      return invalid(field(path, "id"), fmt::format("duplicate id \"{}\"", experiment->id));
    }
    if (auto status = check_salt_unshared(config.experiments, *experiment, path); !status.ok()) {
      return status;
    }
    config.experiments.push_back(*std::move(experiment));
  }
  return config;
}

absl::StatusOr<ExperimentsConfig> load_experiments_config(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return absl::NotFoundError(fmt::format("{}: no such file", path.string()));
  }
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError(fmt::format("{}: cannot read", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  auto config = parse_experiments_config(text.str());
  if (!config.ok()) {
    return absl::Status(
        config.status().code(),
        fmt::format("{}: {}", path.string(), std::string(config.status().message())));
  }
  return config;
}

}  // namespace feedrank::ranker
