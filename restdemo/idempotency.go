// Idempotency-Key for POST, after the IETF httpapi draft
// "The Idempotency-Key HTTP Header Field". A client that did not hear back
// from a create cannot know whether the task exists. If it sent a key, it can
// simply send the same request again: the server remembers the first answer
// under that key and replays it (same status, body and Location) instead of
// creating a second task.
//
// The rules, as the draft suggests them:
//   - same key, same request, first one finished: replay its response, marked
//     with Idempotent-Replayed: true;
//   - same key while the first is still running: 409 Conflict;
//   - same key, different body: 422, the key is being misused;
//   - 5xx answers are not remembered, so the retry really runs again;
//   - keys expire after a TTL, and at most maxKeys are kept.

package main

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/http"
	"sync"
	"time"
)

// maxKeyLen bounds an Idempotency-Key; a UUID is 36 characters.
const maxKeyLen = 255

// idemEntry is what the server remembers about one key.
type idemEntry struct {
	fingerprint [32]byte // hash of method, path and body of the first request
	done        bool     // false while the first request is being handled
	expires     time.Time

	// The first response, set when done.
	status int
	header http.Header // only the headers worth replaying
	body   []byte
}

// idemCache maps keys to entries. It is safe for concurrent use.
type idemCache struct {
	ttl     time.Duration
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	entries map[string]*idemEntry // guarded by mu
	// order lists entries oldest first. With one TTL for all, oldest first is
	// also soonest-to-expire first, so expiry only ever looks at the front.
	order []queued // guarded by mu
}

type queued struct {
	key   string
	entry *idemEntry
}

func newIdemCache(ttl time.Duration, maxKeys int, now func() time.Time) *idemCache {
	return &idemCache{ttl: ttl, maxKeys: maxKeys, now: now, entries: make(map[string]*idemEntry)}
}

// outcome says what begin decided.
type outcome int

const (
	fresh    outcome = iota // first time: run the handler
	replay                  // done before with the same request: replay
	inFlight                // the first request is still running
	mismatch                // the key was used for a different request
)

// begin looks the key up and, if it is new, claims it for this request.
func (c *idemCache) begin(key string, fp [32]byte) (*idemEntry, outcome) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if e, ok := c.entries[key]; ok {
		switch {
		case e.fingerprint != fp:
			return e, mismatch
		case !e.done:
			return e, inFlight
		default:
			return e, replay
		}
	}
	for len(c.entries) >= c.maxKeys { // full: forget the oldest key early
		c.pop()
	}
	e := &idemEntry{fingerprint: fp, expires: now.Add(c.ttl)}
	c.entries[key] = e
	c.order = append(c.order, queued{key, e})
	return e, fresh
}

// finish records the response of the request that claimed e.
func (c *idemCache) finish(e *idemEntry, status int, header http.Header, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.status, e.header, e.body, e.done = status, header, body, true
}

// abandon forgets e, so a retry with the same key runs afresh. The pointer
// check keeps us from deleting a newer entry that reused the key after e was
// evicted.
func (c *idemCache) abandon(key string, e *idemEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[key] == e {
		delete(c.entries, key)
	}
}

// expire drops entries whose time is up. Called with mu held.
func (c *idemCache) expire(now time.Time) {
	for len(c.order) > 0 && !now.Before(c.order[0].entry.expires) {
		c.pop()
	}
}

// pop drops the oldest queued entry. Called with mu held.
func (c *idemCache) pop() {
	q := c.order[0]
	c.order = c.order[1:]
	if c.entries[q.key] == q.entry { // not already abandoned and reused
		delete(c.entries, q.key)
	}
}

// keys reports how many keys are remembered, for /debug/vars.
func (c *idemCache) keys() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// idempotent wraps a non-idempotent handler (POST /tasks) with the rules
// above. Requests without the header pass straight through.
func (s *server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > maxKeyLen {
			writeError(w, r, s.log, &Error{Code: EINVALID, Message: "bad Idempotency-Key",
				Fields: []FieldError{{"Idempotency-Key", "must be at most 255 characters"}}})
			return
		}
		// The body is part of the request's identity, so read it now (it is
		// already capped by limitBody) and hand the handler a fresh reader.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fp := fingerprint(r, body)

		e, result := s.idem.begin(key, fp)
		switch result {
		case mismatch:
			writeError(w, r, s.log, errorf(EKEYREUSE, "this Idempotency-Key was already used for a different request; use a new key for a new request"))
			return
		case inFlight:
			writeError(w, r, s.log, errorf(ECONFLICT, "a request with this Idempotency-Key is still being processed; retry later"))
			return
		case replay:
			s.metrics.replays.Add(1)
			h := w.Header()
			for k, v := range e.header {
				h[k] = v
			}
			h.Set("Idempotent-Replayed", "true")
			w.WriteHeader(e.status)
			_, _ = w.Write(e.body)
			return
		}

		rec := &recorder{ResponseWriter: w}
		finished := false
		defer func() {
			// Remember 2xx-4xx answers. A 5xx (timeout, bug) or a panic says
			// nothing about the request, so the key is released for a retry.
			if finished && rec.status < 500 {
				s.idem.finish(e, rec.status, replayHeaders(w.Header()), rec.body.Bytes())
			} else {
				s.idem.abandon(key, e)
			}
		}()
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		finished = true
	})
}

// fingerprint identifies a request: same method, path, media type and body
// means "the same request".
func fingerprint(r *http.Request, body []byte) [32]byte {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\n"+r.Header.Get("Content-Type")+"\n")
	h.Write(body)
	var fp [32]byte
	h.Sum(fp[:0])
	return fp
}

// replayHeaders copies the headers a replay must repeat.
func replayHeaders(h http.Header) http.Header {
	out := make(http.Header)
	for _, k := range []string{"Content-Type", "Location", "ETag"} {
		if v := h.Values(k); v != nil {
			out[http.CanonicalHeaderKey(k)] = v // "ETag" is stored as "Etag"
		}
	}
	return out
}

// recorder passes a response through and keeps a copy of its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
