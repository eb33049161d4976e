// Versions: every value a client writes carries a dot (who wrote it, and
// which of their writes it was) and the context its writer had read. From
// those two, any replica can tell whether one version replaces another or
// whether both must be kept as siblings.

package leaderless

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"distkit/pkg/vclock"
)

// Limits on what a request may carry. Larger keys and values are refused with
// ErrBadRequest, so one client cannot fill a replica's memory with one call.
const (
	MaxKeySize   = 1 << 10
	MaxValueSize = 64 << 10
	// MaxSiblings bounds the versions a request may carry for one key.
	MaxSiblings = 64
)

// Version is one value of a key, as the coordinator that accepted the write
// stamped it. A key holds one version, or several concurrent ones (siblings).
//
// Node and Counter are the version's dot: the Counter-th write coordinated by
// Node. Seen is the writer's context: the clock of everything it had read
// before writing, not including the dot itself. Version v replaces version u
// exactly when v's writer had seen u, that is when v.Seen covers u's dot.
// Keeping the dot apart from the context (a dotted version vector, Preguiça et
// al. 2012, as in Riak) matters: with plain vector clocks, two blind writes
// coordinated by the same node would get clocks {n:1} and {n:2}, and the second
// would silently replace the first although neither writer saw the other.
//
// Time is the coordinator's clock when it accepted the write. It plays no part
// in deciding what replaces what; it only breaks ties when a client resolves
// siblings by last-writer-wins.
type Version struct {
	Value   string
	Node    string
	Counter uint64
	Seen    vclock.VC
	Time    int64 // Unix nanoseconds, coordinator's clock
}

// Clock returns the version's vector clock: its context plus its own dot.
func (v Version) Clock() vclock.VC {
	c := v.Seen.Copy()
	c[v.Node] = max(c[v.Node], v.Counter)
	return c
}

// sameDot reports whether u and v are the same write.
func (v Version) sameDot(u Version) bool { return v.Node == u.Node && v.Counter == u.Counter }

// replaces reports whether v's writer had seen u, so u can be dropped.
func (v Version) replaces(u Version) bool {
	return !v.sameDot(u) && v.Seen.Get(u.Node) >= u.Counter
}

// String renders a version as `"x"@n1:3`.
func (v Version) String() string { return fmt.Sprintf("%q@%s:%d", v.Value, v.Node, v.Counter) }

// merge returns the versions of a and b that no other version replaces,
// each write once, in a canonical order (by dot). It is commutative,
// associative and idempotent, so replicas that merge in any order agree.
func merge(a, b []Version) []Version {
	all := append(slices.Clone(a), b...)
	var out []Version
	for i, v := range all {
		keep := true
		for j, u := range all {
			if u.replaces(v) || (j < i && u.sameDot(v)) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, compareDots)
	return out
}

// sameVersions reports whether two merged sets hold the same writes.
func sameVersions(a, b []Version) bool {
	return slices.EqualFunc(a, b, func(x, y Version) bool { return x.sameDot(y) })
}

// contextOf returns the clock a client sends back with its next write of the
// key: everything it has seen, so that write replaces all of vs.
func contextOf(vs []Version) vclock.VC {
	c := vclock.New()
	for _, v := range vs {
		c.Merge(v.Clock())
	}
	return c
}

// LWW resolves siblings by last-writer-wins: the version with the latest
// Time wins (ties broken by dot, so every client picks the same one), and
// the others are returned as lost, so a caller can log what it throws away.
// It returns a zero Version for no siblings. Cassandra resolves every write
// this way; Dynamo leaves it to the application, which may merge instead
// (a shopping cart takes the union).
func LWW(siblings []Version) (winner Version, lost []Version) {
	if len(siblings) == 0 {
		return Version{}, nil
	}
	i := 0
	for j, v := range siblings {
		w := siblings[i]
		if v.Time > w.Time || (v.Time == w.Time && compareDots(v, w) > 0) {
			i = j
		}
	}
	lost = append(slices.Clone(siblings[:i]), siblings[i+1:]...)
	return siblings[i], lost
}

// compareDots orders versions by writer, then counter.
func compareDots(a, b Version) int {
	return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Counter, b.Counter))
}

// validate checks versions that arrived from the network: a replica must
// never store, and later serve, a version it could not have been sent by a
// correct node.
func validate(key string, vs []Version) error {
	if key == "" || len(key) > MaxKeySize {
		return fmt.Errorf("%w: key of %d bytes (want 1 to %d)", ErrBadRequest, len(key), MaxKeySize)
	}
	if len(vs) > MaxSiblings {
		return fmt.Errorf("%w: %d versions for key %q (at most %d)", ErrBadRequest, len(vs), key, MaxSiblings)
	}
	for _, v := range vs {
		switch {
		case v.Node == "" || v.Counter == 0:
			return fmt.Errorf("%w: version %v of key %q has no dot", ErrMalformed, v, key)
		case len(v.Value) > MaxValueSize:
			return fmt.Errorf("%w: value of %d bytes for key %q (at most %d)", ErrBadRequest, len(v.Value), key, MaxValueSize)
		case v.Seen.Get(v.Node) >= v.Counter:
			return fmt.Errorf("%w: version %v of key %q claims to have seen itself", ErrMalformed, v, key)
		}
	}
	return nil
}

// decodeContext reads the opaque context a client sent with a write. An
// empty context is a blind write: it replaces nothing.
func decodeContext(b []byte) (vclock.VC, error) {
	c := vclock.New()
	if len(b) == 0 {
		return c, nil
	}
	if err := c.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("%w: context: %w", ErrMalformed, err)
	}
	return c, nil
}

// Errors. Replies carry them as a Code (net/rpc delivers only strings), and
// the Client turns the code back into one of these, so callers can use
// errors.Is.
var (
	// ErrBadRequest: R or W out of range (R or W > N), a key or value too
	// large, or an empty key.
	ErrBadRequest = errors.New("leaderless: bad request")
	// ErrMalformed: a context or version that no correct node could have
	// produced.
	ErrMalformed = errors.New("leaderless: malformed version")
	// ErrQuorum: fewer than R (or W) replicas answered. A write that
	// fails this way may still have reached some replicas: its outcome is
	// unknown, not "not written".
	ErrQuorum = errors.New("leaderless: quorum not reached")
)
