// The command: flags, logger, wiring, signals. See doc.go for the story.

package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"distkit/pkg/envflag"
)

// envPrefix starts the environment variable of every flag (see
// pkg/envflag).
const envPrefix = "GATEWAY"

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "the gateway listens on `host:port`")
	demo := flag.Bool("demo", false, "play the scripted tour and exit")
	logFormat := flag.String("log-format", "text", "log format: text or json (one JSON object per line, for containers)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage of gateway:\n")
		flag.PrintDefaults()
		fmt.Fprint(flag.CommandLine.Output(), envflag.Usage(envPrefix, "addr", "log-format"))
	}
	flag.Parse()
	// A container sets flags through its environment (env.go).
	if err := envflag.Apply(flag.CommandLine, envPrefix, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	switch *logFormat {
	case "text":
	case "json":
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	default:
		fmt.Fprintf(os.Stderr, "gateway: -log-format %q: want text or json\n", *logFormat)
		os.Exit(2)
	}

	var err error
	if *demo {
		err = tour(os.Stdout, tcpNetwork())
	} else {
		err = serve(*addr, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// serve starts the three backends on free ports and the gateway on addr,
// until SIGINT or SIGTERM.
func serve(addr string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	sys, err := start(tcpNetwork(), ln, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer sys.stop()
	log.Info("gateway listening, waiting for Ctrl-C", "url", sys.gatewayURL)
	fmt.Fprintf(os.Stderr, "try: curl -s %s/products/42\n", sys.gatewayURL)
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return sys.servers["gateway"].Shutdown(sctx)
}
