// Command gateway is an API gateway in front of three small backends. One
// request for a product page becomes three concurrent backend calls, each
// with its own deadline; when an optional backend is slow or down, the page
// comes back without that part and says so, instead of failing whole.
//
//	go run ./restdemo/gateway -demo   # the tour: full page, slow backend, dead backend, then exit
//	go run ./restdemo/gateway         # serve on 127.0.0.1:8081 until Ctrl-C
//	curl -s localhost:8081/products/42
//
// A full answer, and one while the reviews backend is slow:
//
//	{"catalog":{"name":"Widget 42","price_cents":4200},"id":42,"inventory":{"in_stock":0},"missing":[],"partial":false,"reviews":{"average":3.5,"count":3}}
//	{"catalog":{"name":"Widget 42","price_cents":4200},"id":42,"inventory":{"in_stock":0},"missing":["reviews"],"partial":true}
//
// # How it works
//
// [Gateway] knows a list of [Part]s: catalog (required), inventory and
// reviews (optional). For each request it builds one call per part and runs
// them with fanout.All from distkit/pkg/fanout. All cancels the rest at the
// first error, which is the right policy when every part is needed; here
// each call catches its own failure and returns it as a value, so All waits
// for every part and a failure of one never cancels another. Each call has
// its own context.WithTimeout, so a slow backend costs at most its deadline
// and its half-done work is cancelled (the backends watch their request
// context).
//
// Then the page is assembled: a failed optional part is left out and named
// in "missing", with "partial": true and Cache-Control: no-store (a degraded
// page must not be cached as the real one). A failed required part means no
// page: 502 Bad Gateway as a problem+json, or the catalog's own 404 for an
// unknown product. Never a 500: the gateway itself did nothing wrong.
//
// # Reading order
//
// gateway.go (the fan-out and the assembly), breaker.go (a circuit breaker
// per backend, from distkit/pkg/breaker), backends.go (the three
// services and their knobs), tour.go, main.go.
package main
