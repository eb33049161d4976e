// Trace context: the W3C traceparent header, so one request can be followed
// through the gateway and every backend it calls, in the logs of each.
//
//	traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//	             version, trace ID (16 bytes), parent span ID (8 bytes), flags
//
// The trace ID names the whole request and never changes on its way. The
// span ID names one hop: the gateway keeps the caller's trace ID (or starts
// a trace if the caller sent none, or sent one it cannot parse), takes a
// new span ID for itself, and gives every backend call another new span ID,
// so a tracing backend could draw the tree. A production service would use
// OpenTelemetry (go.opentelemetry.io/otel and its otelhttp handler), which
// does this and exports the spans; here the logs carry them.

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
)

// traceHeader is the header's name; HTTP header names are case-insensitive.
const traceHeader = "traceparent"

// traceContext is a parsed traceparent: a trace, a span in it, and the
// flags (bit 0: sampled).
type traceContext struct {
	traceID [16]byte
	spanID  [8]byte
	flags   byte
}

// parseTraceparent parses a version-00 header. It rejects what the
// specification says to reject: wrong lengths or separators, upper-case or
// non-hex digits, version ff, and all-zero IDs. Later versions may append
// fields after a dash; their first four fields are read the same way.
func parseTraceparent(s string) (traceContext, bool) {
	var tc traceContext
	if len(s) < 55 || (len(s) > 55 && (s[:2] == "00" || s[55] != '-')) {
		return tc, false
	}
	if s[2] != '-' || s[35] != '-' || s[52] != '-' || s[:2] == "ff" {
		return tc, false
	}
	var version, flags [1]byte
	for _, f := range []struct {
		dst []byte
		src string
	}{{version[:], s[0:2]}, {tc.traceID[:], s[3:35]}, {tc.spanID[:], s[36:52]}, {flags[:], s[53:55]}} {
		if !lowerHex(f.src) {
			return tc, false
		}
		if _, err := hex.Decode(f.dst, []byte(f.src)); err != nil {
			return tc, false
		}
	}
	if tc.traceID == [16]byte{} || tc.spanID == [8]byte{} {
		return tc, false
	}
	tc.flags = flags[0]
	return tc, true
}

// newTrace starts a trace: a random trace ID and span ID, sampled.
func newTrace() traceContext {
	var tc traceContext
	rand.Read(tc.traceID[:]) // crypto/rand.Read never fails (Go 1.24+)
	rand.Read(tc.spanID[:])
	tc.flags = 1
	return tc
}

// child returns the next hop's context: the same trace and flags, a new
// span ID.
func (tc traceContext) child() traceContext {
	rand.Read(tc.spanID[:])
	return tc
}

// String formats the header value.
func (tc traceContext) String() string {
	return "00-" + hex.EncodeToString(tc.traceID[:]) + "-" + hex.EncodeToString(tc.spanID[:]) + "-" + hex.EncodeToString([]byte{tc.flags})
}

// traceID is the trace ID in hex, the attribute that joins log lines.
func (tc traceContext) traceIDString() string { return hex.EncodeToString(tc.traceID[:]) }

type traceKey struct{}

// traceFrom returns the request's trace context, set by traceRequests.
func traceFrom(ctx context.Context) (traceContext, bool) {
	tc, ok := ctx.Value(traceKey{}).(traceContext)
	return tc, ok
}

// traceRequests continues the caller's trace, or starts one, with a new
// span for this hop; logs the request with its trace and span IDs; and
// echoes the gateway's traceparent in the response so a caller without
// tracing can still quote it.
func traceRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tc, ok := parseTraceparent(r.Header.Get(traceHeader))
		if ok {
			tc = tc.child()
		} else {
			tc = newTrace()
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("trace_id", tc.traceIDString()), slog.String("traceparent", tc.String()))
		w.Header().Set(traceHeader, tc.String())
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), traceKey{}, tc)))
	})
}

// propagateTrace sets the traceparent of an outgoing request made for ctx:
// the same trace, a new span ID for this call. It returns the header value
// for the log, or "" when ctx carries no trace.
func propagateTrace(ctx context.Context, req *http.Request) string {
	tc, ok := traceFrom(ctx)
	if !ok {
		return ""
	}
	v := tc.child().String()
	req.Header.Set(traceHeader, v)
	return v
}

func lowerHex(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
