// feedrank generate: the synthetic corpus as JSON Lines.
#include <fstream>
#include <iostream>
#include <memory>

#include "tools/cli/commands.h"
#include "tools/datasets/jsonl_records.h"
#include "tools/datasets/synthetic_corpus.h"

namespace feedrank::cli {
namespace {

struct GenerateOptions {
  datasets::SyntheticCorpusOptions corpus;
  std::string out;
};

int run_generate(const GenerateOptions& options) {
  std::ofstream file;
  const bool to_stdout = options.out == "-";
  if (!to_stdout) {
    file.open(options.out, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "error: cannot write " << options.out << "\n";
      return 1;
    }
  }
  std::ostream& out = to_stdout ? std::cout : file;
  const auto counts = datasets::generate_synthetic_corpus(
      options.corpus, [&](const v1::IngestRecord& record, int /*topic*/) {
        out << datasets::to_jsonl_line(record) << '\n';
      });
  if (!counts.ok()) {
    std::cerr << "error: " << counts.status().message() << "\n";
    return 1;
  }
  out.flush();
  if (!out) {
    std::cerr << "error: writing " << options.out << " failed\n";
    return 1;
  }
  std::cerr << "generate: " << counts->users << " users, " << counts->follows << " follows, "
            << counts->posts << " posts, " << counts->engagements << " engagements -> "
            << options.out << "\n";
  return 0;
}

}  // namespace

Subcommand add_generate_command(CLI::App& root) {
  auto options = std::make_shared<GenerateOptions>();
  CLI::App* app = root.add_subcommand("generate", "Write the synthetic corpus as JSON Lines");
  app->add_option("--users", options->corpus.users, "Number of users")->capture_default_str();
  app->add_option("--posts", options->corpus.posts, "Number of posts")->capture_default_str();
  app->add_option("--seed", options->corpus.seed, "Random seed (same seed, same file)")
      ->capture_default_str();
  app->add_option("--engagements-per-user", options->corpus.engagements_per_user,
                  "Engagements drawn per user")
      ->capture_default_str();
  app->add_option("--out", options->out, "Output file ('-' for stdout)")->required();
  return {app, [options] { return run_generate(*options); }};
}

}  // namespace feedrank::cli
