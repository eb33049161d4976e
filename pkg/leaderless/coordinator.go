// The coordinator: whichever node a client asks runs its read or write
// against the key's replicas, with per-request R and W, stand-ins for
// replicas that are down (sloppy quorum), and read repair.

package leaderless

import (
	"fmt"
	"sync"
)

// Reply codes: the outcome of a Get or Put, beside the call's own error
// (which only means the call failed).
const (
	CodeOK         = ""
	CodeBadRequest = "bad request" // see ErrBadRequest
	CodeMalformed  = "malformed"   // see ErrMalformed
	CodeQuorum     = "no quorum"   // see ErrQuorum
)

// GetArgs asks a coordinator to read Key from R replicas.
type GetArgs struct {
	Key string
	R   int
}

// GetReply is what a read found: the merged siblings (one version if there
// was no conflict, none if the key is absent) and the context to send back
// with the next write of the key.
type GetReply struct {
	Versions []Version
	Context  []byte
	Code     string
	Err      string // details for Code
}

// PutArgs asks a coordinator to write Value to Key on W replicas. Context is
// what the client's last read of Key returned (empty for a blind write): the
// new version replaces exactly the versions that read saw.
type PutArgs struct {
	Key     string
	Value   string
	Context []byte
	W       int
}

// PutReply carries the version written and the context for the next write.
type PutReply struct {
	Version Version
	Context []byte
	Code    string
	Err     string
}

// Put coordinates a write. It stamps a new version with this node's next
// dot, sends it to the key's N home replicas at once, and answers as soon as W
// of them (or stand-ins for them) have it. A home replica that does not answer
// is replaced by the next node on the ring that is not a home replica, which
// keeps the version as a hint for it: the sloppy quorum, which keeps writes
// available when home replicas are down, and is why W acknowledgements do not
// always mean W home replicas have the write. The writes still out when Put
// answers carry on in the background.
func (n *Node) Put(args *PutArgs, reply *PutReply) error {
	homes, fallbacks, code, msg := n.plan(args.Key, args.W, "W")
	if code == CodeOK {
		if len(args.Value) > MaxValueSize {
			code, msg = CodeBadRequest, fmt.Sprintf("value of %d bytes (at most %d)", len(args.Value), MaxValueSize)
		}
	}
	seen, err := decodeContext(args.Context)
	if code == CodeOK && err != nil {
		code, msg = CodeMalformed, err.Error()
	}
	if code != CodeOK {
		reply.Code, reply.Err = code, msg
		return nil
	}

	n.mu.Lock()
	// A dot must never repeat: after a restart with an empty memory, the
	// client's context tells the node how far its counter had got.
	n.counter = max(n.counter, seen.Get(n.cfg.Name)) + 1
	v := Version{Value: args.Value, Node: n.cfg.Name, Counter: n.counter, Seen: seen, Time: n.cfg.Now().UnixNano()}
	n.mu.Unlock()

	acks := n.fanOut(homes, fallbacks, args.W, func(to, hint string) bool {
		return n.call(to, "Node.Write", &WriteArgs{Key: args.Key, Versions: []Version{v}, Hint: hint}, &WriteReply{}) == nil
	})
	if acks < args.W {
		reply.Code = CodeQuorum
		reply.Err = fmt.Sprintf("%d of W=%d replicas acknowledged; the write may still appear", acks, args.W)
		return nil
	}
	reply.Version = v
	reply.Context, _ = v.Clock().MarshalBinary()
	return nil
}

// Get coordinates a read: it asks the key's N home replicas (or stand-ins
// for the ones that do not answer), waits for R answers, and merges them.
// Before answering it repairs every replica that answered with less than the
// merge (read repair), and waits for the repairs: a value this read returns is
// then on at least R replicas, so when 2R > N every later read meets it (no
// read goes back in time). Replicas that answer after the R-th are left to
// anti-entropy.
func (n *Node) Get(args *GetArgs, reply *GetReply) error {
	homes, fallbacks, code, msg := n.plan(args.Key, args.R, "R")
	if code != CodeOK {
		reply.Code, reply.Err = code, msg
		return nil
	}
	type answer struct {
		to, hint string
		vs       []Version
	}
	var mu sync.Mutex
	var answers []answer
	got := n.fanOut(homes, fallbacks, args.R, func(to, hint string) bool {
		var r ReadReply
		if err := n.call(to, "Node.Read", &ReadArgs{Key: args.Key}, &r); err != nil {
			return false
		}
		if validate(args.Key, r.Versions) != nil {
			return false // a replica with garbage is as good as none
		}
		mu.Lock()
		answers = append(answers, answer{to, hint, r.Versions})
		mu.Unlock()
		return true
	})
	if got < args.R {
		reply.Code = CodeQuorum
		reply.Err = fmt.Sprintf("%d of R=%d replicas answered", got, args.R)
		return nil
	}
	mu.Lock()
	first := answers[:got:got] // the answers fanOut counted; later ones may still arrive
	mu.Unlock()
	var merged []Version
	for _, a := range first {
		merged = merge(merged, a.vs)
	}
	// Read repair, synchronously.
	var wg sync.WaitGroup
	for _, a := range first {
		if !sameVersions(a.vs, merged) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n.call(a.to, "Node.Write", &WriteArgs{Key: args.Key, Versions: merged, Hint: a.hint}, &WriteReply{})
			}()
		}
	}
	wg.Wait()
	reply.Versions = merged
	reply.Context, _ = contextOf(merged).MarshalBinary()
	return nil
}

// plan checks a request and returns the key's home replicas and the nodes
// that may stand in for them, in ring order.
func (n *Node) plan(key string, quorum int, name string) (homes, fallbacks []string, code, msg string) {
	if key == "" || len(key) > MaxKeySize {
		return nil, nil, CodeBadRequest, fmt.Sprintf("key of %d bytes (want 1 to %d)", len(key), MaxKeySize)
	}
	if quorum < 1 || quorum > n.cfg.N {
		return nil, nil, CodeBadRequest, fmt.Sprintf("%s=%d with N=%d: %s must be between 1 and N", name, quorum, n.cfg.N, name)
	}
	pref, err := n.cfg.Ring.Preference(key, n.cfg.Ring.Len())
	if err != nil {
		return nil, nil, CodeQuorum, err.Error()
	}
	if len(pref) < n.cfg.N {
		return nil, nil, CodeQuorum, fmt.Sprintf("%d nodes on the ring, fewer than N=%d", len(pref), n.cfg.N)
	}
	return pref[:n.cfg.N], pref[n.cfg.N:], CodeOK, ""
}

// fanOut runs try against every home replica at once; when a home replica
// fails, against the next unused fallback instead, with hint naming the
// home. It returns once quorum tries have succeeded or all have ended, with
// the number that succeeded. Tries still running carry on in the background
// (Stop waits for them).
func (n *Node) fanOut(homes, fallbacks []string, quorum int, try func(to, hint string) bool) int {
	var mu sync.Mutex
	next := 0 // the next unused fallback
	results := make(chan bool, len(homes))
	for _, home := range homes {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if try(home, "") {
				results <- true
				return
			}
			for {
				mu.Lock()
				if next == len(fallbacks) {
					mu.Unlock()
					results <- false
					return
				}
				stand := fallbacks[next]
				next++
				mu.Unlock()
				if try(stand, home) {
					results <- true
					return
				}
			}
		}()
	}
	ok := 0
	for range homes {
		if <-results {
			ok++
			if ok == quorum {
				break
			}
		}
	}
	return ok
}
