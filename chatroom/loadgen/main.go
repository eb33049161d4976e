// Command loadgen opens many TCP clients against a running chatroom and
// measures two things: the server's memory per idle client, and how long a
// broadcast takes to reach every member of a room.
//
//	go build -o /tmp/chatroom ./chatroom && /tmp/chatroom &        # the server, in its own process
//	ulimit -n 20000
//	go run ./chatroom/loadgen -n 10000 -room 100                   # memory per idle client
//	go run ./chatroom/loadgen -n 1000 -room 1000 -msgs 100         # broadcast latency to 1000
//
// Each process here may open 20000 files (ulimit -n), which caps -n near
// 19000 for the load generator and the server alike.
//
// # Memory
//
// Memory per client = (RSS with N idle clients - RSS with none) / N, both
// read from the server's /debug/vars?gc=1, which runs a garbage collection
// and returns freed pages to the OS before reading VmRSS. So the figure
// counts what the clients keep alive, not the garbage of connecting them.
// Kernel socket buffers are not in RSS; they are the kernel's cost.
//
// # Latency
//
// With -msgs, the first client of every room says "lg SEQ UNIXNANO" -msgs
// times, -every apart (keep it under the server's -rate). Every member,
// the sender included, records now - UNIXNANO when the line arrives: the
// clock is this process's, so no clock sync is needed. The percentiles are
// over every delivery to every member.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6667", "the chat server's TCP `host:port`")
	web := flag.String("http", "http://127.0.0.1:8080", "the chat server's web `URL`, for /debug/vars")
	n := flag.Int("n", 1000, "clients to open")
	roomSize := flag.Int("room", 100, "clients per room")
	msgs := flag.Int("msgs", 0, "messages each room's first client sends (0: measure memory only)")
	every := flag.Duration("every", 250*time.Millisecond, "pause between a sender's messages")
	dialers := flag.Int("dialers", 64, "connections opened at once")
	flag.Parse()
	if err := run(*addr, *web, *n, *roomSize, *msgs, *every, *dialers); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(addr, web string, n, roomSize, msgs int, every time.Duration, dialers int) error {
	before, err := serverVars(web)
	if err != nil {
		return err
	}
	fmt.Printf("server before: %d clients, RSS %s, heap %s, %d goroutines\n",
		before.Clients, mib(before.RSS), mib(before.Heap), before.Goroutines)

	start := time.Now()
	clients, err := connectAll(addr, n, roomSize, dialers)
	defer func() {
		for _, c := range clients {
			c.conn.Close()
		}
	}()
	if err != nil {
		return err
	}
	fmt.Printf("connected %d clients in rooms of %d in %v\n", n, roomSize, time.Since(start).Round(time.Millisecond))

	time.Sleep(2 * time.Second) // let the join notices drain before measuring
	after, err := serverVars(web)
	if err != nil {
		return err
	}
	fmt.Printf("server with %d idle clients: RSS %s, heap %s, stacks %s, %d goroutines, %d dropped as too slow\n",
		after.Clients, mib(after.RSS), mib(after.Heap), mib(after.Stacks), after.Goroutines, after.Kicked-before.Kicked)
	fmt.Printf("memory per idle client: %.1f KiB RSS (%.1f KiB heap + %.1f KiB stacks)\n",
		perClient(after.RSS, before.RSS, n), perClient(after.Heap, before.Heap, n), perClient(after.Stacks, before.Stacks, n))

	if msgs == 0 {
		return nil
	}
	if err := broadcast(clients, roomSize, msgs, every); err != nil {
		return err
	}
	end, err := serverVars(web)
	if err != nil {
		return err
	}
	fmt.Printf("server after the broadcast: %d clients, %d dropped as too slow\n", end.Clients, end.Kicked-before.Kicked)
	return nil
}

// loadClient is one connection and the latencies it has seen.
type loadClient struct {
	conn   net.Conn
	room   string
	joined chan struct{} // closed when its own join notice arrives

	mu        sync.Mutex
	latencies []time.Duration
	first     []string // the first lines received, for error messages
}

func connectAll(addr string, n, roomSize, dialers int) ([]*loadClient, error) {
	clients := make([]*loadClient, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, dialers)
	var wg sync.WaitGroup
	for i := range clients {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := dial(addr, fmt.Sprintf("#load%d", i/roomSize))
			if err != nil {
				errs <- err
				return
			}
			clients[i] = c
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return slices.DeleteFunc(clients, func(c *loadClient) bool { return c == nil }), err
	}
	deadline := time.After(2 * time.Minute)
	for i, c := range clients {
		select {
		case <-c.joined:
		case <-deadline:
			c.mu.Lock()
			defer c.mu.Unlock()
			return clients, fmt.Errorf("client %d never saw its own join notice; its first lines: %q", i, c.first)
		}
	}
	return clients, nil
}

func dial(addr, room string) (*loadClient, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	c := &loadClient{conn: conn, room: room, joined: make(chan struct{})}
	if _, err := fmt.Fprintf(conn, "/join %s\n", room); err != nil {
		conn.Close()
		return nil, err
	}
	go c.read()
	return c, nil
}

// read records latencies until the connection closes.
func (c *loadClient) read() {
	r := bufio.NewReader(c.conn)
	nick := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		arrived := time.Now()
		c.mu.Lock()
		if len(c.first) < 8 {
			c.first = append(c.first, strings.TrimSpace(line))
		}
		c.mu.Unlock()
		switch {
		case strings.Contains(line, "*** you are "):
			nick = strings.TrimSpace(line[strings.Index(line, "*** you are ")+len("*** you are "):])
		case nick != "" && strings.Contains(line, "*** "+nick+" joined "+c.room+" "):
			close(c.joined)
		case strings.Contains(line, "> lg "):
			fields := strings.Fields(line[strings.Index(line, "> lg ")+2:])
			if len(fields) == 3 {
				if sent, err := strconv.ParseInt(fields[2], 10, 64); err == nil {
					c.mu.Lock()
					c.latencies = append(c.latencies, arrived.Sub(time.Unix(0, sent)))
					c.mu.Unlock()
				}
			}
		}
	}
}

// broadcast has the first client of each room send msgs timestamped lines
// and reports the delivery percentiles over every member.
func broadcast(clients []*loadClient, roomSize, msgs int, every time.Duration) error {
	var senders []*loadClient
	for i := 0; i < len(clients); i += roomSize {
		senders = append(senders, clients[i])
	}
	fmt.Printf("broadcast: %d senders, %d messages each, %v apart\n", len(senders), msgs, every)
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Go(func() {
			for seq := range msgs {
				fmt.Fprintf(s.conn, "lg %d %d\n", seq, time.Now().UnixNano())
				time.Sleep(every)
			}
		})
	}
	wg.Wait()
	time.Sleep(time.Second) // the last deliveries

	var all []time.Duration
	for _, c := range clients {
		c.mu.Lock()
		all = append(all, c.latencies...)
		c.mu.Unlock()
	}
	want := len(clients) * msgs
	if len(all) == 0 {
		return fmt.Errorf("no deliveries out of %d expected", want)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		return all[min(len(all)-1, int(p*float64(len(all))))].Round(10 * time.Microsecond)
	}
	fmt.Printf("deliveries: %d of %d; latency p50 %v, p90 %v, p99 %v, max %v\n",
		len(all), want, pct(0.50), pct(0.90), pct(0.99), all[len(all)-1].Round(10*time.Microsecond))
	return nil
}

// vars is the part of the server's /debug/vars that loadgen reads.
type vars struct {
	Clients    int64 `json:"clients"`
	Goroutines int64 `json:"goroutines"`
	Heap       int64 `json:"heap_inuse_bytes"`
	Stacks     int64 `json:"stacks_bytes"`
	RSS        int64 `json:"rss_bytes"`
	Kicked     int64 `json:"kicked_slow"`
}

// serverVars collects garbage on the server and reads its figures.
func serverVars(web string) (vars, error) {
	var v vars
	resp, err := http.Get(strings.TrimSuffix(web, "/") + "/debug/vars?gc=1")
	if err != nil {
		return v, fmt.Errorf("read server stats: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return v, fmt.Errorf("decode server stats: %w", err)
	}
	return v, nil
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func perClient(after, before int64, n int) float64 { return float64(after-before) / float64(n) / 1024 }
