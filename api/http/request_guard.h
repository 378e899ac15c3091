// What the HTTP side doors (the JSON gateway, /metrics) refuse before a route runs: both only
// read, and the library would otherwise read any request body into memory (decompressing it),
// build a response per range of a many-range Range header, and answer pages of other sites
// (a browser's cross-site request, or one through a DNS name rebound to 127.0.0.1).
#pragma once

namespace httplib {
class Server;
}

namespace feedrank::api::http {

// Installs the guard as `server`'s pre-routing handler. Refused, with the JSON error body:
// methods other than GET and HEAD (405, Allow: GET, HEAD), a request with a body (413), more
// than one byte range (416), a browser's request from another origin (Sec-Fetch-Site other
// than same-origin or none, or an Origin header naming another host: 403) and, when
// `loopback_only` (the listener is on loopback), a Host header that is not a loopback address
// (403: a DNS rebinding).
void guard_requests(httplib::Server& server, bool loopback_only);

}  // namespace feedrank::api::http
