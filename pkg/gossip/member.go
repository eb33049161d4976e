// A member: its configuration, its view of the group, and how news changes that view.

package gossip

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"distkit/pkg/crdt"
)

// Peer is the client side of a connection to another member: anything with
// the signature of (*rpc.Client).Call, such as a *netsim.Client.
type Peer interface {
	Call(serviceMethod string, args, reply any) error
}

// Config configures a [Member]. Zero durations and counts take the defaults
// given with each field.
type Config struct {
	Name string // this member's unique name; required

	// Dial returns a Peer for the member called name. It is called for every
	// message; if the Peer is also an io.Closer it is closed after the call,
	// so Dial may open a connection per message or hand out cached clients.
	// Required.
	Dial func(name string) (Peer, error)

	// Members is the initial membership, believed alive at incarnation 0
	// (a static bootstrap list). Use [Member.Join] to enter a running group.
	Members []string

	ProbeInterval time.Duration // protocol period: one probe per period; default 1s
	ProbeTimeout  time.Duration // wait for a direct ack; default ProbeInterval/5

	// IndirectChecks is k, the number of members asked to probe a target
	// that did not answer directly; default 3. A negative value turns
	// indirect probes off (to measure what they buy).
	IndirectChecks int

	// SuspicionMult sets the suspicion timeout: a suspect is declared dead
	// after SuspicionMult·max(1, log10 N) protocol periods; default 4.
	SuspicionMult int

	RetransmitMult int // λ: each update rides on λ·⌈log10(N+1)⌉ messages; default 4
	MaxPiggyback   int // updates carried per message; default 8

	PushPullInterval time.Duration // anti-entropy with one random member; default 5s

	Rand    *rand.Rand   // target choice; default seeded from Name
	Logger  *slog.Logger // default discards
	OnEvent func(Event)  // told of every change in this member's view; must not block
}

// Event reports that Member now believes About is State at Incarnation.
type Event struct {
	Member      string
	About       string
	State       State
	Incarnation uint64
}

// ServiceName is the name under which a Member's RPC handlers are
// registered: srv.RegisterName(gossip.ServiceName, member).
const ServiceName = "Gossip"

// Member is one process in a SWIM group. Create it with [New], register it
// as [ServiceName] on an RPC server, then [Member.Start] it. All methods are
// safe for concurrent use; the RPC handlers run on the transport's goroutines.
type Member struct {
	cfg    Config
	logger *slog.Logger

	mu          sync.Mutex
	incarnation uint64             // our own; raised only to refute a suspicion
	members     map[string]*member // everyone else we know, dead ones included
	suspects    map[string]bool    // the members in state Suspect: the ones expireSuspects checks
	queue       []*broadcast       // updates waiting to be piggybacked
	probeOrder  []string           // this round's shuffled probe targets (SWIM §4.3)
	counter     crdt.PNCounter     // the replicated counter spread by anti-entropy
	events      []Event            // changes to report once mu is released
	rng         *rand.Rand

	stop chan struct{}
	wg   sync.WaitGroup // the protocol loop and every outgoing call
}

// New returns a stopped member. It panics only on a missing Name or Dial, a
// programming mistake.
func New(cfg Config) *Member {
	if cfg.Name == "" || cfg.Dial == nil {
		panic("gossip: Config needs Name and Dial")
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = time.Second
	}
	if cfg.ProbeTimeout <= 0 {
		cfg.ProbeTimeout = cfg.ProbeInterval / 5
	}
	if cfg.IndirectChecks == 0 {
		cfg.IndirectChecks = 3
	}
	if cfg.SuspicionMult <= 0 {
		cfg.SuspicionMult = 4
	}
	if cfg.RetransmitMult <= 0 {
		cfg.RetransmitMult = 4
	}
	if cfg.MaxPiggyback <= 0 {
		cfg.MaxPiggyback = 8
	}
	if cfg.PushPullInterval <= 0 {
		cfg.PushPullInterval = 5 * time.Second
	}
	if cfg.Rand == nil {
		var seed uint64
		for _, c := range []byte(cfg.Name) {
			seed = seed*31 + uint64(c)
		}
		cfg.Rand = rand.New(rand.NewPCG(seed, seed))
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Member{cfg: cfg, logger: logger.With("member", cfg.Name), members: map[string]*member{}, suspects: map[string]bool{}, rng: cfg.Rand}
	now := time.Now()
	for _, name := range cfg.Members {
		if name != cfg.Name {
			m.members[name] = &member{state: Alive, since: now}
		}
	}
	return m
}

// Name returns the member's name.
func (m *Member) Name() string { return m.cfg.Name }

// Start launches the protocol loop: a probe every ProbeInterval and a
// push-pull every PushPullInterval. Call Stop to end it.
func (m *Member) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stop != nil {
		return
	}
	m.stop = make(chan struct{})
	// Announce ourselves: whoever learns of us by push-pull spreads this on.
	m.queueLocked(Update{Name: m.cfg.Name, Incarnation: m.incarnation, State: Alive})
	m.wg.Add(1)
	go m.loop(m.stop)
}

// Stop ends the protocol loop and waits for it and for every call it made.
// The member keeps answering RPCs (a crashed process is the network's
// business). Safe to call more than once.
func (m *Member) Stop() {
	m.mu.Lock()
	stop := m.stop
	m.stop = nil
	m.mu.Unlock()
	if stop != nil {
		close(stop)
	}
	m.wg.Wait()
}

// loop is the protocol's clock: one probe per period and, less often, one
// anti-entropy exchange. The first tick is offset by a random fraction of a
// period so that members started together do not all probe at once.
func (m *Member) loop(stop chan struct{}) {
	defer m.wg.Done()
	m.mu.Lock()
	// Whole fiftieths of a period: enough spread, and members that share a
	// slot tick together, which keeps a simulated clock's steps few.
	offset := time.Duration(m.rng.Int64N(50)) * m.cfg.ProbeInterval / 50
	m.mu.Unlock()
	select {
	case <-stop:
		return
	case <-time.After(offset):
	}
	probe := time.NewTicker(m.cfg.ProbeInterval)
	defer probe.Stop()
	pushPull := time.NewTicker(m.cfg.PushPullInterval)
	defer pushPull.Stop()
	for {
		m.expireSuspects()
		m.probe(stop)
		select {
		case <-stop:
			return
		case <-pushPull.C:
			m.antiEntropy()
		case <-probe.C:
		}
		select { // a push-pull never delays the next probe by a whole period
		case <-probe.C:
		default:
		}
	}
}

// Members returns everyone this member knows, itself included, with their
// state, sorted by name.
func (m *Member) Members() []Update {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snapshotLocked()
}

// Inc adds n to this member's entry of the replicated counter.
func (m *Member) Inc(n uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counter.Inc(m.cfg.Name, n)
}

// Dec subtracts n from the replicated counter.
func (m *Member) Dec(n uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counter.Dec(m.cfg.Name, n)
}

// Counter returns the replicated counter's value as this member sees it:
// every increment it has heard of, directly or through others.
func (m *Member) Counter() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counter.Value()
}

// applyLocked folds one update into our view, following [overrides], and
// queues it for further gossip if it was news. News about ourselves that
// says Suspect or Dead is refuted: we raise our incarnation past it and
// gossip that we are alive (SWIM §4.2). Call with m.mu held.
func (m *Member) applyLocked(u Update, from string) {
	if !u.valid() {
		m.logger.Debug("ignoring malformed update", "from", from, "update", fmt.Sprintf("%+v", u))
		return
	}
	if u.Name == m.cfg.Name {
		if u.State != Alive && u.Incarnation >= m.incarnation {
			m.incarnation = u.Incarnation + 1
			m.logger.Info("refuting suspicion", "said", u.State, "incarnation", m.incarnation)
			m.queueLocked(Update{Name: m.cfg.Name, Incarnation: m.incarnation, State: Alive})
		}
		return
	}
	cur := m.members[u.Name]
	if !overrides(u, cur) {
		m.logger.Debug("ignoring stale update", "from", from, "about", u.Name, "state", u.State, "incarnation", u.Incarnation)
		return
	}
	if cur == nil {
		cur = &member{}
		m.members[u.Name] = cur
		m.logger.Debug("learned of member", "about", u.Name, "from", from)
	}
	cur.incarnation, cur.state, cur.since = u.Incarnation, u.State, time.Now()
	if u.State == Suspect {
		m.suspects[u.Name] = true
	} else {
		delete(m.suspects, u.Name)
	}
	m.queueLocked(u)
	m.events = append(m.events, Event{Member: m.cfg.Name, About: u.Name, State: u.State, Incarnation: u.Incarnation})
}

// expireSuspects declares dead every member suspected for longer than the
// suspicion timeout.
func (m *Member) expireSuspects() {
	m.mu.Lock()
	timeout := m.suspicionTimeoutLocked()
	now := time.Now()
	for name := range m.suspects {
		if mb := m.members[name]; now.Sub(mb.since) >= timeout {
			m.logger.Info("declaring dead", "about", name, "incarnation", mb.incarnation)
			m.applyLocked(Update{Name: name, Incarnation: mb.incarnation, State: Dead}, m.cfg.Name)
		}
	}
	m.mu.Unlock()
	m.flushEvents()
}

// suspicionTimeoutLocked is SuspicionMult·max(1, log10 N) periods: a larger
// group needs longer for the suspicion, and the refutation, to spread.
func (m *Member) suspicionTimeoutLocked() time.Duration {
	scale := max(1, math.Log10(float64(len(m.members)+1)))
	return time.Duration(float64(m.cfg.SuspicionMult) * scale * float64(m.cfg.ProbeInterval))
}

// flushEvents reports queued events, outside the mutex.
func (m *Member) flushEvents() {
	m.mu.Lock()
	events := m.events
	m.events = nil
	m.mu.Unlock()
	if m.cfg.OnEvent != nil {
		for _, e := range events {
			m.cfg.OnEvent(e)
		}
	}
}

// snapshotLocked lists every member we know, ourselves included, sorted.
func (m *Member) snapshotLocked() []Update {
	out := make([]Update, 0, len(m.members)+1)
	out = append(out, Update{Name: m.cfg.Name, Incarnation: m.incarnation, State: Alive})
	for name, mb := range m.members {
		out = append(out, Update{Name: name, Incarnation: mb.incarnation, State: mb.state})
	}
	slices.SortFunc(out, func(a, b Update) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// call sends one message through a fresh Peer from Dial and closes it after.
func (m *Member) call(to, method string, args, reply any) error {
	p, err := m.cfg.Dial(to)
	if err != nil {
		return fmt.Errorf("dial %s: %w", to, err)
	}
	if c, ok := p.(io.Closer); ok {
		defer c.Close()
	}
	if err := p.Call(ServiceName+"."+method, args, reply); err != nil {
		return fmt.Errorf("%s to %s: %w", method, to, err)
	}
	return nil
}

func sortStrings(s []string) { slices.Sort(s) }
