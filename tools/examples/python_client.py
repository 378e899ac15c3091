#!/usr/bin/python3
"""A minimal feedrank client in Python: two users, a follow, a post, then the follower's feed.

Uses Debian's python3-grpcio and python3-protobuf. Debian has no grpcio-tools, so there are
no generated service stubs: the message classes come from protoc alone and each method is
called by its path, with the message classes as (de)serialisers.

    protoc --python_out=OUT -I api api/feedrank/v1/feedrank.proto   # the CMake build does this
    PYTHONPATH=OUT /usr/bin/python3 tools/examples/python_client.py --server 127.0.0.1:50051

The CMake build generates the message classes into BUILD/tests/api/python. The example writes
users 900001 and 900002 and post 900001 with fixed times (ids are caller-assigned and writes
idempotent: a second run changes nothing and says so).
"""

import argparse
import sys

import grpc

try:
    from feedrank.v1 import feedrank_pb2 as pb
except ImportError as error:
    sys.exit(f"cannot import feedrank.v1.feedrank_pb2 ({error}); generate it with protoc "
             "--python_out and put its folder on PYTHONPATH (see the top of this file)")

SERVICE = "/feedrank.v1.FeedRank/"
AUTHOR_ID = 900001
READER_ID = 900002
POST_ID = 900001
POST_TEXT = "Hello from the feedrank Python example #python"
EXAMPLE_TIME_MS = 1735689600000  # 2025-01-01T00:00:00Z
CALL_TIMEOUT_S = 10


class FeedRankClient:
    """Calls FeedRank methods by path: what generated stubs would do."""

    # method name -> response message class
    RESPONSES = {
        "GetFeed": pb.GetFeedResponse,
        "UpsertUsers": pb.UpsertUsersResponse,
        "CreatePosts": pb.CreatePostsResponse,
        "Follow": pb.FollowResponse,
    }

    def __init__(self, channel):
        self._methods = {
            name: channel.unary_unary(SERVICE + name,
                                      request_serializer=lambda message: message.SerializeToString(),
                                      response_deserializer=response.FromString)
            for name, response in self.RESPONSES.items()
        }

    def call(self, method, request):
        return self._methods[method](request, timeout=CALL_TIMEOUT_S)


def run(client):
    at_ms = EXAMPLE_TIME_MS
    users = client.call("UpsertUsers", pb.UpsertUsersRequest(users=[
        pb.User(id=AUTHOR_ID, handle="ada", created_at_ms=at_ms),
        pb.User(id=READER_ID, handle="grace", created_at_ms=at_ms),
    ]))
    print(f"users: {users.created} created, {users.updated} updated")

    follows = client.call("Follow", pb.FollowRequest(edges=[
        pb.FollowEdge(follower_id=READER_ID, followee_id=AUTHOR_ID, created_at_ms=at_ms),
    ]))
    print(f"follows: {follows.created} created, {follows.already_following} already there")

    posts = client.call("CreatePosts", pb.CreatePostsRequest(posts=[
        pb.Post(id=POST_ID, author_id=AUTHOR_ID, text=POST_TEXT, created_at_ms=at_ms,
                visibility=pb.VISIBILITY_PUBLIC),
    ]))
    print(f"posts: {posts.created} created, {posts.already_existed} already there")

    feed = client.call("GetFeed", pb.GetFeedRequest(
        user_id=READER_ID, mode=pb.FEED_MODE_CHRONOLOGICAL, limit=10))
    print(f"feed of user {READER_ID}: {len(feed.items)} items")
    for item in feed.items:
        source = pb.CandidateSource.Name(item.source)
        print(f"  post {item.post_id} by user {item.author_id} at {item.created_at_ms} "
              f"({source}, score {item.score:.1f}): {item.text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051", help="HOST:PORT of feedrank-server")
    args = parser.parse_args()
    with grpc.insecure_channel(args.server) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=CALL_TIMEOUT_S)
        except grpc.FutureTimeoutError:
            print(f"error: no feedrank server at {args.server}", file=sys.stderr)
            return 1
        try:
            run(FeedRankClient(channel))
        except grpc.RpcError as error:
            print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
