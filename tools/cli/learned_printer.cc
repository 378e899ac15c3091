#include "tools/cli/learned_printer.h"

#include <cmath>

#include "fmt/format.h"
#include "tools/cli/time_format.h"

namespace feedrank::cli {
namespace {

// The loss is NaN when the server computes none (a loss tolerance of 0).
std::string loss_text(double loss) { return std::isnan(loss) ? "-" : fmt::format("{:.4g}", loss); }

}  // namespace

std::string model_summary(const v1::LearnedModelInfo& model) {
  return fmt::format(
      "v{}: {} users, {} posts, {} engagement pairs; {} iterations{}, loss {}; {:.1f} s on {}; "
      "trained at {} through sequence {}",
      model.version(), model.users(), model.posts(), model.engagement_pairs(), model.iterations(),
      model.converged() ? ", converged" : "", loss_text(model.final_loss()), model.train_seconds(),
      model.backend(), format_iso8601_utc(model.trained_at_ms()), model.trained_through());
}

std::string progress_line(const v1::TrainingProgress& training) {
  if (training.phase() == "training" && training.iteration() > 0) {
    return fmt::format("iteration {}/{} loss {}", training.iteration(), training.max_iterations(),
                       loss_text(training.loss()));
  }
  return training.phase();
}

std::string training_summary(const v1::TrainingProgress& training) {
  const std::string finished = fmt::format("{} finished since start", training.finished());
  if (training.running()) {
    std::string state = training.phase();
    if (training.iteration() > 0) {
      state += fmt::format(", iteration {}/{}, loss {}", training.iteration(),
                           training.max_iterations(), loss_text(training.loss()));
    }
    return fmt::format("running ({}); {}", state, finished);
  }
  if (training.phase().empty()) return "none since start";
  return fmt::format("idle (last: {}); {}", training.phase(), finished);
}

nlohmann::ordered_json learned_json(const v1::LearnedSpaceStatus& learned) {
  nlohmann::ordered_json model = nullptr;
  if (learned.has_model()) {
    const v1::LearnedModelInfo& m = learned.model();
    model = {{"version", m.version()},
             {"trained_at_ms", m.trained_at_ms()},
             {"trained_through", m.trained_through()},
             {"users", m.users()},
             {"posts", m.posts()},
             {"engagement_pairs", m.engagement_pairs()},
             {"iterations", m.iterations()},
             {"converged", m.converged()},
             {"final_loss", m.final_loss()},
             {"train_seconds", m.train_seconds()},
             {"backend", m.backend()}};
  }
  const v1::TrainingProgress& t = learned.training();
  return {{"model", model},
          {"index", learned.index()},
          {"index_lag", learned.index_lag()},
          {"training",
           {{"running", t.running()},
            {"phase", t.phase()},
            {"iteration", t.iteration()},
            {"max_iterations", t.max_iterations()},
            {"loss", t.loss()},
            {"finished", t.finished()}}},
          {"training_backend", learned.training_backend()}};
}

}  // namespace feedrank::cli
