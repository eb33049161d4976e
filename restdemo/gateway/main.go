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
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "the gateway listens on `host:port`")
	demo := flag.Bool("demo", false, "play the scripted tour and exit")
	flag.Parse()

	var err error
	if *demo {
		err = tour(os.Stdout, tcpNetwork())
	} else {
		err = serve(*addr, slog.New(slog.NewTextHandler(os.Stderr, nil)))
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
