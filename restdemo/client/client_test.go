package client

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/retry"
)

// step is what the fake server does on one attempt: answer with status,
// headers and body, or fail the round trip with err.
type step struct {
	status int
	hdr    http.Header
	body   string
	err    error
}

// fake is an http.RoundTripper that plays steps in order and records the
// requests, without any network.
type fake struct {
	steps []step
	seen  []*http.Request
	at    []time.Time
}

func (f *fake) RoundTrip(req *http.Request) (*http.Response, error) {
	f.seen = append(f.seen, req)
	f.at = append(f.at, time.Now())
	if len(f.steps) == 0 {
		return nil, errors.New("fake: no more steps")
	}
	s := f.steps[0]
	f.steps = f.steps[1:]
	if s.err != nil {
		return nil, s.err
	}
	if s.hdr == nil {
		s.hdr = http.Header{}
	}
	return &http.Response{StatusCode: s.status, Header: s.hdr, Body: io.NopCloser(strings.NewReader(s.body)), Request: req}, nil
}

var (
	created   = step{status: 201, hdr: http.Header{"Etag": {`"v1"`}}, body: `{"id":7,"title":"t","version":1}`}
	dialErr   = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	resetErr  = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	throttled = step{status: 429, hdr: http.Header{"Retry-After": {"3"}}, body: `{"status":429,"title":"Too Many Requests"}`}
	busy      = step{status: 503, hdr: http.Header{"Retry-After": {"2"}}, body: `{"status":503,"title":"Service Unavailable"}`}
)

// TestCreate_RetryRules is the retry table: which failures a create retries,
// with and without an Idempotency-Key, and how long it waits.
func TestCreate_RetryRules(t *testing.T) {
	tests := []struct {
		name         string
		key          string
		steps        []step
		wantAttempts int
		wantErr      error         // nil for success
		wantWaited   time.Duration // total virtual time; Retry-After is honoured exactly
	}{
		{"success", "", []step{created}, 1, nil, 0},
		{"dial error without key is retried", "", []step{{err: dialErr}, created}, 2, nil, -1},
		{"reset without key is not retried", "", []step{{err: resetErr}, created}, 1, syscall.ECONNRESET, 0},
		{"reset with key is retried", "k", []step{{err: resetErr}, created}, 2, nil, -1},
		{"429 without key waits Retry-After", "", []step{throttled, created}, 2, nil, 3 * time.Second},
		{"503 without key is not retried", "", []step{busy, created}, 1, ErrUnavailable, 0},
		{"503 with key waits Retry-After", "k", []step{busy, busy, created}, 3, nil, 4 * time.Second},
		{"422 is final", "k", []step{{status: 422, body: `{"status":422,"title":"Unprocessable Entity","errors":[{"field":"title","detail":"is required"}]}`}}, 1, ErrInvalid, 0},
		{"key reuse is final", "k", []step{{status: 422, body: `{"status":422,"type":"https://distkit.example/problems/idempotency-key-reuse"}`}}, 1, ErrKeyReused, 0},
		{"attempts run out", "k", []step{busy, busy, busy, busy, created}, 4, ErrUnavailable, 6 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fake{steps: tc.steps}
				c := &Client{BaseURL: "http://tasks", HTTP: &http.Client{Transport: f}}
				start := time.Now()
				task, err := c.Create(context.Background(), TaskInput{Title: "t"}, tc.key)
				if len(f.seen) != tc.wantAttempts {
					t.Errorf("got %d attempts, want %d", len(f.seen), tc.wantAttempts)
				}
				switch {
				case tc.wantErr == nil && err != nil:
					t.Fatalf("Create: %v, want success", err)
				case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
					t.Fatalf("Create: got error %v, want one matching %v", err, tc.wantErr)
				case tc.wantErr == nil && (task.ID != 7 || task.ETag != `"v1"`):
					t.Errorf("Create: got %+v, want task 7 with ETag \"v1\"", task)
				}
				if waited := time.Since(start); tc.wantWaited >= 0 && waited != tc.wantWaited {
					t.Errorf("waited %v, want %v", waited, tc.wantWaited)
				}
				for i, req := range f.seen { // one key, every attempt
					if got := req.Header.Get("Idempotency-Key"); got != tc.key {
						t.Errorf("attempt %d: Idempotency-Key %q, want %q", i+1, got, tc.key)
					}
				}
			})
		})
	}
}

// TestGet_RetriesAndErrors: GET is idempotent, so transient failures are
// retried; 404 is not.
func TestGet_RetriesAndErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fake{steps: []step{{err: resetErr}, {status: 502}, {status: 200, hdr: http.Header{"Etag": {`"v4"`}}, body: `{"id":3,"version":4}`}}}
		c := &Client{BaseURL: "http://tasks", HTTP: &http.Client{Transport: f}}
		task, err := c.Get(context.Background(), 3)
		if err != nil || task.Version != 4 || task.ETag != `"v4"` || len(f.seen) != 3 {
			t.Errorf("Get after a reset and a 502: got %+v, %v after %d attempts; want version 4, ETag \"v4\", 3 attempts", task, err, len(f.seen))
		}
		f = &fake{steps: []step{{status: 404, body: `{"status":404,"title":"Not Found","detail":"task 3 does not exist"}`}}}
		c.HTTP = &http.Client{Transport: f}
		_, err = c.Get(context.Background(), 3)
		var p *Problem
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &p) || p.Detail != "task 3 does not exist" || len(f.seen) != 1 {
			t.Errorf("Get of a missing task: got %v after %d attempts, want ErrNotFound with the detail, 1 attempt", err, len(f.seen))
		}
	})
}

// TestReplace_SendsIfMatch and maps 412 to ErrStale.
func TestReplace_SendsIfMatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fake{steps: []step{{status: 412, body: `{"status":412,"title":"Precondition Failed"}`}}}
		c := &Client{BaseURL: "http://tasks", HTTP: &http.Client{Transport: f}, Retry: retry.Policy{MaxAttempts: 2}}
		_, err := c.Replace(context.Background(), 1, `"v1"`, TaskInput{Title: "x"})
		if !errors.Is(err, ErrStale) || f.seen[0].Header.Get("If-Match") != `"v1"` || f.seen[0].Method != "PUT" {
			t.Errorf("Replace with a stale ETag: got %v, If-Match %q; want ErrStale, \"v1\"", err, f.seen[0].Header.Get("If-Match"))
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v      string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range tests {
		got, ok := retryAfter(tc.v, now)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestProblem_Error(t *testing.T) {
	p := &Problem{Status: 422, Title: "Unprocessable Entity", Detail: "the task is not valid",
		Errors: []FieldError{{"title", "is required"}, {"priority", "must be between 1 and 5"}}}
	want := "422 Unprocessable Entity: the task is not valid; title is required; priority must be between 1 and 5"
	if got := p.Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if s := strconv.Itoa(len(NewIdempotencyKey())); s == "0" {
		t.Error("NewIdempotencyKey returned an empty key")
	}
}
