// The command: flags, logger, wiring, signals. See doc.go for the tour.

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"distkit/pkg/envflag"
)

// envPrefix starts the environment variable of every flag (see
// pkg/envflag).
const envPrefix = "RESTDEMO"

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen on `host:port`")
	demo := flag.Bool("demo", false, "play the scripted tour on a free port and exit")
	bare := flag.Bool("bare", false, "serve a bare hello-world handler (no middleware), the benchmark baseline")
	quiet := flag.Bool("quiet", false, "discard the access log (for benchmarks)")
	verbose := flag.Bool("v", false, "log at Debug level")
	rate := flag.Float64("rate", 20, "requests per second allowed per client IP")
	burst := flag.Int("burst", 40, "rate-limit bucket size per client IP")
	drain := flag.Duration("drain", 5*time.Second, "how long to keep serving after readiness turns false on shutdown")
	logFormat := flag.String("log-format", "text", "log format: text or json (one JSON object per line, for containers)")
	storeKind := flag.String("store", "memory", "where tasks live: memory (this process; one replica only) or kv (the kvnode cluster in -kv-servers)")
	kvServers := flag.String("kv-servers", "", "with -store kv: the kvnode cluster as `id=host:port,...`")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage of restdemo:\n")
		flag.PrintDefaults()
		fmt.Fprint(flag.CommandLine.Output(), envflag.Usage(envPrefix, "store", "kv-servers"))
	}
	flag.Parse()
	// A container sets flags through its environment (env.go).
	if err := envflag.Apply(flag.CommandLine, envPrefix, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "restdemo:", err)
		os.Exit(2)
	}
	if *logFormat != "text" && *logFormat != "json" {
		fmt.Fprintf(os.Stderr, "restdemo: -log-format %q: want text or json\n", *logFormat)
		os.Exit(2)
	}
	store, closeStore, err := openStore(*storeKind, *kvServers, time.Now) // kvstore.go
	if err != nil {
		fmt.Fprintln(os.Stderr, "restdemo:", err)
		os.Exit(2)
	}
	defer closeStore()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	var logOut io.Writer = os.Stderr
	if *quiet {
		logOut = io.Discard
	}
	var log *slog.Logger
	if *logFormat == "json" {
		log = slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: level}))
	} else {
		log = slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))
	}

	switch {
	case *demo:
		err = tour(os.Stdout, tcpNetwork())
	default:
		cfg := Config{Logger: log, RateLimit: *rate, RateBurst: *burst, DrainDelay: *drain, Store: store}
		err = serve(*addr, cfg, *bare)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "restdemo:", err)
		closeStore()
		os.Exit(1)
	}
}

// serve runs the service (or the bare baseline) on addr until SIGINT or
// SIGTERM, then drains.
func serve(addr string, cfg Config, bare bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, restore the default handling: a second Ctrl-C
	// kills the process at once instead of waiting out the drain.
	go func() { <-ctx.Done(); stop() }()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	url := "http://" + ln.Addr().String()
	if bare {
		// The baseline has the same server timeouts but no middleware,
		// no JSON, no store: what the full stack is measured against.
		cfg.Logger.Info("serving a bare hello-world handler, waiting for Ctrl-C", "url", url)
		hs := httpServer(http.HandlerFunc(hello), 5*time.Second, cfg.Logger)
		go func() { <-ctx.Done(); hs.Shutdown(context.Background()) }()
		if err := hs.Serve(ln); err != http.ErrServerClosed {
			return err
		}
		return nil
	}
	cfg.Logger.Info("restdemo listening, waiting for Ctrl-C", "url", url)
	fmt.Fprintf(os.Stderr, "try: curl -i %s/tasks -H 'Content-Type: application/json' -d @testdata/rest/create.json\n", url)
	return newServer(cfg).run(ctx, ln)
}

// hello is the bare benchmark baseline.
func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("hello\n"))
}
