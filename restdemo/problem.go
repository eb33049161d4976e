// Errors, in the application's words and on the wire. Handlers return errors;
// exactly one function, writeError, turns an error into a status code and an
// RFC 9457 problem details body. This is wtf's http.Error shape: the rest of
// the service never chooses a status code for a failure.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
)

// Error codes say what went wrong without saying how HTTP spells it, so the
// store and the decoder stay free of status codes. errorStatus maps them.
const (
	EINVALID      = "invalid"               // malformed request: bad JSON, bad ID, bad query
	EVALIDATION   = "validation"            // well-formed request, unacceptable values
	ENOTFOUND     = "not-found"             // no such resource or route
	EMETHOD       = "method-not-allowed"    // the route exists, the method does not
	EMEDIATYPE    = "unsupported-media"     // the body is not application/json
	ETOOLARGE     = "too-large"             // the body is over the limit
	EPRECONDITION = "precondition-failed"   // If-Match names an old version
	ENEEDMATCH    = "precondition-required" // an update without If-Match
	ECONFLICT     = "conflict"              // the same Idempotency-Key is still being processed
	EKEYREUSE     = "idempotency-key-reuse" // the same Idempotency-Key with another body
	ERATELIMIT    = "rate-limited"          // this client is over its request rate
	EUNAVAILABLE  = "unavailable"           // timed out or shutting down; try again
	EINTERNAL     = "internal"              // a bug or a failed dependency; details only in the log
)

// problemTypeBase prefixes every problem "type". RFC 9457 asks for a URI that
// identifies the problem; it need not resolve. The .example top-level domain
// is reserved (RFC 2606), so nobody mistakes it for documentation online.
const problemTypeBase = "https://distkit.example/problems/"

// Error is a failure the client caused or can act on. Its Message is shown to
// the client as the problem's detail, so it must never carry internal state.
// Any other error reaching writeError is reported as a bare 500.
type Error struct {
	Code    string       // one of the E* constants
	Message string       // a sentence for the client
	Fields  []FieldError // field-level complaints, for EINVALID and EVALIDATION
}

// FieldError is one complaint about one field of the request: a JSON body
// member ("title") or a query parameter ("limit").
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// errorf is shorthand for an *Error without field errors.
func errorf(code, message string) *Error { return &Error{Code: code, Message: message} }

// problem is the RFC 9457 body. The first five members are the RFC's; the
// request ID and the list of field errors are extensions, which the RFC
// explicitly allows and clients must ignore if they don't know them.
type problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// errorStatus maps an error code to its HTTP status.
var errorStatus = map[string]int{
	EINVALID:      http.StatusBadRequest,
	EVALIDATION:   http.StatusUnprocessableEntity,
	ENOTFOUND:     http.StatusNotFound,
	EMETHOD:       http.StatusMethodNotAllowed,
	EMEDIATYPE:    http.StatusUnsupportedMediaType,
	ETOOLARGE:     http.StatusRequestEntityTooLarge,
	EPRECONDITION: http.StatusPreconditionFailed,
	ENEEDMATCH:    http.StatusPreconditionRequired,
	ECONFLICT:     http.StatusConflict,
	EKEYREUSE:     http.StatusUnprocessableEntity,
	ERATELIMIT:    http.StatusTooManyRequests,
	EUNAVAILABLE:  http.StatusServiceUnavailable,
	EINTERNAL:     http.StatusInternalServerError,
}

// writeError is the one place where a failure becomes an HTTP response.
// Headers that belong to a particular failure (Allow for 405, Retry-After for
// 429) are set by whoever detected it, before calling writeError.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		// The client's own mistake or a condition it can act on.
	case errors.As(err, &tooBig):
		// http.MaxBytesReader stopped the body; the decoder passed that on.
		e = errorf(ETOOLARGE, "request body is larger than the limit of "+strconv.FormatInt(tooBig.Limit, 10)+" bytes")
	case errors.Is(err, context.DeadlineExceeded):
		// The timeout middleware's deadline passed while the handler worked.
		e = errorf(EUNAVAILABLE, "the request took too long; try again")
	case errors.Is(err, context.Canceled):
		// The client went away. Nobody reads this answer, but the access log
		// should still show what happened.
		e = errorf(EUNAVAILABLE, "request cancelled")
	default:
		// Anything else is our bug or a broken dependency. The client learns
		// only the request ID; the log has the rest.
		log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", requestIDFrom(r.Context())), slog.String("err", err.Error()))
		e = errorf(EINTERNAL, "internal error; quote the request ID when reporting it")
	}
	status, ok := errorStatus[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := problem{
		Type:      problemTypeBase + e.Code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    e.Message,
		Instance:  r.URL.RequestURI(),
		RequestID: requestIDFrom(r.Context()),
		Errors:    e.Fields,
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	// An error answer describes this attempt, not the resource, so it must not
	// carry a validator a cache could confuse with the resource's.
	h.Del("ETag")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p) // a write error means the client left
}
