// The self-running tour (-demo): a real server on free ports, scripted
// clients over TCP and one over HTTP, each step waiting for what the
// previous one should have caused, then a graceful shutdown and what every
// client saw.

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tourWait bounds each step: a step that does not happen in time is a bug,
// and the tour says which one instead of hanging.
const tourWait = 5 * time.Second

// runTour plays the whole story and prints it to out.
func runTour(out io.Writer) error {
	// The tour's server is the normal one with two changes, so the slow
	// client falls behind within a second: no rate limit for the flooder,
	// and a small kernel send buffer per socket.
	cfg := config{Rate: -1, SocketBuffer: 8 << 10}
	s, err := startServer(cfg, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "server: TCP on %s, web on %s/ (8 KiB socket buffers, no rate limit)\n\n", s.tcpAddr, s.httpURL)
	step := func(format string, args ...any) { fmt.Fprintf(out, "-- "+format+"\n", args...) }

	var all []*tourClient
	dial := func(name string) (*tourClient, error) {
		c, err := dialTour(name, s.tcpAddr)
		if err == nil {
			all = append(all, c)
		}
		return c, err
	}
	alice, err := dial("alice")
	if err != nil {
		return err
	}
	step("alice connects over TCP and picks her name")
	alice.say("/nick alice")
	if err := alice.waitFor("you are alice"); err != nil {
		return err
	}
	bob, err := dial("bob")
	if err != nil {
		return err
	}
	step("bob connects and tries the name Alice: names are unique regardless of case")
	bob.say("/nick Alice")
	if err := bob.waitFor("is taken"); err != nil {
		return err
	}
	bob.say("/nick bob")
	if err := bob.waitFor("you are bob"); err != nil {
		return err
	}
	step("dave opens the web page (an SSE stream, and POST to send)")
	dave, err := dialWeb("dave", s.httpURL)
	if err != nil {
		return err
	}
	all = append(all, &dave.tourClient)
	if err := alice.waitFor("dave joined"); err != nil {
		return err
	}
	step("they chat across transports")
	alice.say("hello, everyone")
	bob.say("/me waves")
	if err := dave.say("hi from the browser"); err != nil {
		return err
	}
	if err := bob.waitFor("hi from the browser"); err != nil {
		return err
	}
	step("bob sends a command that does not exist: only bob hears about it")
	bob.say("/frobnicate")
	if err := bob.waitFor("unknown command"); err != nil {
		return err
	}
	step("carol starts #go; alice follows and gets its history replayed")
	carol, err := dial("carol")
	if err != nil {
		return err
	}
	carol.say("/nick carol")
	carol.say("/join #go")
	carol.say("anyone here into channels?")
	if err := carol.waitFor("anyone here"); err != nil {
		return err
	}
	alice.say("/join go")
	alice.say("/msg bob I went to #go")
	alice.say("/rooms")
	if err := alice.waitFor("rooms: "); err != nil {
		return err
	}
	if err := bob.waitFor("I went to #go"); err != nil {
		return err
	}

	step("slowpoke connects and never reads; bob floods #lobby until the server drops slowpoke")
	slow, err := dial("slowpoke")
	if err != nil {
		return err
	}
	slow.conn.(*net.TCPConn).SetReadBuffer(4 << 10) // small, so it fills soon
	slow.pause()
	slow.say("/nick slowpoke")
	if err := dave.waitFor("known as slowpoke"); err != nil {
		return err
	}
	sent := 0
	for ; sent < 20000 && !dave.saw("slowpoke left"); sent++ {
		bob.say(fmt.Sprintf("flood %d %s", sent, strings.Repeat("~", 200)))
		if sent%10 == 9 {
			time.Sleep(time.Millisecond) // bob and dave read as fast as they can, but not faster
		}
	}
	if err := dave.waitFor("slowpoke left #lobby (too slow)"); err != nil {
		return err
	}
	fmt.Fprintf(out, "   bob sent %d flood lines before the server dropped slowpoke\n", sent)
	slow.resume() // now it reads what the kernel kept, then the goodbye

	step("Ctrl-C: the server tells everyone and closes every connection")
	if err := s.stop(); err != nil {
		return err
	}
	for _, c := range all {
		if err := c.waitClosed(); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	for _, c := range all {
		c.print(out)
	}
	return nil
}

// tourClient records every line one scripted client receives.
type tourClient struct {
	name string
	conn net.Conn // nil for the web client

	mu     sync.Mutex
	lines  []string
	closed bool
	gate   sync.Mutex // held while the client "does not read"
	news   chan struct{}
}

func dialTour(name, addr string) (*tourClient, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &tourClient{name: name, conn: conn, news: make(chan struct{}, 1)}
	go c.readFrom(conn, func(line string) string { return line })
	return c, nil
}

// readFrom appends every line from r, passed through show, until EOF.
func (c *tourClient) readFrom(r io.Reader, show func(string) string) {
	sc := bufio.NewScanner(r)
	for {
		c.gate.Lock() // a paused client stops here, and the kernel buffers fill up
		c.gate.Unlock()
		if !sc.Scan() {
			break
		}
		if line := show(sc.Text()); line != "" {
			c.mu.Lock()
			c.lines = append(c.lines, line)
			c.mu.Unlock()
			c.notify()
		}
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.notify()
}

func (c *tourClient) notify() {
	select {
	case c.news <- struct{}{}:
	default:
	}
}

func (c *tourClient) say(line string) { fmt.Fprintf(c.conn, "%s\n", line) }
func (c *tourClient) pause()          { c.gate.Lock() }
func (c *tourClient) resume()         { c.gate.Unlock() }

// saw reports whether any line so far contains s.
func (c *tourClient) saw(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, line := range c.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// waitFor waits until a line containing s has arrived.
func (c *tourClient) waitFor(s string) error {
	return c.wait(func() bool { return c.saw(s) }, fmt.Sprintf("a line with %q", s))
}

// waitClosed waits until the server has closed the connection.
func (c *tourClient) waitClosed() error {
	return c.wait(func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.closed }, "the server to close the connection")
}

func (c *tourClient) wait(ok func() bool, what string) error {
	deadline := time.After(tourWait)
	for !ok() {
		select {
		case <-c.news:
		case <-deadline:
			return fmt.Errorf("tour: %s waited %v for %s", c.name, tourWait, what)
		}
	}
	return nil
}

// print writes the client's transcript, folding the flood into one line.
func (c *tourClient) print(out io.Writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(out, "== what %s saw (%d lines)\n", c.name, len(c.lines))
	flood := 0
	for i, line := range c.lines {
		if strings.Contains(line, "> flood ") {
			flood++
			if i+1 < len(c.lines) && strings.Contains(c.lines[i+1], "> flood ") {
				continue
			}
			line = fmt.Sprintf("   ... %d flood lines from bob ...", flood)
			flood = 0
		}
		fmt.Fprintf(out, "   %s\n", line)
	}
	fmt.Fprintln(out)
}

// webClient is a tourClient that speaks the page's protocol: an SSE stream
// for reading and POST /send for writing.
type webClient struct {
	tourClient
	base    string
	session chan string
	token   string
}

func dialWeb(name, base string) (*webClient, error) {
	resp, err := http.Get(base + "/events?nick=" + url.QueryEscape(name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	w := &webClient{tourClient: tourClient{name: name, news: make(chan struct{}, 1)}, base: base, session: make(chan string, 1)}
	go func() {
		defer resp.Body.Close()
		w.readFrom(resp.Body, w.showEvent)
	}()
	select {
	case w.token = <-w.session:
		return w, nil
	case <-time.After(tourWait):
		return nil, errors.New("tour: no session event on the stream")
	}
}

// showEvent turns the SSE lines into the same text nc would show.
func (w *webClient) showEvent(line string) string {
	if token, ok := strings.CutPrefix(line, "data: "); ok && !strings.HasPrefix(token, "{") {
		w.session <- token // the first event: the session token
		return ""
	}
	data, ok := strings.CutPrefix(line, "data: ")
	if !ok {
		return "" // "event: session", blank separators, ": ping"
	}
	var m message
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		return "bad event: " + data
	}
	return strings.TrimSuffix(string(newMessage(m.Time, m.Kind, m.Room, m.From, m.To, m.Text).tcp), "\n")
}

func (w *webClient) say(line string) error {
	resp, err := http.PostForm(w.base+"/send", url.Values{"session": {w.token}, "line": {line}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("tour: POST /send: %s", resp.Status)
	}
	return nil
}
