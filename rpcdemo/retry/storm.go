// Part 3 of the story: a fleet of clients hits a server that comes back from
// an outage, retrying immediately, after a fixed pause, or with exponential
// backoff and full jitter (with and without a retry budget).

package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/rpc"
	"strings"
	"sync"
	"time"

	"distkit/pkg/retry"
)

// StormSetup starts a new storm on the server: it is down for Outage, then
// serves at most Capacity requests per Window and turns the rest away. Every
// request costs Work (a sleep), the server's time to look at it.
type StormSetup struct {
	Outage, Window, Work time.Duration
	Capacity             int
}

// stormConfig is the client side of one storm.
type stormConfig struct {
	StormSetup
	Clients   int           // one connection each
	Pause     time.Duration // of the fixed-pause strategy
	BaseDelay time.Duration // of the jitter strategies, which cap at GiveUp/2
	GiveUp    time.Duration // each client's deadline
	MaxWidth  int           // of a histogram bar
}

// defaultStorm is the storm main plays: big enough to see, short enough to
// finish in about two seconds.
var defaultStorm = stormConfig{
	StormSetup: StormSetup{Outage: 400 * time.Millisecond, Window: 50 * time.Millisecond, Work: time.Millisecond, Capacity: 15},
	Clients:    50,
	Pause:      20 * time.Millisecond,
	BaseDelay:  10 * time.Millisecond,
	GiveUp:     1500 * time.Millisecond,
	MaxWidth:   50,
}

// PingArgs and PingReply are one request of the storm. OK is false when the
// server is down or over capacity for the current window.
type PingArgs struct{ Client int }
type PingReply struct{ OK bool }

// StormStats counts the requests received in each window since the setup.
type StormStats struct{ Arrivals []int }

// maxWindows bounds the server's per-window counters, whatever the clients send.
const maxWindows = 1000

// Storm is the server side: it counts what arrives when. Safe for concurrent
// use; one storm at a time.
type Storm struct {
	mu       sync.Mutex
	setup    StormSetup
	start    time.Time
	arrivals []int // per window, including turned-away requests
	served   []int // per window
}

// Setup resets the counters and starts the outage now.
func (s *Storm) Setup(args *StormSetup, reply *StormStats) error {
	if args.Window <= 0 || args.Outage < 0 || args.Work < 0 || args.Work > time.Second || args.Capacity < 0 {
		return errors.New("storm setup needs window > 0, outage >= 0, 0 <= work <= 1s, capacity >= 0")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setup, s.start, s.arrivals, s.served = *args, time.Now(), nil, nil
	return nil
}

// Ping is one request: counted, then served or turned away.
func (s *Storm) Ping(args *PingArgs, reply *PingReply) error {
	s.mu.Lock()
	if s.setup.Window == 0 {
		s.mu.Unlock()
		return errors.New("storm not set up")
	}
	since := time.Since(s.start)
	w := min(int(since/s.setup.Window), maxWindows-1)
	for len(s.arrivals) <= w {
		s.arrivals, s.served = append(s.arrivals, 0), append(s.served, 0)
	}
	s.arrivals[w]++
	if since >= s.setup.Outage && s.served[w] < s.setup.Capacity {
		s.served[w]++
		reply.OK = true
	}
	work := s.setup.Work
	s.mu.Unlock()
	// Looking at a request takes time even to say no. It also paces the
	// immediate-retry loop: in a synctest bubble, where a round trip over
	// net.Pipe takes no virtual time, that loop would otherwise spin at a
	// frozen instant and the outage would never end.
	time.Sleep(work)
	return nil
}

// Stats returns the arrivals per window so far. Its argument is unused
// (net/rpc methods take one).
func (s *Storm) Stats(_ *StormSetup, reply *StormStats) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply.Arrivals = append([]int(nil), s.arrivals...)
	return nil
}

var errUnavailable = errors.New("server unavailable")

// strategy is one way to retry a ping until it succeeds or ctx ends.
type strategy struct {
	name  string
	retry func(ctx context.Context, ping func(context.Context) error) error
}

// strategies returns the four contenders. The jitter comes from one seeded
// Rand; the budget is fresh, shared by every client of the last strategy.
func strategies(cfg stormConfig, seed uint64) []strategy {
	jitter := retry.Policy{
		MaxAttempts: -1, BaseDelay: cfg.BaseDelay, MaxDelay: cfg.GiveUp / 2,
		Rand: rand.New(rand.NewPCG(seed, 2)),
	}
	budgeted := jitter
	budgeted.Budget = retry.NewBudget(0.1, 10)
	return []strategy{
		{"immediate retries", func(ctx context.Context, ping func(context.Context) error) error {
			for {
				if err := ping(ctx); !errors.Is(err, errUnavailable) {
					return err
				}
			}
		}},
		{fmt.Sprintf("fixed %v pause", cfg.Pause), func(ctx context.Context, ping func(context.Context) error) error {
			for {
				if err := ping(ctx); !errors.Is(err, errUnavailable) {
					return err
				}
				t := time.NewTimer(cfg.Pause)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return ctx.Err()
				}
			}
		}},
		{"exponential backoff with full jitter", func(ctx context.Context, ping func(context.Context) error) error {
			return retry.Do(ctx, jitter, ping)
		}},
		{"full jitter and a budget (10 tokens, +0.1 per success)", func(ctx context.Context, ping func(context.Context) error) error {
			return retry.Do(ctx, budgeted, ping)
		}},
	}
}

// stormResult is how one strategy fared.
type stormResult struct {
	name         string
	arrivals     []int // requests the server received per window
	done, gaveUp int   // clients
	lastDone     time.Duration
}

// outcome says how the clients fared.
func (r stormResult) outcome() string {
	if r.done == 0 {
		return fmt.Sprintf("no client done, %d gave up", r.gaveUp)
	}
	return fmt.Sprintf("%d clients done (the last after %v), %d gave up", r.done, r.lastDone.Round(time.Millisecond), r.gaveUp)
}

// total is the number of requests the server received.
func (r stormResult) total() (n int) {
	for _, a := range r.arrivals {
		n += a
	}
	return n
}

// runStorm plays every strategy against a fresh outage and prints what the
// server saw.
func runStorm(ctx context.Context, w io.Writer, dial dialFunc, cfg stormConfig, seed uint64) ([]stormResult, error) {
	conn, err := dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("dial storm server: %w", err)
	}
	control := rpc.NewClient(conn)
	defer control.Close()

	fmt.Fprintf(w, "3. A retry storm: %d clients, the server is down for %v, then serves %d requests\n", cfg.Clients, cfg.Outage, cfg.Capacity)
	fmt.Fprintf(w, "   per %v and turns the rest away. Each client gives up after %v.\n", cfg.Window, cfg.GiveUp)
	var results []stormResult
	for _, st := range strategies(cfg, seed) {
		if err := callWithin(ctx, control, "Storm.Setup", &cfg.StormSetup, &StormStats{}); err != nil {
			return nil, fmt.Errorf("start storm: %w", err)
		}
		res := stormResult{name: st.name}
		start := time.Now()
		var mu sync.Mutex
		var wg sync.WaitGroup
		var firstErr error
		for i := range cfg.Clients {
			wg.Go(func() {
				err := stormClient(ctx, dial, cfg.GiveUp, i, st)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					res.done++
					res.lastDone = max(res.lastDone, time.Since(start))
				case errors.Is(err, errUnavailable) || errors.Is(err, context.DeadlineExceeded):
					res.gaveUp++
				default:
					firstErr = cmp.Or(firstErr, err)
				}
			})
		}
		wg.Wait()
		if firstErr != nil {
			return nil, fmt.Errorf("%s: %w", st.name, firstErr)
		}
		var stats StormStats
		if err := callWithin(ctx, control, "Storm.Stats", &cfg.StormSetup, &stats); err != nil {
			return nil, fmt.Errorf("read storm stats: %w", err)
		}
		res.arrivals = stats.Arrivals
		printHistogram(w, cfg, res)
		results = append(results, res)
	}
	return results, nil
}

// stormClient is one client: its own connection, one request retried by st.
func stormClient(ctx context.Context, dial dialFunc, giveUp time.Duration, id int, st strategy) error {
	ctx, cancel := context.WithTimeout(ctx, giveUp)
	defer cancel()
	conn, err := dial(ctx)
	if err != nil {
		return retry.Permanent(fmt.Errorf("storm client %d: dial: %w", id, err))
	}
	c := rpc.NewClient(conn)
	defer c.Close()
	return st.retry(ctx, func(ctx context.Context) error {
		var reply PingReply
		if err := callWithin(ctx, c, "Storm.Ping", &PingArgs{Client: id}, &reply); err != nil {
			var serverErr rpc.ServerError
			if ctx.Err() == nil && !errors.As(err, &serverErr) {
				err = fmt.Errorf("connection to the server lost: %w", err)
			}
			return retry.Permanent(fmt.Errorf("storm client %d: %w", id, err))
		}
		if !reply.OK {
			return errUnavailable
		}
		return nil
	})
}

// printHistogram draws one bar per window. Each '#' is unit requests and the
// '|' marks the server's capacity, so a bar through it is a window in which
// some requests had to be turned away.
func printHistogram(w io.Writer, cfg stormConfig, r stormResult) {
	unit := max(1, (cfg.Capacity+19)/20)
	fmt.Fprintf(w, "\n   %s: %d requests, %s\n", r.name, r.total(), r.outcome())
	fmt.Fprintf(w, "   window   requests  (# = %d request(s), | = capacity)\n", unit)
	for i, n := range r.arrivals {
		fmt.Fprintf(w, "   %6v %7d  %s\n", time.Duration(i)*cfg.Window, n, bar(n, unit, cfg.Capacity/unit, cfg.MaxWidth))
	}
}

// bar draws n/unit '#', with '|' at column capCol and '>' at the end if the
// bar would pass width.
func bar(n, unit, capCol, width int) string {
	cols := n / unit
	b := []byte(strings.Repeat("#", min(cols, width)) + strings.Repeat(" ", max(0, capCol+1-cols)))
	if capCol < len(b) {
		b[capCol] = '|'
	}
	if cols > width {
		b[width-1] = '>'
	}
	return strings.TrimRight(string(b), " ")
}
