// The -demo tour: three backends and the gateway, a full answer, then a slow
// backend, a dead one, and a dead required one. main runs it over TCP;
// tour_test.go runs it over net.Pipe in a synctest bubble.

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// network is how the tour's servers listen and its clients dial.
type network struct {
	listen func() (net.Listener, error)
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
}

func tcpNetwork() network {
	var d net.Dialer
	return network{
		listen: func() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") },
		dial:   d.DialContext,
	}
}

// Deadlines per backend. The catalog gets longer: without it there is no page.
const (
	catalogTimeout  = 500 * time.Millisecond
	optionalTimeout = 300 * time.Millisecond
)

// system is the backends and the gateway, running.
type system struct {
	catalog, inventory, reviews *backend
	servers                     map[string]*http.Server // by backend name, and "gateway"
	gatewayURL                  string
	tr                          *http.Transport // shared by the gateway's client and the tour's
}

// start launches the three backends on n and a gateway in front of them on
// gatewayLn, or on a listener from n if gatewayLn is nil.
func start(n network, gatewayLn net.Listener, log *slog.Logger) (*system, error) {
	s := &system{catalog: newCatalog(), inventory: newInventory(), reviews: newReviews(),
		servers: make(map[string]*http.Server), tr: &http.Transport{DialContext: n.dial}}
	serve := func(name string, h http.Handler, ln net.Listener) (string, error) {
		var err error
		if ln == nil {
			if ln, err = n.listen(); err != nil {
				return "", err
			}
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		s.servers[name] = hs
		go hs.Serve(ln)
		return "http://" + ln.Addr().String(), nil
	}
	var parts []Part
	for _, b := range []struct {
		be       *backend
		path     string
		timeout  time.Duration
		required bool
	}{
		{s.catalog, "products", catalogTimeout, true},
		{s.inventory, "stock", optionalTimeout, false},
		{s.reviews, "reviews", optionalTimeout, false},
	} {
		url, err := serve(b.be.name, backendMux(b.path, b.be), nil)
		if err != nil {
			s.stop()
			return nil, err
		}
		parts = append(parts, Part{Name: b.be.name, URL: url, Path: b.path, Timeout: b.timeout, Required: b.required})
	}
	gw := NewGateway(parts, &http.Client{Transport: s.tr}, log)
	url, err := serve("gateway", gw.Handler(), gatewayLn)
	if err != nil {
		s.stop()
		return nil, err
	}
	s.gatewayURL = url
	return s, nil
}

// stop closes every server and idle connection.
func (s *system) stop() {
	for _, hs := range s.servers {
		hs.Close()
	}
	s.tr.CloseIdleConnections()
}

// tour plays the story on n and writes it to w.
func tour(w io.Writer, n network) error {
	sys, err := start(n, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer sys.stop()
	hc := &http.Client{Transport: sys.tr}
	get := func(path string, want int) error {
		fmt.Fprintf(w, "> GET %s\n", path)
		resp, err := hc.Get(sys.gatewayURL + path)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(w, "< %s\n", resp.Status)
		if cc := resp.Header.Get("Cache-Control"); cc != "" {
			fmt.Fprintf(w, "< Cache-Control: %s\n", cc)
		}
		fmt.Fprintf(w, "< %s\n\n", bytes.TrimSpace(body))
		if resp.StatusCode != want {
			return fmt.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, want)
		}
		return nil
	}

	fmt.Fprintf(w, "gateway tour: the gateway at %s calls catalog (required, %v deadline),\n", sys.gatewayURL, catalogTimeout)
	fmt.Fprintf(w, "inventory and reviews (optional, %v each), all at once through pkg/fanout.\n\n", optionalTimeout)

	fmt.Fprintf(w, "== 1. Every backend answers: the full page\n\n")
	if err := get("/products/42", 200); err != nil {
		return err
	}
	fmt.Fprintf(w, "== 2. reviews takes 2s: the gateway stops waiting after %v and answers without it\n\n", optionalTimeout)
	sys.reviews.delay.Store(int64(2 * time.Second))
	if err := get("/products/42", 200); err != nil {
		return err
	}
	sys.reviews.delay.Store(0)
	fmt.Fprintf(w, "== 3. inventory is down (its server is gone) and reviews errors: still a page\n\n")
	sys.servers["inventory"].Close()
	sys.reviews.fail.Store(true)
	if err := get("/products/42", 200); err != nil {
		return err
	}
	sys.reviews.fail.Store(false)
	fmt.Fprintf(w, "== 4. The required catalog fails: no page, a 502 problem (not a 500)\n\n")
	sys.catalog.fail.Store(true)
	if err := get("/products/42", 502); err != nil {
		return err
	}
	sys.catalog.fail.Store(false)
	fmt.Fprintf(w, "== 5. An unknown product is the catalog's 404, passed on\n\n")
	return get("/products/4242", 404)
}
