// The hub: one goroutine that owns every piece of room state and does all
// the fan-out. Transports talk to it only through its events channel, so
// the state needs no mutex: only one goroutine ever touches it
// (gobyexample's "stateful goroutines").

package main

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"log/slog"
	"time"
)

// ErrNoSession is what a web client gets for a session token the hub does
// not know: it never existed, or its page was closed or dropped.
var ErrNoSession = errors.New("no such session")

// ErrShutdown is returned to transports once the hub has stopped.
var ErrShutdown = errors.New("chat server is shutting down")

// config holds the limits and knobs of one chat server. Zero fields take
// the defaults from withDefaults.
type config struct {
	MaxLine      int           // longest line a client may send, in bytes (IRC's 512)
	History      int           // messages of a room replayed to whoever joins it
	Outbox       int           // messages waiting for one client before it counts as slow
	DropOldest   bool          // on a full outbox, drop its oldest message instead of the client
	Rate         float64       // lines per second per client (token bucket); negative: no limit
	Burst        int           // lines a client may send at once after a pause
	MaxClients   int           // connections beyond this are told "server full" and closed
	IdleTimeout  time.Duration // a TCP client silent this long is disconnected
	WriteTimeout time.Duration // one write to a client may take this long
	SocketBuffer int           // the kernel's send buffer per TCP client in bytes; 0: the OS default
	QuietAbove   int           // rooms bigger than this do not announce joins, leaves and renames
	Now          func() time.Time
	Logger       *slog.Logger
}

func (c config) withDefaults() config {
	if c.MaxLine <= 0 {
		c.MaxLine = 512
	}
	if c.History <= 0 {
		c.History = 20
	}
	if c.QuietAbove <= 0 {
		c.QuietAbove = 20
	}
	if c.Outbox <= 0 {
		c.Outbox = 256
	}
	if c.Rate == 0 {
		c.Rate = 5
	}
	if c.Burst <= 0 {
		c.Burst = 10
	}
	if c.MaxClients <= 0 {
		c.MaxClients = 15000
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 5 * time.Minute
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// lobby is where every client starts.
const lobby = "#lobby"

// event is one request to the hub. Exactly one of the kinds applies.
type event struct {
	kind    eventKind
	c       *client
	cmd     command
	err     error  // the line could not be parsed: tell the client why
	reason  string // why a client leaves
	tell    bool   // leave: also tell the client the reason (idle timeout)
	session string // webCommand: the session the command is for
	reply   chan error
}

type eventKind int

const (
	evJoin       eventKind = iota // a new connection
	evCommand                     // a line from a connected client
	evLeave                       // the connection ended or timed out
	evWebCommand                  // a line posted by a web page, by session token
)

// hub owns the chat. Create it with newHub, start run in its own goroutine,
// and use join, command, leave and webCommand from any goroutine.
type hub struct {
	cfg    config
	events chan event    // unbuffered: a send succeeds only if the hub took it
	done   chan struct{} // closed when run returns
	vars   *expvar.Map   // this instance's counters, served on /debug/vars

	// hub-owned: only the run goroutine reads or writes these.
	clients   map[*client]struct{}
	nicks     map[string]*client // by nickKey
	sessions  map[string]*client // web clients by session token
	rooms     map[string]*room
	nextGuest int
	slow      []*client // overflowed during this event; dropped before the next
	closing   bool      // shutting down: nobody needs to hear who else left
}

func newHub(cfg config) *hub {
	h := &hub{
		cfg:      cfg.withDefaults(),
		events:   make(chan event),
		done:     make(chan struct{}),
		vars:     new(expvar.Map).Init(),
		clients:  make(map[*client]struct{}),
		nicks:    make(map[string]*client),
		sessions: make(map[string]*client),
		rooms:    make(map[string]*room),
	}
	return h
}

// run is the hub goroutine. It handles events one at a time until ctx is
// done, then tells every client the server is shutting down, closes every
// quit channel (so every writer says bye and closes its connection) and
// returns.
func (h *hub) run(ctx context.Context) {
	defer close(h.done)
	for {
		select {
		case <-ctx.Done():
			h.closing = true
			for c := range h.clients {
				h.drop(c, h.notice(kindNotice, "server shutting down, goodbye"), true, "server shutdown")
			}
			return
		case ev := <-h.events:
			h.handle(ev)
			h.reap()
		}
	}
}

// join registers a new connection. It returns false if the hub has
// stopped; then the caller closes the connection itself. Otherwise the hub
// owns the client and will close its quit channel exactly once.
func (h *hub) join(c *client) bool {
	return h.send(event{kind: evJoin, c: c})
}

// command hands the hub one parsed line (or the error parsing it). It
// returns false once the hub has stopped.
func (h *hub) command(c *client, cmd command, err error) bool {
	return h.send(event{kind: evCommand, c: c, cmd: cmd, err: err})
}

// leave tells the hub a connection has ended; tell asks the hub to send the
// reason to the client first (as for an idle timeout).
func (h *hub) leave(c *client, reason string, tell bool) {
	h.send(event{kind: evLeave, c: c, reason: reason, tell: tell})
}

// webCommand is command for a web page, which names itself by its session
// token. It waits for the hub's answer: ErrNoSession or nil.
func (h *hub) webCommand(session string, cmd command, err error) error {
	reply := make(chan error, 1)
	if !h.send(event{kind: evWebCommand, session: session, cmd: cmd, err: err, reply: reply}) {
		return ErrShutdown
	}
	return <-reply
}

func (h *hub) send(ev event) bool {
	select {
	case h.events <- ev:
		return true
	case <-h.done:
		return false
	}
}

// handle applies one event to the hub's state.
func (h *hub) handle(ev event) {
	c := ev.c
	if ev.kind == evWebCommand {
		c = h.sessions[ev.session]
		if c == nil {
			ev.reply <- ErrNoSession
			return
		}
		ev.reply <- nil
	}
	if ev.kind == evJoin {
		h.register(c)
		return
	}
	if _, ok := h.clients[c]; !ok {
		return // already dropped: a late line or a second goodbye
	}
	switch {
	case ev.kind == evLeave:
		var bye *message
		if ev.tell {
			bye = h.notice(kindError, ev.reason+", disconnecting")
		}
		h.drop(c, bye, true, ev.reason)
	case !c.allow(h.cfg.Now(), h.cfg.Rate, h.cfg.Burst):
		if !c.throttled {
			c.throttled = true
			h.deliver(c, h.notice(kindError, fmt.Sprintf("slow down: at most %g lines per second; lines are dropped until then", h.cfg.Rate)))
		}
	case ev.err != nil:
		h.deliver(c, h.notice(kindError, ev.err.Error()))
	default:
		h.do(c, ev.cmd) // commands.go
	}
}

// register admits a new client: a nickname, the lobby, its history.
func (h *hub) register(c *client) {
	if len(h.clients) >= h.cfg.MaxClients {
		h.drop(c, h.notice(kindError, fmt.Sprintf("server full (%d clients), try again later", h.cfg.MaxClients)), false, "server full")
		return
	}
	h.clients[c] = struct{}{}
	h.vars.Add("clients", 1)
	if c.session != "" {
		h.sessions[c.session] = c
	}
	var nickErr error
	if c.wantNick != "" {
		if nickErr = checkNick(c.wantNick); nickErr == nil && h.nicks[nickKey(c.wantNick)] != nil {
			nickErr = fmt.Errorf("nickname %q is taken", c.wantNick)
		}
	}
	if c.wantNick != "" && nickErr == nil {
		c.nick = c.wantNick
	} else {
		c.nick = h.guestNick()
	}
	h.nicks[nickKey(c.nick)] = c
	h.cfg.Logger.Debug("client joined", "nick", c.nick, "transport", c.transport, "remote", c.remote)

	h.deliver(c, h.notice(kindNotice, "welcome to distkit chat; /help lists the commands"))
	if nickErr != nil {
		h.deliver(c, h.notice(kindError, nickErr.Error()))
	}
	h.deliver(c, newMessage(h.cfg.Now(), kindNick, "", "", c.nick, "you are "+c.nick))
	h.enter(c, lobby)
}

// deliver puts m in c's outbox without ever blocking the hub. A full outbox
// means the client reads slower than the room talks: under DropOldest the
// oldest waiting message makes room, otherwise the client is marked slow
// and dropped once the current event is handled.
func (h *hub) deliver(c *client, m *message) {
	if c.slow {
		return
	}
	if c.dropped > 0 && len(c.out) < cap(c.out)-1 {
		// Room again: say how much was lost before the next message.
		n := c.dropped
		c.dropped = 0
		c.out <- h.notice(kindError, fmt.Sprintf("%d messages dropped: you read slower than the room talks", n))
	}
	select {
	case c.out <- m:
		h.vars.Add("delivered", 1)
		return
	default:
	}
	if h.cfg.DropOldest {
		// The hub is the only sender, so after taking one out, one fits.
		select {
		case <-c.out:
		default: // the writer just took it
		}
		c.out <- m
		c.dropped++
		h.vars.Add("dropped", 1)
		return
	}
	c.slow = true
	h.slow = append(h.slow, c)
}

// broadcast delivers m to every member of r and keeps it in the room's
// history if it is something said (not a notice).
func (h *hub) broadcast(r *room, m *message) {
	if m.Kind == kindChat || m.Kind == kindMe {
		r.history = append(r.history, m)
		if len(r.history) > h.cfg.History {
			r.history = r.history[1:]
		}
	}
	for member := range r.members {
		h.deliver(member, m)
	}
}

// reap drops the clients that overflowed their outbox. It runs after each
// event rather than inside deliver, so that broadcast never changes the
// membership it is iterating over. Dropping one client announces it to
// the room, which may overflow another: the loop runs until none is left.
func (h *hub) reap() {
	for len(h.slow) > 0 {
		c := h.slow[0]
		h.slow = h.slow[1:]
		h.vars.Add("kicked_slow", 1)
		// The outbox is full, so the bye usually waits for the writer to
		// free a slot in the socket; WriteTimeout bounds that wait.
		bye := h.notice(kindError, fmt.Sprintf("too slow: %d messages waiting for you, disconnecting", cap(c.out)))
		h.drop(c, bye, false, "too slow")
	}
	h.slow = h.slow[:0]
}

// drop removes c from every map, tells its room why, and closes its quit
// channel: its writer writes bye (after the rest of the outbox if flush)
// and closes the connection. Call once per client.
func (h *hub) drop(c *client, bye *message, flush bool, reason string) {
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		h.vars.Add("clients", -1)
		delete(h.nicks, nickKey(c.nick))
		delete(h.sessions, c.session)
		if c.room != nil && !h.closing {
			h.exit(c, fmt.Sprintf("%s left %s (%s)", c.nick, c.room.name, reason))
		}
		h.cfg.Logger.Debug("client left", "nick", c.nick, "reason", reason)
	}
	c.bye, c.flush = bye, flush
	close(c.quit)
}

// guestNick makes a free name like guest7 for a client that asked for none.
func (h *hub) guestNick() string {
	for {
		h.nextGuest++
		nick := fmt.Sprintf("guest%d", h.nextGuest)
		if h.nicks[nickKey(nick)] == nil {
			return nick
		}
	}
}

// notice makes a server message stamped with the hub's clock.
func (h *hub) notice(k kind, text string) *message {
	return newMessage(h.cfg.Now(), k, "", "", "", text)
}
