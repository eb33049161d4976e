// Package client is a typed Go client for the restdemo task service, and a
// lesson in what a client owes the server it calls.
//
// # How it works
//
// Every call goes through one function, [Client.do], which runs the HTTP
// request inside [retry.Do] from distkit/pkg/retry. What gets retried
// depends on whether repeating the request is safe:
//
//   - GET, PUT and DELETE are idempotent by HTTP's definition (RFC 9110
//     §9.2.2), so a network error, a 429, or a 502/503/504 is retried.
//   - POST creates something. Sent twice, it creates two tasks. With an
//     Idempotency-Key the server recognizes the repeat and replays its first
//     answer, so [Client.Create] retries like a GET and sends the SAME key on
//     every attempt; that is the whole point of the key.
//   - POST without a key is retried only when the request certainly did not
//     reach the service: the connection could not be opened, or the server
//     answered 429 (refused before any work). After any other failure the
//     task may or may not exist, and only the caller can decide what to do.
//
// When the server says when to come back (Retry-After, in seconds or as an
// HTTP date), the client waits exactly that long through [retry.After]
// instead of its own backoff.
//
// Failures from the server arrive as RFC 9457 problem details and come back
// as a *[Problem], which matches [ErrNotFound], [ErrStale] and friends with
// errors.Is.
//
//	c := &client.Client{BaseURL: "http://127.0.0.1:8080"}
//	t, err := c.Create(ctx, client.TaskInput{Title: "write the tour"}, client.NewIdempotencyKey())
//	t.Done = true
//	t, err = c.Replace(ctx, t.ID, t.ETag, t.Input()) // If-Match: the version we read
//	if errors.Is(err, client.ErrStale) { /* someone else changed it: fetch and retry */ }
//
// # Reading order
//
// client.go (the types and the calls), then do.go (one request, its retry
// rules and the Retry-After hint), then problem.go.
package client
