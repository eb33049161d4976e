// What each command does to the hub's state. Every function here runs on
// the hub goroutine, so it reads and writes rooms and nicknames freely.

package main

import (
	"fmt"
	"slices"
	"strings"
)

// maxWhoNames caps the names /who lists, so asking in a room of ten
// thousand does not flood the asker's own outbox.
const maxWhoNames = 40

// do carries out one parsed command for c.
func (h *hub) do(c *client, cmd command) {
	now := h.cfg.Now()
	switch cmd.verb {
	case verbNone:
	case verbSay:
		h.broadcast(c.room, newMessage(now, kindChat, c.room.name, c.nick, "", cmd.text))
	case verbMe:
		h.broadcast(c.room, newMessage(now, kindMe, c.room.name, c.nick, "", cmd.text))
	case verbMsg:
		h.private(c, cmd.arg, cmd.text)
	case verbJoin:
		h.move(c, cmd.arg)
	case verbNick:
		h.rename(c, cmd.arg)
	case verbWho:
		h.who(c)
	case verbRooms:
		h.listRooms(c)
	case verbHelp:
		h.help(c)
	case verbQuit:
		reason := "quit"
		if cmd.text != "" {
			reason = "quit: " + cmd.text
		}
		h.drop(c, h.notice(kindNotice, "bye"), true, reason)
	}
}

// private sends text to one nickname and echoes it to the sender, so both
// see the same timestamped line.
func (h *hub) private(c *client, to, text string) {
	target := h.nicks[nickKey(to)]
	if target == nil {
		h.deliver(c, h.notice(kindError, fmt.Sprintf("no one called %q is here (try /who or /rooms)", to)))
		return
	}
	now := h.cfg.Now()
	h.deliver(target, newMessage(now, kindPrivate, "", c.nick, "", text))
	if target != c {
		h.deliver(c, newMessage(now, kindPrivate, "", c.nick, target.nick, text))
	}
}

// move takes c from its room to another, replaying the new room's history.
func (h *hub) move(c *client, name string) {
	if c.room.name == name {
		h.deliver(c, h.notice(kindError, "you are already in "+name))
		return
	}
	h.exit(c, fmt.Sprintf("%s left %s for %s", c.nick, c.room.name, name))
	h.enter(c, name)
}

// rename changes c's nickname if nobody else holds it, in any case.
func (h *hub) rename(c *client, nick string) {
	if c.nick == nick {
		h.deliver(c, h.notice(kindError, "you are already "+nick))
		return
	}
	if other := h.nicks[nickKey(nick)]; other != nil && other != c {
		h.deliver(c, h.notice(kindError, fmt.Sprintf("nickname %q is taken, pick another", nick)))
		return
	}
	old := c.nick
	delete(h.nicks, nickKey(old))
	c.nick = nick
	h.nicks[nickKey(nick)] = c
	h.deliver(c, newMessage(h.cfg.Now(), kindNick, "", "", nick, "you are "+nick))
	if h.quiet(c.room) {
		return
	}
	for member := range c.room.members {
		if member != c {
			h.deliver(member, h.notice(kindNotice, fmt.Sprintf("%s is now known as %s", old, nick)))
		}
	}
}

// who lists the members of c's room, sorted, with their transport.
func (h *hub) who(c *client) {
	names := make([]string, 0, len(c.room.members))
	for member := range c.room.members {
		names = append(names, member.nick+" ("+member.transport+")")
	}
	slices.Sort(names)
	more := ""
	if len(names) > maxWhoNames {
		more = fmt.Sprintf(" and %d more", len(names)-maxWhoNames)
		names = names[:maxWhoNames]
	}
	h.deliver(c, h.notice(kindNotice, fmt.Sprintf("in %s: %s%s", c.room.name, strings.Join(names, ", "), more)))
}

// listRooms lists every room and how many are in it.
func (h *hub) listRooms(c *client) {
	names := make([]string, 0, len(h.rooms))
	for name, r := range h.rooms {
		names = append(names, fmt.Sprintf("%s (%d)", name, len(r.members)))
	}
	slices.Sort(names)
	h.deliver(c, h.notice(kindNotice, "rooms: "+strings.Join(names, ", ")))
}

// help lists the commands, one per line.
func (h *hub) help(c *client) {
	lines := []string{
		"commands: anything else is said to your room (start it with // to say a line beginning with /)",
	}
	for _, v := range []verb{verbJoin, verbNick, verbWho, verbRooms, verbMe, verbMsg, verbQuit, verbHelp} {
		lines = append(lines, "  "+usage[v])
	}
	for _, line := range lines {
		h.deliver(c, h.notice(kindNotice, line))
	}
}
