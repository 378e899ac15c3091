// What the HTTP side doors (the JSON gateway, /metrics) refuse before a route runs: both only
// read, and the library would otherwise read any request body into memory (decompressing it),
// build a response per range of a many-range Range header, and answer pages of other sites
// (a browser's cross-site request, or one through a DNS name rebound to 127.0.0.1).
#pragma once

namespace httplib {
class Server;
}

namespace feedrank::api::http {

// Installs the guard as `server`'s pre-routing handler, and serves one request a connection.
// Refused, with the JSON error body (the status alone when the request has a Range header):
// methods other than GET and HEAD (405, Allow: GET, HEAD), a request with a body (413), more
// than one byte range (416), a browser's request from another origin (Sec-Fetch-Site other
// than same-origin or none, or an Origin header naming another host: 403; but a link followed
// to the explorer page itself, outside /v1/, is served) and, when `loopback_only` (the
// listener is on loopback), a Host header that is not a loopback address (403: a DNS
// rebinding; a proxy in front must pass the listener's address as Host).
void guard_requests(httplib::Server& server, bool loopback_only);

}  // namespace feedrank::api::http
