// One request, with its retry rules.

package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"distkit/pkg/retry"
)

// maxResponse bounds how much of a response body the client reads.
const maxResponse = 1 << 20

// do sends one logical request, retrying per c.Retry, and decodes a 2xx body
// into out (if out is not nil). safe says that repeating the request cannot
// do harm: the method is idempotent or the request carries an
// Idempotency-Key. It returns the headers of the successful response.
func (c *Client) do(ctx context.Context, method, path string, hdr http.Header, body []byte, safe bool, out any) (http.Header, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	return retry.DoValue(ctx, c.Retry, func(ctx context.Context) (http.Header, error) {
		// A fresh request per attempt: a body reader is used up by a send.
		req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(body))
		if err != nil {
			return nil, retry.Permanent(err)
		}
		for k, v := range hdr {
			req.Header[k] = v // the same Idempotency-Key on every attempt
		}
		resp, err := hc.Do(req)
		if err != nil {
			if safe || neverSent(err) {
				return nil, err // retry
			}
			// The request may have been received and acted on. Repeating
			// it could act twice, so stop and let the caller decide.
			return nil, retry.Permanent(fmt.Errorf("%w (not retried: the request may have reached the server)", err))
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		if err != nil {
			if safe {
				return nil, err
			}
			return nil, retry.Permanent(err)
		}
		if resp.StatusCode >= 400 {
			return nil, classify(resp, parseProblem(resp, data), safe)
		}
		if out != nil && resp.StatusCode != http.StatusNoContent {
			if err := json.Unmarshal(data, out); err != nil {
				return nil, retry.Permanent(fmt.Errorf("decode %s %s response: %w", method, path, err))
			}
		}
		return resp.Header, nil
	})
}

// classify decides whether an error status is worth another attempt.
func classify(resp *http.Response, p *Problem, safe bool) error {
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		// Refused before any work was done: safe to repeat even for a POST
		// without a key. Wait as long as the server asked.
		return withRetryAfter(p, resp.Header)
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		if safe {
			return withRetryAfter(p, resp.Header)
		}
	case http.StatusConflict:
		// Our own key is still in flight (an earlier attempt that timed out
		// on our side is still running there). Its answer will be replayed.
		if safe {
			return p
		}
	}
	return retry.Permanent(p)
}

// withRetryAfter marks p with the server's Retry-After, if it sent one.
func withRetryAfter(p *Problem, h http.Header) error {
	if d, ok := retryAfter(h.Get("Retry-After"), time.Now()); ok {
		return retry.After(p, d)
	}
	return p
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// neverSent reports whether err happened before the request could leave:
// dialing failed, so the server has not seen a byte. (http.Transport itself
// already retries a request that failed on a reused connection before
// anything was written, when it knows the request is idempotent; it counts a
// request with an Idempotency-Key header as idempotent, too.)
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
