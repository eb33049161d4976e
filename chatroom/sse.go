// The web transport: a page served by net/http that receives with
// Server-Sent Events and sends with POST. The long GET /events request is
// the client's writer; each POST /send is a short-lived reader that finds
// its client through the hub by a secret session token.

package main

import (
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

//go:embed page.html
var page []byte

// pingEvery keeps proxies from closing a quiet stream and lets a write
// fail (and the client leave) soon after a laptop lid closes.
const pingEvery = 15 * time.Second

// webServer serves the page, the event stream and the send endpoint.
type webServer struct {
	hub *hub
}

// newWebHandler returns the HTTP side of the chat, stats included.
func newWebHandler(h *hub) http.Handler {
	s := &webServer{hub: h}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("GET /events", s.events)
	mux.HandleFunc("POST /send", s.send)
	mux.HandleFunc("GET /debug/vars", h.serveVars) // stats.go
	return mux
}

// events streams one client's messages. The first event, named "session",
// carries the token the page must send with every POST /send.
func (s *webServer) events(w http.ResponseWriter, r *http.Request) {
	c := newClient("web", r.RemoteAddr, s.hub.cfg.Outbox)
	c.session = rand.Text()
	c.wantNick = r.URL.Query().Get("nick")
	if !s.hub.join(c) {
		httpError(w, ErrShutdown, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	timeout := s.hub.cfg.WriteTimeout
	write := func(b []byte) error {
		rc.SetWriteDeadline(time.Now().Add(timeout)) // not every ResponseWriter can; then it blocks
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	var frames []byte
	writeBatch := func(batch []*message) error {
		frames = frames[:0]
		for _, m := range batch {
			frames = append(frames, m.sse...)
		}
		return write(frames)
	}

	if err := write([]byte("event: session\ndata: " + c.session + "\n\n")); err != nil {
		s.hub.leave(c, "page unreachable", false)
		return
	}
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		var err error
		select {
		case m := <-c.out:
			batch := []*message{m}
			for len(batch) < maxBatch && len(c.out) > 0 {
				batch = append(batch, <-c.out)
			}
			err = writeBatch(batch)
		case <-ping.C:
			err = write([]byte(": ping\n\n")) // an SSE comment: the page ignores it
		case <-c.quit:
			c.finish(writeBatch)
			return
		case <-r.Context().Done():
			s.hub.leave(c, "closed the page", false)
			return
		}
		if err != nil {
			s.hub.leave(c, "page unreachable", false)
			return
		}
	}
}

// maxPost bounds a POST /send body: a line of MaxLine bytes, form-encoded,
// fits many times over.
const maxPost = 8 << 10

// send takes one line from a page: form fields session and line. The answer
// is 204 when the hub took the line; what the line did arrives on the
// event stream, like everything else the client sees.
func (s *webServer) send(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPost)
	if err := r.ParseForm(); err != nil {
		httpError(w, err, http.StatusBadRequest)
		return
	}
	cmd, perr := parseLine(r.PostForm.Get("line"), s.hub.cfg.MaxLine)
	switch err := s.hub.webCommand(r.PostForm.Get("session"), cmd, perr); {
	case errors.Is(err, ErrNoSession):
		httpError(w, err, http.StatusNotFound)
	case err != nil:
		httpError(w, err, http.StatusServiceUnavailable)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// httpError answers with a status and a small JSON body.
func httpError(w http.ResponseWriter, err error, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
