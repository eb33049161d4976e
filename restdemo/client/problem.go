// Errors from the service: RFC 9457 problem details, decoded.

package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Sentinel errors for the outcomes a caller usually handles. A *Problem
// matches the one for its status code with errors.Is.
var (
	ErrInvalid     = errors.New("invalid request")             // 400 and 422: fix the request
	ErrNotFound    = errors.New("not found")                   // 404
	ErrStale       = errors.New("stale version")               // 412: someone changed it since you read it
	ErrKeyReused   = errors.New("idempotency key reused")      // 422 for a key sent with a different body
	ErrRateLimited = errors.New("rate limited")                // 429, after the retries ran out
	ErrUnavailable = errors.New("service unavailable")         // 503, after the retries ran out
	ErrNeedMatch   = errors.New("precondition required")       // 428: the call lacked If-Match
	ErrConflict    = errors.New("request already in progress") // 409: the same key is still being processed
)

// Problem is an error answer from the service (RFC 9457).
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Instance  string       `json:"instance"`
	RequestID string       `json:"request_id"`
	Errors    []FieldError `json:"errors"`
}

// FieldError is the service's complaint about one field.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func (p *Problem) Error() string {
	s := strconv.Itoa(p.Status) + " " + p.Title
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	for _, f := range p.Errors {
		s += "; " + f.Field + " " + f.Detail
	}
	return s
}

// Is matches the sentinel errors above.
func (p *Problem) Is(target error) bool {
	switch target {
	case ErrInvalid:
		return p.Status == http.StatusBadRequest || p.Status == http.StatusUnprocessableEntity && !p.keyReused()
	case ErrKeyReused:
		return p.keyReused()
	case ErrNotFound:
		return p.Status == http.StatusNotFound
	case ErrStale:
		return p.Status == http.StatusPreconditionFailed
	case ErrNeedMatch:
		return p.Status == http.StatusPreconditionRequired
	case ErrConflict:
		return p.Status == http.StatusConflict
	case ErrRateLimited:
		return p.Status == http.StatusTooManyRequests
	case ErrUnavailable:
		return p.Status == http.StatusServiceUnavailable
	}
	return false
}

// keyReused tells the 422 for a reused Idempotency-Key from a validation 422.
func (p *Problem) keyReused() bool {
	return p.Status == http.StatusUnprocessableEntity && p.Type == "https://distkit.example/problems/idempotency-key-reuse"
}

// parseProblem makes a *Problem from an error response. A body that is not a
// problem (a proxy's HTML error page) still yields the status.
func parseProblem(resp *http.Response, body []byte) *Problem {
	p := &Problem{}
	if json.Unmarshal(body, p) != nil || p.Status == 0 {
		p = &Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
	}
	return p
}
