// The cache of configurations Lowe's search has explored, and the bitset
// that names a set of linearized operations.

package linearizability

import "math/bits"

// bitset is a set of operation indices.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)   { b[i/64] |= 1 << (i % 64) }
func (b bitset) clear(i int) { b[i/64] &^= 1 << (i % 64) }

// hash mixes the words so that sets differing in one operation land in
// different buckets: a multiply by a large odd constant and a rotation per
// word, in the spirit of FNV but a word at a time.
func (b bitset) hash() uint64 {
	h := uint64(14695981039346656037)
	for _, w := range b {
		h = bits.RotateLeft64((h^w)*0x9E3779B97F4A7C15, 31)
	}
	return h
}

func (b bitset) equal(o bitset) bool {
	for i := range b {
		if b[i] != o[i] {
			return false
		}
	}
	return true
}

// configCache is Lowe's set of configurations: which operations are
// linearized, and the state they left the model in. Only the set can be
// hashed (states are compared with Model.Equal), so a bucket holds every
// state seen with the same set; there are few, because most orders of the
// same operations end in the same state.
type configCache struct {
	equal   func(a, b any) bool
	buckets map[uint64][]config
}

type config struct {
	linearized bitset
	state      any
}

func newConfigCache(model Model) *configCache {
	return &configCache{equal: model.Equal, buckets: make(map[uint64][]config)}
}

// add records the configuration and reports whether it is new. It copies
// linearized, which the search keeps changing.
func (c *configCache) add(linearized bitset, state any) bool {
	h := linearized.hash()
	for _, cfg := range c.buckets[h] {
		if cfg.linearized.equal(linearized) && c.equal(cfg.state, state) {
			return false
		}
	}
	c.buckets[h] = append(c.buckets[h], config{linearized: append(bitset(nil), linearized...), state: state})
	return true
}
