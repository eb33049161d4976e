// Rooms: who is in which, what was said there lately, and who hears about
// comings and goings. Every function here runs on the hub goroutine.

package main

import "fmt"

// room is a set of members and the last messages said there. Hub-owned.
type room struct {
	name    string
	members map[*client]struct{}
	history []*message // oldest first, at most config.History
}

// enter puts c in the named room, creating it, replays its history to c
// and tells the members.
func (h *hub) enter(c *client, name string) {
	r := h.rooms[name]
	if r == nil {
		r = &room{name: name, members: make(map[*client]struct{})}
		h.rooms[name] = r
	}
	for _, m := range r.history {
		h.deliver(c, m)
	}
	r.members[c] = struct{}{}
	c.room = r
	joined := h.notice(kindNotice, fmt.Sprintf("%s joined %s (%d here)", c.nick, name, len(r.members)))
	if h.quiet(r) {
		h.deliver(c, joined) // only the newcomer hears it
		return
	}
	h.broadcast(r, joined)
}

// exit takes c out of its room, announcing why, and forgets an empty room
// together with its history.
func (h *hub) exit(c *client, why string) {
	r := c.room
	delete(r.members, c)
	c.room = nil
	if len(r.members) == 0 {
		delete(h.rooms, r.name)
		return
	}
	if !h.quiet(r) {
		h.broadcast(r, h.notice(kindNotice, why))
	}
}

// quiet reports whether r is too big to announce comings and goings. In a
// room of n members, n joins make n*n/2 notices: when ten thousand clients
// reconnect after a restart, the announcements alone would overflow every
// outbox. Big IRC channels and chat services hide them for the same reason.
func (h *hub) quiet(r *room) bool { return len(r.members) > h.cfg.QuietAbove }
