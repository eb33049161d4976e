// Command restdemo is a small REST service for tasks, written the way a
// production team would want it and with nothing but the standard library:
// net/http's method-and-path patterns, encoding/json, log/slog and expvar.
//
//	go run ./restdemo -demo   # the scripted tour: every feature, real HTTP calls, then exit
//	go run ./restdemo         # serve on 127.0.0.1:8080 until Ctrl-C
//
// With curl, against the second (run from the repository root):
//
//	curl -i localhost:8080/tasks -H 'Content-Type: application/json' -H 'Idempotency-Key: k1' -d @testdata/rest/create.json
//	curl -i localhost:8080/tasks/1 -H 'If-None-Match: "v1"'
//	curl -i -X PUT localhost:8080/tasks/1 -H 'Content-Type: application/json' -H 'If-Match: "v1"' -d @testdata/rest/replace.json
//	curl -i 'localhost:8080/tasks?limit=2'
//	curl -i localhost:8080/tasks -H 'Content-Type: application/json' -d @testdata/rest/invalid.json
//
// # The API
//
//	GET    /tasks?limit=N&cursor=C  a page of tasks in ID order; Link: <...>; rel="next"
//	POST   /tasks                   create; 201 with Location and ETag; Idempotency-Key honoured
//	GET    /tasks/{id}              one task with its ETag; If-None-Match gives 304
//	PUT    /tasks/{id}              replace; If-Match REQUIRED (428 without, 412 if stale)
//	DELETE /tasks/{id}              delete; If-Match REQUIRED
//	GET    /healthz                 liveness: 200 while the process serves
//	GET    /readyz                  readiness: 503 while starting or draining
//	GET    /debug/vars              this instance's counters (an unpublished expvar.Map)
//
// Every failure is an RFC 9457 problem (application/problem+json) with type,
// title, status, detail, instance, the request ID and, for bad fields, an
// "errors" list of {"field", "detail"}. Malformed JSON, unknown fields, wrong
// types, trailing data, bad IDs and cursors are 400; values that break the
// rules are 422; a wrong method is 405 with Allow, a body over 64 KiB is 413,
// anything but application/json is 415. Nothing a client sends produces a
// 500; FuzzDecodeTask checks the decoder.
//
// # How it works
//
// A request passes through plain func(http.Handler) http.Handler middleware,
// outermost first: request ID, access log, panic recovery, per-client rate
// limit (token buckets in a bounded map; 429 with Retry-After), body size
// limit, per-request timeout (a context deadline). The mux routes it to a
// handler that returns an error instead of writing one: writeError, in
// problem.go, is the one place where errors become status codes (the shape of
// wtf's http.Error). The store is a map behind a sync.Mutex: handlers already
// run concurrently, so no goroutine needs to own the data.
//
// Versions make writes safe: each task has a version, its ETag is "v<version>",
// and the store compares If-Match with the version under the same lock it
// writes under, so two clients that read the same version cannot both win.
//
// On SIGINT or SIGTERM the server drains: /readyz turns 503 at once so load
// balancers stop sending, the server keeps serving for -drain (5s), then
// http.Server.Shutdown closes the listener and waits for in-flight requests.
// A second Ctrl-C kills the process at once. The http.Server has read,
// write, header and idle timeouts and a 16 KiB header cap, so slow clients
// cannot hold connections forever.
//
// # Layout
//
// This directory is the service, one main package split by topic. Its two
// companions are part of the same demo:
//
//   - restdemo/client: a typed Go client with retries through
//     distkit/pkg/retry; it honours Retry-After and reuses one
//     Idempotency-Key across attempts. It is its own package so that the tour,
//     the tests and your code can import it (a main package cannot be
//     imported).
//   - restdemo/gateway: an API gateway that fans out to three backends with
//     distkit/pkg/fanout and degrades to a partial answer when one is slow or
//     down (go run ./restdemo/gateway -demo).
//
// # Reading order
//
// main.go (flags and signals), server.go (Config, the middleware stack, the
// drain), handlers.go (routes and handlers), problem.go (errors to HTTP),
// decode.go (reading bodies), store.go, conditional.go (ETags),
// pagination.go, idempotency.go, middleware.go, ratelimit.go, then tour.go.
// The tests mirror the files; drain_test.go runs a real http.Server over
// net.Pipe inside a synctest bubble.
//
// # Figures
//
// Throughput of GET /tasks/1 through the whole middleware stack against a
// bare hello-world handler with the same http.Server settings, measured with
// wrk on the same machine (2 cores, 2026-11-29; access log formatted into
// io.Discard, rate limit far above the load, no non-2xx answers):
//
//	go run ./restdemo -bare -quiet -addr 127.0.0.1:9001
//	go run ./restdemo -quiet -addr 127.0.0.1:9002 -rate 1e9 -burst 1000000000
//	curl -XPOST 127.0.0.1:9002/tasks -H 'Content-Type: application/json' -d @testdata/rest/create.json
//	wrk -t2 -c64 -d10s http://127.0.0.1:9001/
//	wrk -t2 -c64 -d10s http://127.0.0.1:9002/tasks/1
//
//	bare handler      18,950 req/s   (median of 4 interleaved 10 s runs)
//	full stack        15,928 req/s
//	ratio             0.84           (0.89 over the summed runs)
//
// The machine was shared with other work (load average 6 to 9), so single
// runs vary by a third; compare only interleaved runs. What keeps the hot
// path short: a GET sends the JSON the store encoded at write time
// (Task.encoded), request IDs are a counter rather than crypto/rand, and a
// request without a body skips MaxBytesReader. What remains is mostly the
// access log's formatting (about 40% of the stack's CPU time).
//
//	go test -run XXX -bench . -benchmem ./restdemo
//
//	BenchmarkGetTask_Stack    6.0 µs/op   19 allocs   (whole stack, nothing recorded)
//	BenchmarkBare_Stack       0.12 µs/op   2 allocs
//	BenchmarkGetTask          8.0 µs/op   27 allocs   (with httptest.ResponseRecorder)
//	BenchmarkCreateTask      21 µs/op     61 allocs
//	BenchmarkListTasks       46 µs/op     77 allocs   (a page of 20)
package main
