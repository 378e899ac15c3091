// Domain -> proto for the lookup RPCs (GetUser, GetPost).
#pragma once

#include "feedrank/v1/feedrank.pb.h"
#include "ranker/feed_engine.h"

namespace feedrank::api {

void to_proto(const ranker::UserProfile& profile, v1::GetUserResponse& response);
void to_proto(const ranker::PostDetails& details, v1::GetPostResponse& response);

}  // namespace feedrank::api
