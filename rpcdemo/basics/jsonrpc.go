// Step 6: the same service over net/rpc/jsonrpc, first through its client,
// then as raw lines of JSON that anyone can type with nc.

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/rpc/jsonrpc"
	"strings"
	"time"
)

// jsonRequest is a JSON-RPC 1.0 request as net/rpc/jsonrpc reads it: the
// method as "Service.Method", params as a one-element array holding the args
// struct, and an id that the reply echoes.
const jsonRequest = `{"method":"Arith.Multiply","params":[{"A":7,"B":8}],"id":1}`

func stepJSONRPC(w io.Writer, n network) error {
	fmt.Fprintf(w, "== 6. The same service over net/rpc/jsonrpc\n")
	conn, err := n.dialJSON()
	if err != nil {
		return fmt.Errorf("dial JSON-RPC server at %s: %w", n.jsonAddr, err)
	}
	conn.SetDeadline(time.Now().Add(storyDeadline))
	client := jsonrpc.NewClient(conn)
	defer client.Close()
	var product int
	if err := client.Call("Arith.Multiply", &Args{A: 7, B: 8}, &product); err != nil {
		return fmt.Errorf("JSON-RPC Arith.Multiply 7*8: %w", err)
	}
	fmt.Fprintf(w, "   jsonrpc client: Arith.Multiply 7*8 = %d\n", product)

	// Without the client library the protocol is one JSON object per line.
	lc, err := dialLines(n.dialJSON)
	if err != nil {
		return fmt.Errorf("dial JSON-RPC server at %s: %w", n.jsonAddr, err)
	}
	defer lc.close()
	reply, err := lc.exchange(jsonRequest)
	if err != nil {
		return fmt.Errorf("raw JSON-RPC request: %w", err)
	}
	fmt.Fprintf(w, "   raw TCP, sent:     %s\n", jsonRequest)
	fmt.Fprintf(w, "   raw TCP, received: %s\n", reply)
	fmt.Fprintf(w, "   Try it yourself while a server runs (go run ./rpcdemo/basics -serve):\n")
	fmt.Fprintf(w, "     %s\n", ncLine(n.jsonAddr))
	return nil
}

// ncLine is the shell command that sends jsonRequest to addr with netcat.
// Plain nc would wait forever, because the server keeps the connection open
// for the next request. -q1 (quit a second after stdin ends) works with both of
// Debian's netcats, netcat-traditional and netcat-openbsd. netcat-openbsd and
// the BSDs also have -N (shut down the sending side when stdin ends), which is
// the form to use where nc has no -q.
func ncLine(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "PORT"
	}
	return fmt.Sprintf("echo '%s' | nc -q1 %s %s", jsonRequest, host, port)
}

// lineConn speaks a line protocol over one connection: write a line, read a
// line. It is how the story talks JSON-RPC without the client library.
type lineConn struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialLines dials and bounds the connection by storyDeadline.
func dialLines(dial func() (net.Conn, error)) (*lineConn, error) {
	conn, err := dial()
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(storyDeadline))
	return &lineConn{conn: conn, r: bufio.NewReader(conn)}, nil
}

// exchange sends line and returns the next line the server writes, without
// its newline. If the server closes the connection instead, the error is
// io.EOF.
func (c *lineConn) exchange(line string) (string, error) {
	if _, err := io.WriteString(c.conn, line+"\n"); err != nil {
		return "", fmt.Errorf("write request: %w", err)
	}
	reply, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(reply, "\n"), nil
}

func (c *lineConn) close() { c.conn.Close() }
