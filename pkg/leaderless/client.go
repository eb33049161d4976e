// The client: sends each request to one coordinator and turns reply codes
// back into errors.

package leaderless

import (
	"context"
	"fmt"
)

// Client talks to the store through one coordinator node (any node will
// do). It keeps no state between calls: the context a read returns is the
// caller's to keep and send back with its next write. Safe for concurrent
// use.
type Client struct {
	coordinator Caller
}

// NewClient returns a client that sends every request to coordinator.
func NewClient(coordinator Caller) *Client { return &Client{coordinator: coordinator} }

// Result is what a read returns.
type Result struct {
	// Siblings holds the key's current versions: none if absent, one
	// normally, several after concurrent writes. Resolve them (LWW, or a
	// merge of your own) and write the result with Context.
	Siblings []Version
	// Context is an opaque token naming every version read. A write sent
	// with it replaces all of Siblings.
	Context []byte
}

// Get reads key from r replicas. It fails with ErrBadRequest for r out of
// 1..N and ErrQuorum when fewer than r replicas answered.
func (c *Client) Get(ctx context.Context, key string, r int) (Result, error) {
	var reply GetReply
	if err := c.call(ctx, "Node.Get", &GetArgs{Key: key, R: r}, &reply); err != nil {
		return Result{}, fmt.Errorf("get %q: %w", key, err)
	}
	if err := codeErr(reply.Code, reply.Err); err != nil {
		return Result{}, fmt.Errorf("get %q: %w", key, err)
	}
	return Result{Siblings: reply.Versions, Context: reply.Context}, nil
}

// Put writes value to key on w replicas, replacing the versions that
// context (from a Get; nil for a blind write) names. It returns the new
// version's context. It fails with ErrBadRequest for w out of 1..N,
// ErrMalformed for a context that is not one, and ErrQuorum when fewer than
// w replicas acknowledged, in which case the write may still have happened.
func (c *Client) Put(ctx context.Context, key, value string, context []byte, w int) ([]byte, error) {
	var reply PutReply
	if err := c.call(ctx, "Node.Put", &PutArgs{Key: key, Value: value, Context: context, W: w}, &reply); err != nil {
		return nil, fmt.Errorf("put %q: %w", key, err)
	}
	if err := codeErr(reply.Code, reply.Err); err != nil {
		return nil, fmt.Errorf("put %q: %w", key, err)
	}
	return reply.Context, nil
}

// call makes one RPC, giving up when ctx ends. The call itself is not
// cancelled (net/rpc cannot); its reply is dropped when it comes.
func (c *Client) call(ctx context.Context, method string, args, reply any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- c.coordinator.Call(method, args, reply) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// codeErr maps a reply code to its sentinel error.
func codeErr(code, detail string) error {
	switch code {
	case CodeOK:
		return nil
	case CodeBadRequest:
		return fmt.Errorf("%w: %s", ErrBadRequest, detail)
	case CodeMalformed:
		return fmt.Errorf("%w: %s", ErrMalformed, detail)
	case CodeQuorum:
		return fmt.Errorf("%w: %s", ErrQuorum, detail)
	}
	return fmt.Errorf("leaderless: unknown reply code %q: %s", code, detail)
}
