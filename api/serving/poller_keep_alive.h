// Keeps gRPC's callback-queue threads polling the server's sockets while no callback call comes.
//
// gRPC 1.51 (with its epoll1 engine, Linux's default) runs callback methods on the threads of a
// process-wide queue (half the cores, 2 to 16). They also poll every socket of the process: in a
// server that has callback methods (GetFeed, GetNearestPosts) the threads of the synchronous
// methods poll nothing. After a second without an event on that queue each of them gives up and
// sleeps 100 ms, and when all sleep nobody reads a socket. So the server went deaf for 100 ms of
// every 1.1 s to a client that sent only synchronous calls (writes, Ingest, lookups: the write
// load's p99, 96-103 ms), and to the first callback call after a quiet second (up to 100 ms on a
// page that takes 1 ms). A cheap call of its own every 400 ms, over the in-process channel with
// the callback API whose completion lands on that queue, keeps one of them polling at all times
// (benchmarks/RESULTS.md, thirty-first and thirty-second sessions). A poller thread of our own on
// a queue of its own heard the synchronous calls but not the callback calls after a quiet second.
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <thread>

namespace feedrank::api::serving {

class PollerKeepAlive {
 public:
  // Starts calling `in_process` (the server's own in-process channel) every 400 ms; stops when
  // destroyed, which must be before the server shuts down.
  explicit PollerKeepAlive(std::shared_ptr<grpc::Channel> in_process);
  ~PollerKeepAlive();
  PollerKeepAlive(const PollerKeepAlive&) = delete;
  PollerKeepAlive& operator=(const PollerKeepAlive&) = delete;

 private:
  std::jthread thread_;
};

}  // namespace feedrank::api::serving
