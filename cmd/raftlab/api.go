// The dashboard's HTTP side: the embedded page, the event stream, and a
// small JSON API with one endpoint per control on the page.

package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"time"
)

//go:embed web
var webFiles embed.FS

// routes returns the dashboard's handler:
//
//	GET  /                        the page (web/index.html, app.js, style.css)
//	GET  /api/state               the cluster now, as in every frame
//	GET  /api/events              Server-Sent Events: one frame every 50ms
//	POST /api/nodes/{id}/crash    stop a node and close its port
//	POST /api/nodes/{id}/restart  start it again from its storage
//	POST /api/partition           {"groups":[[0,1],[2,3,4]]}
//	POST /api/heal                reconnect everyone
//	POST /api/faults              {"loss":0.1,"delayMs":20}
//	POST /api/clock               {"slowdown":10}
//	POST /api/command             {"key":"x","value":"1"}: a put through a clerk
//	POST /api/workload            {"clients":8,"seconds":10,"unsafe":false}
//	GET  /api/workload            the latest workload and its verdict
func (l *lab) routes() http.Handler {
	mux := http.NewServeMux()
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	// The three files by name, not "GET /", which would also answer GET
	// for every POST-only API path with 404 instead of 405.
	files := http.FileServerFS(static)
	for _, p := range []string{"/{$}", "/app.js", "/style.css"} {
		mux.Handle("GET "+p, files)
	}
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, l.state())
	})
	mux.HandleFunc("GET /api/events", l.serveEvents)
	mux.HandleFunc("POST /api/nodes/{id}/crash", l.nodeAction(l.crashNode))
	mux.HandleFunc("POST /api/nodes/{id}/restart", l.nodeAction(l.restartNode))
	mux.HandleFunc("POST /api/partition", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Groups [][]int }
		if !readJSON(w, r, &req) {
			return
		}
		answer(w, l.partition(req.Groups))
	})
	mux.HandleFunc("POST /api/heal", func(w http.ResponseWriter, r *http.Request) {
		l.heal()
		answer(w, nil)
	})
	mux.HandleFunc("POST /api/faults", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Loss    float64
			DelayMs int
		}
		if !readJSON(w, r, &req) {
			return
		}
		answer(w, l.setFaults(req.Loss, time.Duration(req.DelayMs)*time.Millisecond))
	})
	mux.HandleFunc("POST /api/clock", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Slowdown int }
		if !readJSON(w, r, &req) {
			return
		}
		answer(w, l.setSlowdown(req.Slowdown))
	})
	mux.HandleFunc("POST /api/command", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Key, Value string }
		if !readJSON(w, r, &req) {
			return
		}
		v, err := l.put(r.Context(), req.Key, req.Value)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"key": req.Key, "value": req.Value, "version": v.Version, "revision": v.Revision})
	})
	mux.HandleFunc("POST /api/workload", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Clients int
			Seconds float64
			Unsafe  bool
		}
		if !readJSON(w, r, &req) {
			return
		}
		if _, err := l.startWorkload(req.Clients, time.Duration(req.Seconds*float64(time.Second)), req.Unsafe); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, l.workloadResult())
	})
	mux.HandleFunc("GET /api/workload", func(w http.ResponseWriter, r *http.Request) {
		res := l.workloadResult()
		if res == nil {
			writeError(w, fmt.Errorf("%w: no workload has run yet", errNotFound))
			return
		}
		writeJSON(w, http.StatusOK, res)
	})
	return mux
}

var errNotFound = errors.New("not found")

// nodeAction adapts crash and restart to a handler of /api/nodes/{id}/....
func (l *lab) nodeAction(act func(id int) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			writeError(w, fmt.Errorf("node %q: %w", r.PathValue("id"), errNoSuchNode))
			return
		}
		answer(w, act(id))
	}
}

// serveEvents streams frames as Server-Sent Events until the page goes
// away or raftlab stops. Each event is one line of JSON:
//
//	event: frame
//	data: {"seq":12,"events":40,"nodes":[...],"flows":[...],...}
func (l *lab) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	frames := l.hub.subscribe()
	defer l.hub.unsubscribe(frames)
	for {
		select {
		case data, ok := <-frames:
			if !ok {
				return
			}
			if _, err := fmt.Fprintf(w, "event: frame\ndata: %s\n\n", data); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

// readJSON decodes a small JSON body into v, or answers 400 and returns
// false. An empty body counts as {}.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, fmt.Errorf("%w: %v", errBadRequest, err))
		return false
	}
	return true
}

// answer replies {"ok":true} or the error.
func answer(w http.ResponseWriter, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// writeError maps an error to a status code, in one place, and answers
// {"error": "..."}.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, errBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, errNoSuchNode), errors.Is(err, errNotFound):
		code = http.StatusNotFound
	case errors.Is(err, errBusy):
		code = http.StatusConflict
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, errNoLeader):
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
