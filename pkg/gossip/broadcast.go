// The piggyback queue: each update rides on λ·log N outgoing messages, then stops.

package gossip

import (
	"math"
	"slices"
)

// broadcast is an update waiting to be piggybacked, and how many messages
// have carried it so far.
type broadcast struct {
	update    Update
	transmits int
}

// queueLocked puts u on the piggyback queue, replacing any older update
// about the same member (only the newest news is worth sending).
// Call with m.mu held.
func (m *Member) queueLocked(u Update) {
	m.queue = slices.DeleteFunc(m.queue, func(b *broadcast) bool { return b.update.Name == u.Name })
	m.queue = append(m.queue, &broadcast{update: u})
}

// piggybackLocked picks up to MaxPiggyback updates for one outgoing message,
// least-sent first, so fresh news goes out before old news is repeated.
// Each update is retransmitted RetransmitMult·⌈log10(N+1)⌉ times: enough
// that, with high probability, every member hears it (SWIM §4.1, the
// infection-style analysis), and no more. Call with m.mu held.
func (m *Member) piggybackLocked() []Update {
	if len(m.queue) == 0 {
		return nil
	}
	slices.SortStableFunc(m.queue, func(a, b *broadcast) int { return a.transmits - b.transmits })
	limit := m.cfg.RetransmitMult * int(math.Ceil(math.Log10(float64(len(m.members)+1))))
	n := min(len(m.queue), m.cfg.MaxPiggyback)
	out := make([]Update, n)
	for i, b := range m.queue[:n] {
		out[i] = b.update
		b.transmits++
	}
	m.queue = slices.DeleteFunc(m.queue, func(b *broadcast) bool { return b.transmits >= limit })
	return out
}
