// The gateway: one request in, one request to each backend out, all at once,
// each with its own deadline, and one answer back that says what is missing.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"distkit/pkg/breaker"
	"distkit/pkg/fanout"
)

// Part is one backend call the gateway makes for a product page.
type Part struct {
	Name     string        // the member of the answer it fills, e.g. "reviews"
	URL      string        // the backend's base URL; the gateway appends /<Path>/<id>
	Path     string        // e.g. "reviews"
	Timeout  time.Duration // this backend's deadline
	Required bool          // without it there is no page: 502 instead of a partial answer
}

// Gateway serves GET /products/{id}. It is safe for concurrent use.
type Gateway struct {
	parts    []Part
	hc       *http.Client
	log      *slog.Logger
	breakers map[string]*breaker.Breaker // one per part, by name; see breaker.go
}

// NewGateway returns a gateway calling parts through hc.
func NewGateway(parts []Part, hc *http.Client, log *slog.Logger) *Gateway {
	return &Gateway{parts: parts, hc: hc, log: log, breakers: newBreakers(parts, log)}
}

// Handler returns the gateway's routes.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{id}", g.product)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	return traceRequests(g.log, mux) // traceparent.go
}

// fetched is what one backend call produced: a body or the reason for none.
type fetched struct {
	body   json.RawMessage
	status int // the backend's status, 0 if it never answered
	err    error
}

// product fans out to every part and assembles the page.
//
// fanout.All cancels everything at the first error, which is right when
// every part is needed and wrong for graceful degradation. So each call here
// catches its own failure and returns it as a value: All then always waits
// for every part, and no part's failure cancels another. The deadline of each
// part bounds the wait, so a slow backend costs at most its Timeout.
func (g *Gateway) product(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 1 {
		writeProblem(w, r, http.StatusBadRequest, "product ID must be a positive whole number")
		return
	}
	calls := make([]fanout.Call[fetched], len(g.parts))
	for i, p := range g.parts {
		calls[i] = func(ctx context.Context) (fetched, error) {
			ctx, cancel := context.WithTimeout(ctx, p.Timeout)
			defer cancel()
			return g.fetchGuarded(ctx, p.Name, p.URL+"/"+p.Path+"/"+strconv.Itoa(id)), nil
		}
	}
	results, err := fanout.All(r.Context(), calls...)
	if err != nil { // only if the client's own request was cancelled
		writeProblem(w, r, http.StatusServiceUnavailable, "request cancelled")
		return
	}

	page := map[string]any{"id": id}
	missing := []string{}
	for i, p := range g.parts {
		res := results[i]
		switch {
		case res.err == nil:
			page[p.Name] = res.body
		case p.Required && res.status == http.StatusNotFound:
			writeProblem(w, r, http.StatusNotFound, "product "+strconv.Itoa(id)+" does not exist")
			return
		case p.Required:
			g.log.Warn("required backend failed", "backend", p.Name, "err", res.err)
			writeProblem(w, r, http.StatusBadGateway, p.Name+" is unavailable, and the page cannot be built without it")
			return
		default:
			g.log.Warn("backend failed; answering without it", "backend", p.Name, "err", res.err)
			missing = append(missing, p.Name)
		}
	}
	page["partial"] = len(missing) > 0
	page["missing"] = missing
	w.Header().Set("Content-Type", "application/json")
	if len(missing) > 0 {
		// A degraded page must not be cached as if it were the real one.
		w.Header().Set("Cache-Control", "no-store")
	}
	json.NewEncoder(w).Encode(page)
}

// fetch GETs url and returns its JSON body, or why it could not.
func (g *Gateway) fetch(ctx context.Context, url string) fetched {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fetched{err: err}
	}
	if tp := propagateTrace(ctx, req); tp != "" { // traceparent.go
		g.log.Debug("backend call", "url", url, "traceparent", tp)
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fetched{err: fmt.Errorf("no answer within the deadline: %w", err)}
		}
		return fetched{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fetched{status: resp.StatusCode, err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return fetched{status: resp.StatusCode, err: fmt.Errorf("status %s", resp.Status)}
	}
	if !json.Valid(body) {
		return fetched{status: resp.StatusCode, err: errors.New("body is not JSON")}
	}
	return fetched{body: body, status: resp.StatusCode}
}

// writeProblem answers with an RFC 9457 problem. (The service in ../ has a
// fuller version; the gateway needs only status and detail.)
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Type     string `json:"type"`
		Title    string `json:"title"`
		Status   int    `json:"status"`
		Detail   string `json:"detail"`
		Instance string `json:"instance"`
	}{"about:blank", http.StatusText(status), status, detail, r.URL.RequestURI()})
}
