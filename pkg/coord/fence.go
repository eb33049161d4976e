// The other half of a safe lock: a storage service that checks fencing
// tokens. A lock service alone cannot stop a client that does not know it
// lost the lock; only the resource it writes to can.

package coord

import (
	"errors"
	"fmt"
	"sync"
)

// ErrStaleToken is returned by FencedStore.Write for a token lower than
// one the store has already accepted: the writer's lock has passed to a
// newer holder since it took it.
var ErrStaleToken = errors.New("coord: stale fencing token")

// FencedStore is a tiny storage service that accepts a write only with a
// fencing token at least as high as any it has accepted before. It stands
// for the database, file server or queue that a lock protects; the check
// it makes is the whole idea, and it must be made by the storage itself,
// atomically with the write. Safe for concurrent use.
type FencedStore struct {
	mu      sync.Mutex
	highest int64 // the highest token accepted so far; it only grows
	data    map[string]string
}

// NewFencedStore returns an empty store that has seen no token.
func NewFencedStore() *FencedStore {
	return &FencedStore{data: make(map[string]string)}
}

// Write sets key to value if token is at least the highest token accepted
// so far, and remembers token. The same holder may write many times with
// its token; a lower token fails with an error wrapping ErrStaleToken and
// changes nothing.
func (fs *FencedStore) Write(token int64, key, value string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if token < fs.highest {
		return fmt.Errorf("write %q with token %d: %w (token %d has been used since)", key, token, ErrStaleToken, fs.highest)
	}
	fs.highest = token
	fs.data[key] = value
	return nil
}

// Read returns key's value and whether it is set.
func (fs *FencedStore) Read(key string) (string, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	v, ok := fs.data[key]
	return v, ok
}

// Highest returns the highest token accepted so far (0: none).
func (fs *FencedStore) Highest() int64 {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.highest
}
