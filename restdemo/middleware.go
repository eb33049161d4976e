// Middleware, each a plain func(http.Handler) http.Handler, stacked in
// server.go from the outside in:
//
//	requestID -> accessLog -> recoverPanics -> rateLimit -> limitBody -> timeout -> mux
//
// The order matters. The request ID comes first so every later line can
// carry it; the access log sits outside recovery so a panic still shows up as
// a logged 500; the rate limit rejects before any body is read.

package main

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"
)

// Middleware wraps a handler with one concern.
type Middleware func(http.Handler) http.Handler

// chain applies middleware so that the first one listed is the outermost.
func chain(h http.Handler, mw ...Middleware) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// requestIDKey is the context key for the request ID.
type requestIDKey struct{}

// requestIDFrom returns the request ID stored by requestID, or "".
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestID takes the caller's X-Request-ID if it looks sane (a proxy in
// front may have set it, and keeping it lets one ID follow a request through
// every service) or makes one, and echoes it in the response.
//
// A made ID is the instance's name plus a counter: unique as long as
// instance names are, readable in logs, and far cheaper than reading
// crypto/rand on every request.
func requestID(instance string) Middleware {
	prefix := instance + "-"
	var counter atomic.Uint64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-ID")
			if !validRequestID(id) {
				id = prefix + strconv.FormatUint(counter.Add(1), 10)
			}
			w.Header().Set("X-Request-ID", id)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		})
	}
}

// validRequestID accepts 1 to 64 letters, digits and -_.: an ID that is
// safe to log and to echo in a header.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// trackingWriter remembers the status and the body size, for the access log
// and for recoverPanics (which must know whether headers already went out).
type trackingWriter struct {
	http.ResponseWriter
	status int // 0 until WriteHeader or the first Write
	bytes  int64
}

func (t *trackingWriter) WriteHeader(code int) {
	if t.status == 0 && code >= 200 { // 1xx are informational, more follow
		t.status = code
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	n, err := t.ResponseWriter.Write(b)
	t.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (to flush or set
// deadlines) through the wrapper.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// accessLog writes one line per request at Info and counts responses by
// status class in the server's expvar map.
func accessLog(log *slog.Logger, m *metrics) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			tw := &trackingWriter{ResponseWriter: w}
			next.ServeHTTP(tw, r)
			if tw.status == 0 { // the handler wrote nothing: net/http sends 200
				tw.status = http.StatusOK
			}
			m.countResponse(tw.status)
			// LogAttrs with typed attributes avoids boxing every value in an
			// interface; Enabled skips the work when Info is off.
			if log.Enabled(r.Context(), slog.LevelInfo) {
				log.LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("id", requestIDFrom(r.Context())),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Int("status", tw.status),
					slog.Int64("bytes", tw.bytes),
					slog.Duration("took", time.Since(start)),
					slog.String("client", clientKey(r)))
			}
		})
	}
}

// recoverPanics turns a panicking handler into a 500 problem and a logged
// stack trace, instead of net/http's default (log to stderr, cut the
// connection). http.ErrAbortHandler is the sanctioned way to abort a
// response, so it is passed on untouched.
func recoverPanics(log *slog.Logger, m *metrics) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				m.panics.Add(1)
				log.LogAttrs(r.Context(), slog.LevelError, "panic",
					slog.String("id", requestIDFrom(r.Context())),
					slog.Any("value", v),
					slog.String("stack", string(debug.Stack())))
				if tw, ok := w.(*trackingWriter); ok && tw.status != 0 {
					// Headers are gone; the best we can do is abort the
					// response so the client sees a broken reply, not a
					// truncated "success".
					panic(http.ErrAbortHandler)
				}
				writeError(w, r, log, errorf(EINTERNAL, "internal error; quote the request ID when reporting it"))
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// timeout gives every request a deadline through its context. Handlers and
// the store check the context, and a handler that runs past it answers 503
// through writeError. Unlike http.TimeoutHandler, nothing is buffered and no
// extra goroutine runs: the handler stays in charge of its response.
func timeout(d time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// limitBody caps request bodies at max bytes. A declared Content-Length over
// the cap is refused before reading a byte; a body that merely turns out too
// long stops at the cap, and the decoder reports *http.MaxBytesError, which
// writeError answers with 413. MaxBytesReader also tells net/http to close
// the connection, since the rest of the body was never read.
func limitBody(max int64, log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				writeError(w, r, log, &http.MaxBytesError{Limit: max})
				return
			}
			if r.Body != http.NoBody { // a GET has nothing to limit
				r.Body = http.MaxBytesReader(w, r.Body, max)
			}
			next.ServeHTTP(w, r)
		})
	}
}
