package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"distkit/pkg/envflag"
)

func main() {
	tcpAddr := flag.String("tcp", "127.0.0.1:6667", "`host:port` for the TCP line protocol (nc)")
	httpAddr := flag.String("http", "127.0.0.1:8080", "`host:port` for the web page, the event stream and /debug/vars")
	demo := flag.Bool("demo", false, "play the self-running tour on free ports and exit")
	tour := flag.Bool("tour", false, "same as -demo")
	verbose := flag.Bool("v", false, "log every join and leave")
	var cfg config
	flag.IntVar(&cfg.MaxLine, "max-line", 512, "longest line a client may send, in `bytes`")
	flag.IntVar(&cfg.History, "history", 20, "`messages` of a room replayed on join")
	flag.IntVar(&cfg.Outbox, "outbox", 256, "`messages` queued for one client before it counts as too slow")
	flag.BoolVar(&cfg.DropOldest, "drop-oldest", false, "on a full outbox drop the oldest message, not the client")
	flag.Float64Var(&cfg.Rate, "rate", 5, "lines per `second` per client; -1: no limit")
	flag.IntVar(&cfg.Burst, "burst", 10, "`lines` a client may send at once")
	flag.IntVar(&cfg.MaxClients, "max-clients", 15000, "connections served at once (mind ulimit -n)")
	flag.IntVar(&cfg.QuietAbove, "quiet-above", 20, "rooms bigger than this `size` do not announce joins and leaves")
	flag.DurationVar(&cfg.IdleTimeout, "idle", 5*time.Minute, "disconnect a TCP client silent this `long`")
	logFormat := flag.String("log-format", "text", "log format: text or json (for containers)")
	flag.Parse()
	// In a container every flag can come from the environment:
	// CHATROOM_MAX_CLIENTS=500 for -max-clients; the command line wins.
	if err := envflag.Apply(flag.CommandLine, "CHATROOM", os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "chatroom:", err)
		os.Exit(2)
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	switch *logFormat {
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, opts))
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, opts))
	default:
		fmt.Fprintf(os.Stderr, "chatroom: -log-format %q: want text or json\n", *logFormat)
		os.Exit(2)
	}

	var err error
	if *demo || *tour {
		err = runTour(os.Stdout) // tour.go
	} else {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = serveUntil(ctx, cfg, *tcpAddr, *httpAddr, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatroom:", err)
		os.Exit(1)
	}
}

// serveUntil runs a chat server until ctx is done, then shuts it down.
func serveUntil(ctx context.Context, cfg config, tcpAddr, httpAddr string, out io.Writer) error {
	s, err := startServer(cfg, tcpAddr, httpAddr)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(s.tcpAddr)
	fmt.Fprintf(out, "chatroom: TCP line protocol on %s (try: nc %s %s)\n", s.tcpAddr, host, port)
	fmt.Fprintf(out, "chatroom: web page on %s/ (stats on %s/debug/vars)\n", s.httpURL, s.httpURL)
	fmt.Fprintf(out, "chatroom: waiting for Ctrl-C\n")
	<-ctx.Done()
	fmt.Fprintf(out, "chatroom: shutting down\n")
	return s.stop()
}

// server wires one hub to its two transports.
type server struct {
	hub     *hub
	tcp     *tcpServer
	http    *http.Server
	tcpLn   net.Listener
	tcpAddr string // host:port of the TCP listener
	httpURL string // http://host:port of the web listener

	stopHub context.CancelFunc
	serving sync.WaitGroup // the accept loops
}

// startServer listens on both addresses (":0" ports are fine) and serves.
func startServer(cfg config, tcpAddr, httpAddr string) (*server, error) {
	tcpLn, err := net.Listen("tcp", tcpAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for TCP clients: %w", err)
	}
	httpLn, err := net.Listen("tcp", httpAddr)
	if err != nil {
		tcpLn.Close()
		return nil, fmt.Errorf("listen for web clients: %w", err)
	}
	h := newHub(cfg)
	s := &server{
		hub:     h,
		tcp:     newTCPServer(h),
		tcpLn:   tcpLn,
		tcpAddr: tcpLn.Addr().String(),
		httpURL: "http://" + httpLn.Addr().String(),
		// No WriteTimeout: the event stream is one long response. Each write
		// of it carries its own deadline instead (sse.go).
		http: &http.Server{Handler: newWebHandler(h), ReadHeaderTimeout: 10 * time.Second},
	}
	var hubCtx context.Context
	hubCtx, s.stopHub = context.WithCancel(context.Background())
	go h.run(hubCtx) // stops with stopHub; h.done is closed when it has
	s.serving.Go(func() { s.tcp.serve(tcpLn) })
	s.serving.Go(func() {
		if err := s.http.Serve(httpLn); !errors.Is(err, http.ErrServerClosed) {
			h.cfg.Logger.Error("web server stopped", "err", err)
		}
	})
	return s, nil
}

// stop shuts down in the order that lets every client hear the news: stop
// accepting TCP connections, stop the hub (it tells every client and closes
// every outbox's quit channel), then wait for the web handlers and the TCP
// readers and writers to finish.
func (s *server) stop() error {
	s.tcpLn.Close()
	s.stopHub()
	<-s.hub.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	s.serving.Wait()
	s.tcp.wait()
	if err != nil {
		return fmt.Errorf("shut down web server: %w", err)
	}
	return nil
}
