// Flags and wiring: which mode to run, and the TCP network the story uses.

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	serve := flag.Bool("serve", false, "run only the gob and JSON-RPC servers, until Ctrl-C")
	addr := flag.String("addr", "", "gob server `host:port`: where -serve listens (default 127.0.0.1:7000),\nor where the story connects (default: the story starts its own servers)")
	jsonAddr := flag.String("jsonaddr", "", "JSON-RPC server `host:port` (default: the port after -addr)")
	flag.Parse()

	var err error
	switch {
	case *serve:
		err = runServers(*addr, *jsonAddr)
	case *addr != "":
		err = runStoryAgainst(*addr, *jsonAddr)
	default:
		err = runLocal()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "basics:", err)
		os.Exit(1)
	}
}

// runLocal starts both servers on 127.0.0.1:0 and tells the story against them.
func runLocal() error {
	srv := newServer()
	quiet := slog.New(slog.DiscardHandler) // the story does the talking
	gob, err := listenTCP("127.0.0.1:0", serveGob(srv), quiet)
	if err != nil {
		return err
	}
	json, err := listenTCP("127.0.0.1:0", serveJSON(srv), quiet)
	if err != nil {
		gob.kill()
		return err
	}
	defer func() { gob.kill(); json.kill(); gob.wait(); json.wait() }()
	return story(os.Stdout, tcpNetwork(gob.addr(), json.addr()))
}

// runServers serves until SIGINT or SIGTERM.
func runServers(addr, jsonAddr string) error {
	if addr == "" {
		addr = "127.0.0.1:7000"
	}
	jsonAddr, err := orNextPort(jsonAddr, addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv := newServer()
	gob, err := listenTCP(addr, serveGob(srv), log.With("codec", "gob"))
	if err != nil {
		return err
	}
	json, err := listenTCP(jsonAddr, serveJSON(srv), log.With("codec", "json"))
	if err != nil {
		gob.kill()
		return err
	}
	log.Info("serving Arith, waiting for Ctrl-C", "gob", gob.addr(), "jsonrpc", json.addr())
	fmt.Printf("try: %s\n", ncLine(json.addr()))
	fmt.Printf(" or: go run ./rpcdemo/basics -addr %s -jsonaddr %s\n", gob.addr(), json.addr())

	<-ctx.Done()
	stop() // a second Ctrl-C now ends the process at once
	log.Info("stopping")
	gob.kill()
	json.kill()
	gob.wait() // at most slowDelay: calls already running finish first
	json.wait()
	return nil
}

// runStoryAgainst tells the story against servers in another process.
func runStoryAgainst(addr, jsonAddr string) error {
	jsonAddr, err := orNextPort(jsonAddr, addr)
	if err != nil {
		return err
	}
	return story(os.Stdout, tcpNetwork(addr, jsonAddr))
}

// tcpNetwork is the story's network over real TCP.
func tcpNetwork(gobAddr, jsonAddr string) network {
	dialTo := func(addr string) func() (net.Conn, error) {
		return func() (net.Conn, error) { return net.DialTimeout("tcp", addr, storyDeadline) }
	}
	return network{
		gobAddr:  gobAddr,
		jsonAddr: jsonAddr,
		dialGob:  dialTo(gobAddr),
		dialJSON: dialTo(jsonAddr),
		dialDead: func() (net.Conn, error) {
			// A port that was just free and has no listener: the kernel
			// answers a connection attempt with a reset, "refused".
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return nil, err
			}
			addr := ln.Addr().String()
			ln.Close()
			return dialTo(addr)()
		},
		startDoomed: func() (func() (net.Conn, error), func(), error) {
			l, err := listenTCP("127.0.0.1:0", serveGob(newServer()), slog.New(slog.DiscardHandler))
			if err != nil {
				return nil, nil, err
			}
			return dialTo(l.addr()), l.kill, nil
		},
	}
}

// listenTCP listens on addr and serves every connection with serve.
func listenTCP(addr string, serve func(io.ReadWriteCloser), log *slog.Logger) (*rpcListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return listen(ln, serve, log), nil
}

// orNextPort returns addr if set, else base's host with base's port plus one.
func orNextPort(addr, base string) (string, error) {
	if addr != "" {
		return addr, nil
	}
	host, port, err := net.SplitHostPort(base)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", base, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p >= 65535 {
		return "", fmt.Errorf("address %q: want a numeric port below 65535 to put JSON-RPC on the next one, or set -jsonaddr", base)
	}
	return net.JoinHostPort(host, strconv.Itoa(p+1)), nil
}
