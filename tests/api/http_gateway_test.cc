// The HTTP/JSON gateway over real HTTP against a real server: each route answers the gRPC
// response in the proto's JSON mapping, query parameters fill the request, the service's own
// validation answers with its own messages as HTTP codes, and the explorer page is served.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "nlohmann/json.hpp"
#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class HttpGateway : public ApiTest {
 protected:
  void configure(api::ServerOptions& options) override {
    options.http_listen_address = "127.0.0.1:0";
  }

  httplib::Result get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client http("http://" + server().http_address());
    http.set_read_timeout(30);
    return http.Get(path, headers);
  }

  // A 200 answer parsed back into the response message (strictly: an unknown key fails).
  template <class Response>
  Response get_ok(const std::string& path) {
    auto result = get(path);
    Response response;
    if (!result) {
      ADD_FAILURE() << path << ": no answer";
      return response;
    }
    EXPECT_EQ(result->status, 200) << path << ": " << result->body;
    EXPECT_THAT(result->get_header_value("Content-Type"), StartsWith("application/json"));
    const auto status = google::protobuf::util::JsonStringToMessage(result->body, &response);
    EXPECT_TRUE(status.ok()) << status.message() << " in " << result->body;
    return response;
  }

  // A failed call: the HTTP status and the body's code and message.
  struct Failure {
    int status = 0;
    std::string code;
    std::string message;
  };
  Failure get_error(const std::string& path) {
    auto result = get(path);
    if (!result) {
      ADD_FAILURE() << path << ": no answer";
      return {};
    }
    const auto body = nlohmann::json::parse(result->body);
    return {result->status, body.at("code"), body.at("message")};
  }
};

// Same post, author, time, text, source, score and terms. Numbers compare as numbers: a term's
// contribution of -0 is printed as 0 in JSON, which the text format would tell apart.
void expect_same_item(const v1::FeedItem& http, const v1::FeedItem& grpc) {
  SCOPED_TRACE(text_of(grpc));
  EXPECT_EQ(http.post_id(), grpc.post_id());
  EXPECT_EQ(http.author_id(), grpc.author_id());
  EXPECT_EQ(http.created_at_ms(), grpc.created_at_ms());
  EXPECT_EQ(http.text(), grpc.text());
  EXPECT_EQ(http.source(), grpc.source());
  EXPECT_EQ(http.score(), grpc.score());
  ASSERT_EQ(http.explanation_size(), grpc.explanation_size());
  for (int t = 0; t < http.explanation_size(); ++t) {
    EXPECT_EQ(http.explanation(t).name(), grpc.explanation(t).name());
    EXPECT_EQ(http.explanation(t).value(), grpc.explanation(t).value());
    EXPECT_EQ(http.explanation(t).contribution(), grpc.explanation(t).contribution());
  }
}

TEST_F(HttpGateway, FeedIsTheGrpcResponseInTheProtosJson) {
  load_small_network();
  for (const auto mode : {v1::FEED_MODE_CHRONOLOGICAL, v1::FEED_MODE_ALGORITHMIC}) {
    v1::GetFeedRequest request;
    request.set_user_id(1);
    request.set_mode(mode);
    request.set_limit(4);
    request.set_as_of_ms(60'000);
    request.set_explain(true);
    const auto grpc_reply = client().call(request);
    ASSERT_THAT(grpc_reply.status, IsOk());
    const auto http_reply = get_ok<v1::GetFeedResponse>(
        "/v1/feed?user_id=1&limit=4&as_of_ms=60000&explain=true&mode=" +
        std::string(mode == v1::FEED_MODE_ALGORITHMIC ? "algorithmic" : "chronological"));
    ASSERT_EQ(http_reply.items_size(), grpc_reply.response.items_size()) << v1::FeedMode_Name(mode);
    ASSERT_GT(http_reply.items_size(), 0);
    for (int i = 0; i < http_reply.items_size(); ++i) {
      expect_same_item(http_reply.items(i), grpc_reply.response.items(i));
    }
    EXPECT_EQ(http_reply.mode(), mode);
    EXPECT_EQ(http_reply.next_cursor().empty(), grpc_reply.response.next_cursor().empty());
  }
}

TEST_F(HttpGateway, JsonUsesTheProtosFieldNamesAndPrintsZeros) {
  load_small_network();
  auto result = get("/v1/feed?user_id=1&limit=2&as_of_ms=60000");
  ASSERT_TRUE(result);
  const auto body = nlohmann::json::parse(result->body);
  const auto& item = body.at("items").at(0);
  EXPECT_TRUE(item.contains("post_id") && item.contains("created_at_ms")) << item;
  EXPECT_EQ(item.at("team"), "INTERLEAVING_TEAM_UNSPECIFIED");  // a zero enum is printed
  EXPECT_TRUE(body.at("degraded").is_array());
}

TEST_F(HttpGateway, CursorFromOneAnswerFetchesTheNextPage) {
  load_small_network();
  const auto first = get_ok<v1::GetFeedResponse>("/v1/feed?user_id=1&limit=3&as_of_ms=60000");
  ASSERT_FALSE(first.next_cursor().empty());
  const auto second =
      get_ok<v1::GetFeedResponse>("/v1/feed?user_id=1&limit=3&as_of_ms=60000&cursor=" +
                                  httplib::detail::encode_query_param(first.next_cursor()));
  ASSERT_GT(second.items_size(), 0);
  EXPECT_NE(second.items(0).post_id(), first.items(0).post_id());
  EXPECT_LT(second.items(0).created_at_ms(), first.items(2).created_at_ms());
}

TEST_F(HttpGateway, EnumsTakeTheirNameWholeShortOrInAnyCase) {
  load_small_network();
  for (const char* mode : {"FEED_MODE_ALGORITHMIC", "ALGORITHMIC", "Algorithmic"}) {
    EXPECT_EQ(
        get_ok<v1::GetFeedResponse>(std::string("/v1/feed?user_id=1&as_of_ms=60000&mode=") + mode)
            .mode(),
        v1::FEED_MODE_ALGORITHMIC)
        << mode;
  }
  const Failure bad = get_error("/v1/feed?user_id=1&mode=sideways");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.code, "INVALID_ARGUMENT");
  EXPECT_THAT(bad.message, HasSubstr("mode: 'sideways' is not one of chronological, algorithmic"));
}

TEST_F(HttpGateway, MalformedOrUnknownParametersAre400NamingThem) {
  load_small_network();
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/feed?user_id=1&limit=ten", "limit: 'ten' is not a number"},
      {"/v1/feed?user_id=-1", "user_id: '-1' is not a number (expected a 64-bit unsigned"},
      {"/v1/feed?user_id=1&viewer=2", "viewer: unknown parameter (this route takes: user_id, mode"},
      {"/v1/feed?user_id=1&user_id=2", "user_id: given more than once"},
      {"/v1/feed?user_id=1&explain=maybe", "explain: 'maybe' is not true or false"},
      // The same pair twice, and a value with a second '=': httplib's own parse read both as a
      // well-formed query (the pair once; limit=5).
      {"/v1/feed?user_id=1&user_id=1", "user_id: given more than once"},
      {"/v1/feed?user_id=1&limit=5=6", "limit: '5=6' is not a number"},
  };
  for (const auto& [query, message] : cases) {
    const Failure bad = get_error(query);
    EXPECT_EQ(bad.status, 400) << query;
    EXPECT_THAT(bad.message, StartsWith(message)) << query;
  }
}

TEST_F(HttpGateway, ServiceValidationAnswersWithTheGrpcMessageAndCode) {
  load_small_network();
  v1::GetFeedRequest request;
  request.set_user_id(1);
  request.set_limit(501);
  const auto grpc_reply = client().call(request);
  ASSERT_EQ(grpc_reply.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Failure bad = get_error("/v1/feed?user_id=1&limit=501");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.code, "INVALID_ARGUMENT");
  EXPECT_EQ(bad.message, grpc_reply.status.error_message());

  bad = get_error("/v1/feed?user_id=99");
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(bad.code, "NOT_FOUND");
  EXPECT_THAT(bad.message, HasSubstr("user_id: user 99 not found"));

  bad = get_error("/v1/feed?user_id=1&mode=algorithmic&cursor=garbage");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.message, StartsWith("cursor"));
}

TEST_F(HttpGateway, RepeatedFieldsTakeRepeatsOrCommas) {
  load_small_network();
  // Muting both followees leaves the algorithmic feed nothing of theirs.
  for (const char* muted : {"muted_author_ids=2&muted_author_ids=3", "muted_author_ids=2,3"}) {
    const auto feed = get_ok<v1::GetFeedResponse>(
        std::string("/v1/feed?user_id=1&mode=algorithmic&as_of_ms=60000&") + muted);
    for (const auto& item : feed.items()) {
      EXPECT_NE(item.author_id(), 2u) << muted;
      EXPECT_NE(item.author_id(), 3u) << muted;
    }
  }
}

TEST_F(HttpGateway, UserPostNearestStatsAndReportRoutes) {
  load_small_network();
  EXPECT_EQ(get_ok<v1::GetUserResponse>("/v1/user?handle=user2").user().id(), 2u);
  EXPECT_EQ(get_ok<v1::GetUserResponse>("/v1/user?user_id=1").followees(), 2u);
  EXPECT_EQ(get_ok<v1::GetPostResponse>("/v1/post?post_id=16").likes(), 1u);
  EXPECT_EQ(get_error("/v1/post?post_id=99").status, 404);
  const auto nearest = get_ok<v1::GetNearestPostsResponse>("/v1/nearest?post_id=10&k=3");
  EXPECT_EQ(nearest.posts_size(), 3);
  EXPECT_FALSE(nearest.backend().empty());
  const auto stats = get_ok<v1::GetStatsResponse>("/v1/stats");
  EXPECT_EQ(stats.users(), 4u);
  EXPECT_EQ(stats.posts(), 8u);
  const Failure missing = get_error("/v1/experiment-report?experiment_id=none");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.code, "NOT_FOUND");
}

TEST_F(HttpGateway, CallsPassTheCallGateWhichEchoesTheRequestId) {
  load_small_network();
  auto result = get("/v1/stats", {{"x-request-id", "explorer-test-42"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->get_header_value("x-request-id"), "explorer-test-42");
  result = get("/v1/stats");
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->get_header_value("x-request-id").empty());  // one made by the gate
}

// Hostile bytes in a request id or a path: httplib decodes %-escapes, and metadata gRPC refuses
// or JSON that is not UTF-8 used to abort the server.
TEST_F(HttpGateway, HostileRequestIdsAndPathsGetAnswersAndTheServerServesOn) {
  load_small_network();
  for (const char* id : {"bad%01id", "tab\there", "caf%C3%A9", "%FF"}) {
    const auto answer = get("/v1/stats", {{"x-request-id", id}});
    ASSERT_TRUE(answer) << "no answer for request id " << id;
    EXPECT_EQ(answer->status, 200);
    EXPECT_THAT(answer->get_header_value("x-request-id"), ::testing::MatchesRegex("[0-9a-f]{16}"))
        << "replaced, not passed on";
  }
  const auto bad_path = get("/%FF%FE");
  ASSERT_TRUE(bad_path);
  EXPECT_EQ(bad_path->status, 404);
  EXPECT_TRUE(nlohmann::json::accept(bad_path->body)) << bad_path->body;
  for (const char* route : {"/v1/user?handle=%FF", "/v1/feed?user_id=1&cursor=%C3%28"}) {
    const Failure bad_value = get_error(route);
    EXPECT_EQ(bad_value.status, 400) << route;
    EXPECT_EQ(bad_value.code, "INVALID_ARGUMENT") << route;
    EXPECT_THAT(bad_value.message, HasSubstr(": not valid UTF-8")) << route;
    EXPECT_THAT(bad_value.message, AnyOf(StartsWith("handle"), StartsWith("cursor"))) << route;
  }
  const auto after = get("/v1/stats");
  ASSERT_TRUE(after) << "the server is gone";
  EXPECT_EQ(after->status, 200);
}

// All the server answers to `request`, sent as is over a fresh connection, until it closes it (or
// 5 s pass): for what a client library would not send.
std::string raw_answer(const std::string& address, const std::string& request) {
  const auto colon = address.rfind(':');
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
  if (inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr) != 1) return "";
  const int socket_fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{5, 0};
  setsockopt(socket_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (connect(socket_fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) == 0 &&
      send(socket_fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (ssize_t got; (got = recv(socket_fd, buffer, sizeof buffer, 0)) > 0;) {
      answer.append(buffer, static_cast<std::size_t>(got));
    }
  }
  close(socket_fd);
  return answer;
}

std::string raw_status_line(const std::string& address, const std::string& request) {
  const std::string answer = raw_answer(address, request);
  return answer.substr(0, answer.find("\r\n"));
}

// The gateway only reads: the library would read any body into memory (a terabyte announced
// here; a gzip bomb decompressed), build a copy of the page per range of a Range header, and
// answer other sites' pages (a cross-site image tag forcing an experiment arm, or a DNS name
// rebound to 127.0.0.1). All are refused before a route runs; the server serves on.
TEST_F(HttpGateway, RefusesBodiesOtherMethodsManyRangesAndOtherSitesRequests) {
  load_small_network();
  const std::string address = server().http_address();
  httplib::Client http("http://" + address);
  const auto post = http.Post("/v1/feed", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  EXPECT_THAT(raw_status_line(address,
                              "GET /v1/stats HTTP/1.1\r\nHost: " + address +
                                  "\r\nContent-Length: 1099511627776\r\n\r\n"),
              HasSubstr(" 413 "));
  EXPECT_THAT(raw_status_line(address, "PUT /v1/stats HTTP/1.1\r\nHost: " + address +
                                           "\r\nTransfer-Encoding: chunked\r\n\r\n"),
              HasSubstr(" 405 "));
  const auto ranges = get("/v1/stats", {{"Range", "bytes=0-,0-,0-"}});
  ASSERT_TRUE(ranges);
  EXPECT_EQ(ranges->status, 416);
  EXPECT_EQ(ranges->body, "") << "the library cuts a body to the ranges asked for";
  // A GET hidden in a refused POST's body (which a cross-site page can send without the headers
  // that give it away) is not read as a second request on the same connection.
  const std::string hidden = "GET /v1/feed?user_id=1&force_experiment=e&force_arm=a HTTP/1.1\r\n"
                             "Host: " + address + "\r\n\r\n";
  const auto sent = std::chrono::steady_clock::now();
  const std::string answer = raw_answer(
      address, "POST /v1/stats HTTP/1.1\r\nHost: " + address + "\r\nContent-Length: " +
                   std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 405 "));
  EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << answer;
  // The server closed the connection after its answer (raw_answer waits 5 s for an open one):
  // nothing left in it is read as a request.
  EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(4));
  for (const char* host : {"evil.example:8080", "127.0.0.1.evil.example"}) {
    const auto rebound = get("/v1/stats", {{"Host", host}});
    ASSERT_TRUE(rebound);
    EXPECT_EQ(rebound->status, 403) << host;
    EXPECT_EQ(nlohmann::json::parse(rebound->body).at("code"), "PERMISSION_DENIED");
  }
  const std::string forced = "/v1/feed?user_id=1&force_experiment=e&force_arm=a";
  for (const httplib::Headers& headers :
       {httplib::Headers{{"Sec-Fetch-Site", "cross-site"}},
        httplib::Headers{{"Sec-Fetch-Site", "same-site"}},
        httplib::Headers{{"Origin", "http://evil.example"}}}) {
    const auto cross_site = get(forced, headers);
    ASSERT_TRUE(cross_site);
    EXPECT_EQ(cross_site->status, 403) << headers.begin()->second;
  }
  // The explorer's own requests, a typed address, another spelling of loopback, pass.
  const std::string port = address.substr(address.rfind(':') + 1);
  for (const httplib::Headers& headers :
       {httplib::Headers{{"Sec-Fetch-Site", "same-origin"}},
        httplib::Headers{{"Sec-Fetch-Site", "none"}},
        httplib::Headers{{"Origin", "http://" + address}}, httplib::Headers{{"Host", "LOCALHOST"}},
        httplib::Headers{{"Host", "[::1]:" + port}}, httplib::Headers{}}) {
    const auto own = get("/v1/stats", headers);
    ASSERT_TRUE(own);
    EXPECT_EQ(own->status, 200) << (headers.empty() ? "" : headers.begin()->second);
  }
  // A link to the explorer followed from another site's page opens it; a call does not pass so.
  const httplib::Headers followed = {{"Sec-Fetch-Site", "cross-site"},
                                     {"Sec-Fetch-Mode", "navigate"}};
  EXPECT_EQ(get("/", followed)->status, 200);
  EXPECT_EQ(get(forced, followed)->status, 403);
}

TEST_F(HttpGateway, ServesTheExplorerPageAndItsFiles) {
  auto page = get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->get_header_value("Content-Type"), StartsWith("text/html"));
  EXPECT_THAT(page->body, HasSubstr("<script src=\"/explorer.js\">"));
  for (const char* file : {"/explorer.js", "/explorer.css"}) {
    auto asset = get(file);
    ASSERT_TRUE(asset) << file;
    EXPECT_EQ(asset->status, 200) << file;
    EXPECT_GT(asset->body.size(), 1000u) << file;
  }
  const Failure unknown = get_error("/v1/nothing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.message, "no route GET /v1/nothing");
  // A query past httplib's URI limit (many muted ids) is refused saying so, not as "no route".
  std::string muted = "/v1/feed?user_id=1&muted_author_ids=1";
  while (muted.size() < 9000) muted += ",18446744073709551615";
  const Failure too_long = get_error(muted);
  EXPECT_EQ(too_long.status, 414);
  EXPECT_EQ(too_long.code, "INVALID_ARGUMENT");
  EXPECT_THAT(too_long.message, HasSubstr("request URI too long (at most 8192 bytes)"));
}

class HttpGatewayReplays : public HttpGateway {
 protected:
  void configure(api::ServerOptions& options) override {
    HttpGateway::configure(options);
    options.replay_reports_dir = reports_.path().string();
  }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(reports_.path() / name) << content;
  }
  testing::TempDir reports_;
};

TEST_F(HttpGatewayReplays, ListsTheFoldersJsonReportsAndServesThem) {
  EXPECT_EQ(nlohmann::json::parse(get("/v1/replay-reports")->body).at("reports").size(), 0u);
  write("cut-0.8.json", R"({"cut_ms": 8})");
  write("cut-0.7.json", R"({"cut_ms": 7})");
  write("notes.txt", "not a report");
  const auto listing = nlohmann::json::parse(get("/v1/replay-reports")->body);
  EXPECT_EQ(listing.at("reports"), nlohmann::json({"cut-0.7.json", "cut-0.8.json"}));
  auto report = get("/v1/replay-reports/cut-0.8.json");
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, 200);
  EXPECT_EQ(nlohmann::json::parse(report->body).at("cut_ms"), 8);
  for (const char* name : {"notes.txt", "missing.json"}) {
    const Failure missing = get_error(std::string("/v1/replay-reports/") + name);
    EXPECT_EQ(missing.status, 404) << name;
    EXPECT_THAT(missing.message, StartsWith("name: no replay report")) << name;
  }
  write("../outside.json", "{}");  // beside the folder: never served
  EXPECT_EQ(get_error("/v1/replay-reports/..%2Foutside.json").status, 404);
  // A link in the folder leads outside it: neither listed nor served.
  testing::TempDir elsewhere;
  std::ofstream(elsewhere.path() / "secret.json") << "{}";
  std::filesystem::create_symlink(elsewhere.path() / "secret.json",
                                  reports_.path() / "linked.json");
  EXPECT_EQ(nlohmann::json::parse(get("/v1/replay-reports")->body).at("reports").size(), 2u);
  EXPECT_EQ(get_error("/v1/replay-reports/linked.json").status, 404);
}

// A file name that is not UTF-8 (a Latin-1 "café.json") cannot be listed in JSON: it is left out,
// and the listing and the server go on.
TEST_F(HttpGatewayReplays, LeavesOutNamesThatAreNotUtf8) {
  write("caf\xe9.json", "{}");
  write("cut-0.9.json", R"({"cut_ms": 9})");
  auto listing = get("/v1/replay-reports");
  ASSERT_TRUE(listing);
  EXPECT_EQ(listing->status, 200);
  EXPECT_EQ(nlohmann::json::parse(listing->body).at("reports"), nlohmann::json({"cut-0.9.json"}));
  EXPECT_EQ(get_error("/v1/replay-reports/caf%E9.json").status, 404);
  auto report = get("/v1/replay-reports/cut-0.9.json");
  ASSERT_TRUE(report) << "the server stopped answering";
  EXPECT_EQ(report->status, 200);
}

class HttpGatewayOff : public ApiTest {};

TEST_F(HttpGatewayOff, IsOffUnlessAsked) { EXPECT_EQ(server().http_address(), ""); }

TEST_F(HttpGatewayOff, TakenPortIsAStartUpErrorNamingTheFlag) {
  api::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = (data_dir() / "second").string();
  // The running server's gRPC port is taken.
  options.http_listen_address = address();
  auto second = api::FeedServer::start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              StartsWith("--http-listen: cannot listen on " + address()));
}

}  // namespace
}  // namespace feedrank::api_test
