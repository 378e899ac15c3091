// The replay reports that `feedrank replay --json` wrote into one folder (--replay-reports), for
// the explorer's replay panel: a replay rebuilds an engine from a data file, so it runs offline,
// and the server only shows what it wrote.
#pragma once

#include <filesystem>

namespace httplib {
class Server;
}

namespace feedrank::api::http {

// GET /v1/replay-reports: {"reports": ["cut-0.7.json", ...]}, the folder's *.json files by name
// (read at each request, so reports written after the start appear); GET
// /v1/replay-reports/NAME: one of them. An empty `folder` answers an empty list.
void serve_replay_reports(httplib::Server& server, std::filesystem::path folder);

}  // namespace feedrank::api::http
