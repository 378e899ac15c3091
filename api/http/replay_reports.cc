#include "api/http/replay_reports.h"

#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "api/field_checks.h"
#include "api/http/http_status.h"
#include "nlohmann/json.hpp"

namespace feedrank::api::http {
namespace {

// The folder's *.json files. A name that is not UTF-8 is left out: JSON cannot hold it (its
// dump() threw, and every listing failed), and no URL the listing gives could name it. So is a
// symbolic link, which could lead anywhere outside the folder.
std::vector<std::string> report_names(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  std::error_code error;
  if (folder.empty()) return names;
  for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end;
       it.increment(error)) {
    std::string name = it->path().filename().string();
    if (it->symlink_status(error).type() == std::filesystem::file_type::regular &&
        it->path().extension() == ".json" && is_valid_utf8(name)) {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

void serve_replay_reports(httplib::Server& server, std::filesystem::path folder) {
  server.Get("/v1/replay-reports", [folder](const httplib::Request&, httplib::Response& http) {
    http.set_content(nlohmann::json{{"reports", report_names(folder)}}.dump(), "application/json");
  });
  server.Get(R"(/v1/replay-reports/([^/]+))",
             [folder](const httplib::Request& request, httplib::Response& http) {
               const std::string name = request.matches[1];
               // Only a name the listing gives: nothing outside the folder can be asked for.
               const std::vector<std::string> names = report_names(folder);
               std::ifstream file;
               if (std::find(names.begin(), names.end(), name) != names.end()) {
                 file.open(folder / name, std::ios::binary);
               }
               if (!file.is_open()) {
                 answer_error(request, http, grpc::StatusCode::NOT_FOUND,
                              "name: no replay report '" + name + "'");
                 return;
               }
               std::ostringstream content;
               content << file.rdbuf();
               http.set_content(content.str(), "application/json");
             });
}

}  // namespace feedrank::api::http
