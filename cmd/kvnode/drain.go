// The drain gate: the KV service as the RPC server sees it, with a count of
// requests in flight so that shutdown can let them finish.

package main

import (
	"sync"
	"time"

	"distkit/pkg/kv"
)

// gate serves the KV RPC methods by passing them to a kv.Server, counting
// each request while it runs. Once drain is called, new requests are
// answered "not the leader" without touching the log, which sends the clerk
// to another server; requests already inside finish normally. Safe for
// concurrent use.
type gate struct {
	s *kv.Server

	mu       sync.Mutex
	draining bool
	inflight sync.WaitGroup // Add only under mu and only while !draining, so Wait is legal
}

// The RPC methods, one line each: the same names and signatures as
// kv.Server's, so clients cannot tell the difference.

func (g *gate) Get(a *kv.Request, r *kv.Reply) error       { return g.do(g.s.Get, a, r) }
func (g *gate) Put(a *kv.Request, r *kv.Reply) error       { return g.do(g.s.Put, a, r) }
func (g *gate) Append(a *kv.Request, r *kv.Reply) error    { return g.do(g.s.Append, a, r) }
func (g *gate) Delete(a *kv.Request, r *kv.Reply) error    { return g.do(g.s.Delete, a, r) }
func (g *gate) Grant(a *kv.Request, r *kv.Reply) error     { return g.do(g.s.Grant, a, r) }
func (g *gate) KeepAlive(a *kv.Request, r *kv.Reply) error { return g.do(g.s.KeepAlive, a, r) }
func (g *gate) Revoke(a *kv.Request, r *kv.Reply) error    { return g.do(g.s.Revoke, a, r) }
func (g *gate) CompareAndSwap(a *kv.Request, r *kv.Reply) error {
	return g.do(g.s.CompareAndSwap, a, r)
}

func (g *gate) do(method func(*kv.Request, *kv.Reply) error, a *kv.Request, r *kv.Reply) error {
	g.mu.Lock()
	if g.draining {
		g.mu.Unlock()
		// Nothing was proposed, so answering "not the leader" is the
		// truth as far as this request goes: the clerk retries the same
		// numbered request elsewhere. LeaderHint -1: this node may
		// still lead for a moment, and naming it would send the clerk
		// straight back.
		r.Code, r.LeaderHint = kv.CodeWrongLeader, -1
		return nil
	}
	g.inflight.Add(1)
	g.mu.Unlock()
	defer g.inflight.Done()
	return method(a, r)
}

// drain refuses new requests and waits for those in flight, at most
// timeout. It reports whether they all finished.
func (g *gate) drain(timeout time.Duration) bool {
	g.mu.Lock()
	g.draining = true
	g.mu.Unlock()
	done := make(chan struct{})
	go func() {
		g.inflight.Wait()
		close(done)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false // the waiting goroutine ends when kv.Server.Stop answers the rest
	}
}
