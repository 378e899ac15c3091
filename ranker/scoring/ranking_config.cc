#include "ranker/scoring/ranking_config.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <variant>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace feedrank::ranker {
namespace {

using Json = nlohmann::json;

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr double kMaxHours = 24.0 * 365 * 100;

// One numeric setting: where it lives in the JSON, where in the struct, and its range. Times are
// hours in JSON and milliseconds in the struct.
struct NumberField {
  const char* section;  // "" for the top level
  const char* key;
  std::variant<int RankingConfig::*, float RankingConfig::*, TimestampMs RankingConfig::*> member;
  double min;
  double max;
};

const std::vector<NumberField>& number_fields() {
  static const std::vector<NumberField> fields = {
      {"", "recency_half_life_hours", &RankingConfig::recency_half_life_ms, 1e-3, kMaxHours},
      {"", "affinity_half_life_hours", &RankingConfig::affinity_half_life_ms, 1e-3, kMaxHours},
      {"in_network", "per_author", &RankingConfig::in_network_per_author, 0, 1000},
      {"in_network", "total", &RankingConfig::in_network_total, 0, 10000},
      {"out_of_network", "k", &RankingConfig::out_of_network_k, 0, 1024},
      {"out_of_network", "max_age_hours", &RankingConfig::out_of_network_max_age_ms, 1e-3,
       kMaxHours},
      {"out_of_network", "max_scan_posts", &RankingConfig::out_of_network_max_scan_posts, 1, 1e9},
      {"network_engagement", "per_followee", &RankingConfig::network_engagement_per_followee, 0,
       1000},
      {"network_engagement", "total", &RankingConfig::network_engagement_total, 0, 10000},
      {"popular", "total", &RankingConfig::popular_total, 0, 10000},
      {"collaborative", "history", &RankingConfig::collaborative_history, 0, 10000},
      {"collaborative", "neighbours", &RankingConfig::collaborative_neighbours, 0, 1000},
      {"collaborative", "total", &RankingConfig::collaborative_total, 0, 10000},
      {"diversity", "author_decay", &RankingConfig::author_decay, 1e-3, 1},
      {"diversity", "author_floor", &RankingConfig::author_floor, 1e-3, 1},
      {"diversity", "mmr_penalty", &RankingConfig::mmr_penalty, 0, 100},
      {"", "ranked_list_size", &RankingConfig::ranked_list_size, 1, 5000},
  };
  return fields;
}

constexpr std::array<CandidateSource, 5> kScaledSources = {
    CandidateSource::kFollowing, CandidateSource::kOutOfNetwork,
    CandidateSource::kNetworkEngagement, CandidateSource::kPopular,
    CandidateSource::kCollaborative};

std::string path_of(std::string_view section, std::string_view key) {
  return section.empty() ? std::string(key) : fmt::format("{}.{}", section, key);
}

absl::Status invalid(std::string_view path, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", path, why));
}

absl::StatusOr<double> number_at(const Json& value, std::string_view path, double min, double max) {
  if (!value.is_number()) return invalid(path, "must be a number");
  const double number = value.get<double>();
  if (!std::isfinite(number)) return invalid(path, "must be a finite number");
  if (number < min || number > max) {
    return invalid(path, fmt::format("must be in [{}, {}], got {}", min, max, number));
  }
  return number;
}

absl::Status set_number(RankingConfig& config, const NumberField& field, double value,
                        std::string_view path) {
  return std::visit(
      [&](auto member) -> absl::Status {
        using Member = std::remove_cvref_t<decltype(config.*member)>;
        if constexpr (std::is_same_v<Member, int>) {
          if (value != std::floor(value)) return invalid(path, "must be a whole number");
          config.*member = static_cast<int>(value);
        } else if constexpr (std::is_same_v<Member, float>) {
          config.*member = static_cast<float>(value);
        } else {
          config.*member = static_cast<TimestampMs>(std::llround(value * kHour));
        }
        return absl::OkStatus();
      },
      field.member);
}

Json number_json(const RankingConfig& config, const NumberField& field) {
  return std::visit(
      [&](auto member) -> Json {
        using Member = std::remove_cvref_t<decltype(config.*member)>;
        if constexpr (std::is_same_v<Member, TimestampMs>) {
          return static_cast<double>(config.*member) / kHour;
        } else {
          return config.*member;
        }
      },
      field.member);
}

// Reads an object of name -> number into `out` through `find`, refusing unknown names.
template <class Find, class Store>
absl::Status read_named_numbers(const Json& object, std::string_view section, double min,
                                double max, Find find, Store store) {
  if (!object.is_object()) return invalid(section, "must be an object");
  for (const auto& [name, value] : object.items()) {
    const std::string path = path_of(section, name);
    auto index = find(name);
    if (!index) return invalid(path, "unknown name");
    auto number = number_at(value, path, min, max);
    if (!number.ok()) return number.status();
    store(*index, static_cast<float>(*number));
  }
  return absl::OkStatus();
}

std::optional<CandidateSource> scaled_source_by_name(std::string_view name) {
  for (CandidateSource source : kScaledSources) {
    if (source_name(source) == name) return source;
  }
  return std::nullopt;
}

const NumberField* find_field(std::string_view section, std::string_view key) {
  for (const NumberField& field : number_fields()) {
    if (section == field.section && key == field.key) return &field;
  }
  return nullptr;
}

bool is_section(std::string_view name) {
  for (const NumberField& field : number_fields()) {
    if (name == field.section && !name.empty()) return true;
  }
  return false;
}

absl::Status read_config(const Json& root, RankingConfig& config) {
  if (!root.is_object()) return invalid("(root)", "must be a JSON object");
  for (const auto& [key, value] : root.items()) {
    if (key == "version") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return invalid("version", "must be a non-empty string");
      }
      config.version = value.get<std::string>();
    } else if (key == "weights") {
      auto status = read_named_numbers(
          value, "weights", -1e6, 1e6, [](std::string_view name) { return feature_by_name(name); },
          [&](Feature f, float w) { config.weights[static_cast<int>(f)] = w; });
      if (!status.ok()) return status;
    } else if (key == "source_scales") {
      auto status = read_named_numbers(value, "source_scales", 1e-6, 1e6, scaled_source_by_name,
                                       [&](CandidateSource s, float scale) {
                                         config.source_scales[static_cast<int>(s)] = scale;
                                       });
      if (!status.ok()) return status;
    } else if (const NumberField* field = find_field("", key)) {
      auto number = number_at(value, key, field->min, field->max);
      if (!number.ok()) return number.status();
      if (auto status = set_number(config, *field, *number, key); !status.ok()) return status;
    } else if (is_section(key)) {
      if (!value.is_object()) return invalid(key, "must be an object");
      for (const auto& [inner, inner_value] : value.items()) {
        const std::string path = path_of(key, inner);
        const NumberField* inner_field = find_field(key, inner);
        if (inner_field == nullptr) return invalid(path, "unknown key");
        auto number = number_at(inner_value, path, inner_field->min, inner_field->max);
        if (!number.ok()) return number.status();
        if (auto status = set_number(config, *inner_field, *number, path); !status.ok()) {
          return status;
        }
      }
    } else {
      return invalid(key, "unknown key");
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view source_name(CandidateSource source) {
  switch (source) {
    case CandidateSource::kSelf:
      return "self";
    case CandidateSource::kFollowing:
      return "in_network";
    case CandidateSource::kOutOfNetwork:
      return "out_of_network";
    case CandidateSource::kNetworkEngagement:
      return "network_engagement";
    case CandidateSource::kPopular:
      return "popular";
    case CandidateSource::kCollaborative:
      return "collaborative";
  }
  return "unknown";
}

RankingConfig default_ranking_config() {
  RankingConfig config;
  config.version = "default-2";
  auto weight = [&](Feature f, float w) { config.weights[static_cast<int>(f)] = w; };
  // Priors: what the viewer's own history says (similarity, affinity, neighbours) counts most,
  // then the network's and the crowd's engagement, then freshness; counts are log1p'd.
  weight(Feature::kBias, 0.0f);
  weight(Feature::kSimilarity, 2.0f);
  weight(Feature::kRecency, 1.0f);
  weight(Feature::kAuthorAffinity, 1.0f);
  weight(Feature::kFollowsAuthor, 0.5f);
  weight(Feature::kViews, 0.05f);
  weight(Feature::kLikes, 0.3f);
  weight(Feature::kComments, 0.3f);
  weight(Feature::kShares, 0.3f);
  weight(Feature::kFolloweeEngagements, 0.5f);
  weight(Feature::kAuthorFollowers, 0.05f);
  weight(Feature::kAlreadyEngaged, -2.0f);
  weight(Feature::kCollaborative, 1.5f);
  weight(Feature::kLogAge, -0.2f);
  // The learned model's predicted preference (0 in the text space): a prior as strong as the
  // text similarity's; fit-ranker learns it from data.
  weight(Feature::kLearnedScore, 2.0f);
  config.source_scales.fill(1.0f);
  config.recency_half_life_ms = 24 * kHour;
  config.affinity_half_life_ms = 30 * 24 * kHour;
  config.in_network_per_author = 10;
  config.in_network_total = 500;
  config.out_of_network_k = 300;
  // A generous window, so that data with coarse or sparse timestamps still has candidates; the
  // scan budget bounds the cost on large corpora, and the recency features prefer fresh posts.
  config.out_of_network_max_age_ms = 90 * 24 * kHour;
  config.out_of_network_max_scan_posts = 100'000;
  config.network_engagement_per_followee = 20;
  config.network_engagement_total = 200;
  config.popular_total = 200;
  config.collaborative_history = 100;
  config.collaborative_neighbours = 50;
  config.collaborative_total = 300;
  config.author_decay = 0.7f;
  config.author_floor = 0.2f;
  config.mmr_penalty = 0.0f;
  config.ranked_list_size = 500;
  return config;
}

absl::StatusOr<RankingConfig> parse_ranking_config(std::string_view json) {
  Json root = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return invalid("(root)", "not valid JSON");
  RankingConfig config = default_ranking_config();
  if (auto status = read_config(root, config); !status.ok()) return status;
  return config;
}

absl::StatusOr<RankingConfig> load_ranking_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    return absl::NotFoundError(fmt::format("{}: cannot read the ranking config", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  auto config = parse_ranking_config(text.str());
  if (!config.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", path.string(), std::string(config.status().message())));
  }
  return config;
}

std::string to_json(const RankingConfig& config) {
  Json root = Json::object();
  root["version"] = config.version;
  Json& weights = root["weights"] = Json::object();
  for (Feature f : all_features()) {
    weights[std::string(feature_name(f))] = config.weights[static_cast<int>(f)];
  }
  Json& scales = root["source_scales"] = Json::object();
  for (CandidateSource source : kScaledSources) {
    scales[std::string(source_name(source))] = config.source_scales[static_cast<int>(source)];
  }
  for (const NumberField& field : number_fields()) {
    if (std::string_view(field.section).empty()) {
      root[field.key] = number_json(config, field);
    } else {
      root[field.section][field.key] = number_json(config, field);
    }
  }
  return root.dump(2) + "\n";
}

}  // namespace feedrank::ranker
