package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/rpc"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeClient serves srv's gob codec on one end of a net.Pipe and returns a
// client on the other. Cleanup closes the client and waits for the server
// goroutine, which returns once its running calls have replied.
func pipeClient(t *testing.T) *rpc.Client {
	t.Helper()
	clientEnd, serverEnd := net.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() { newServer().ServeConn(serverEnd) })
	client := rpc.NewClient(clientEnd)
	t.Cleanup(func() {
		client.Close()
		wg.Wait()
	})
	return client
}

// pipeLines connects a lineConn to a JSON-RPC server over net.Pipe. The
// server goroutine is waited for at cleanup.
func pipeLines(t *testing.T) *lineConn {
	t.Helper()
	var wg sync.WaitGroup
	lc, err := dialLines(func() (net.Conn, error) {
		clientEnd, serverEnd := net.Pipe()
		wg.Go(func() { serveJSON(newServer())(serverEnd) })
		return clientEnd, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		lc.close()
		wg.Wait()
	})
	return lc
}

func TestServerError_IsPlainString(t *testing.T) {
	client := pipeClient(t)
	var q Quotient
	err := client.Call("Arith.Divide", &Args{A: 7, B: 0}, &q)

	var serverErr rpc.ServerError
	if !errors.As(err, &serverErr) {
		t.Fatalf("Divide 7/0: got error %v of type %T, want rpc.ServerError", err, err)
	}
	if got, want := err.Error(), ErrDivideByZero.Error(); got != want {
		t.Errorf("Divide 7/0: got error text %q, want %q", got, want)
	}
	// The text survives, the identity does not.
	if errors.Is(err, ErrDivideByZero) {
		t.Errorf("Divide 7/0: errors.Is(err, ErrDivideByZero) = true, want false across net/rpc")
	}
}

func TestClient_ErrShutdownAfterClose(t *testing.T) {
	client := pipeClient(t)
	if err := client.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	var reply int
	if err := client.Call("Arith.Multiply", &Args{A: 1, B: 2}, &reply); !errors.Is(err, rpc.ErrShutdown) {
		t.Errorf("Call after Close: got %v, want rpc.ErrShutdown", err)
	}
	if err := client.Close(); !errors.Is(err, rpc.ErrShutdown) {
		t.Errorf("second Close: got %v, want rpc.ErrShutdown", err)
	}
}

func TestCallWithTimeout(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		wantErr     error
		wantElapsed time.Duration
	}{
		{"fast method answers", "Arith.Multiply", nil, 0},
		{"slow method times out", "Arith.SlowMultiply", ErrCallTimeout, callTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client := pipeClient(t)
				var reply int
				start := time.Now()
				err := callWithTimeout(client, tt.method, &Args{A: 3, B: 4}, &reply, callTimeout)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("callWithTimeout(%s, %v): got %v, want %v", tt.method, callTimeout, err, tt.wantErr)
				}
				if got := time.Since(start); got != tt.wantElapsed {
					t.Errorf("callWithTimeout(%s, %v) returned after %v, want %v", tt.method, callTimeout, got, tt.wantElapsed)
				}
				if err == nil && reply != 12 {
					t.Errorf("callWithTimeout(%s, 3*4): reply %d, want 12", tt.method, reply)
				}
			})
		})
	}
}

// TestJSONRPC_BadLines sends one bad line per case and checks what the
// server answers. A line with a readable header gets an error reply and the
// connection stays usable; a line that is not JSON ends the connection.
func TestJSONRPC_BadLines(t *testing.T) {
	tests := []struct {
		name      string
		line      string
		wantReply string // "" means: no reply, the server closes the connection
	}{
		{"wrong param type", badParamsJSON,
			`{"id":2,"result":null,"error":"json: cannot unmarshal string into Go struct field Args.A of type int"}`},
		{"unknown method", `{"method":"Arith.Sqrt","params":[{"A":9}],"id":3}`,
			`{"id":3,"result":null,"error":"rpc: can't find method Arith.Sqrt"}`},
		{"unknown service", `{"method":"Calc.Add","params":[{}],"id":4}`,
			`{"id":4,"result":null,"error":"rpc: can't find service Calc.Add"}`},
		{"no params", `{"method":"Arith.Multiply","id":5}`,
			`{"id":5,"result":null,"error":"jsonrpc: request body missing params"}`},
		{"empty object", `{}`,
			`{"id":null,"result":null,"error":"rpc: service/method request ill-formed: "}`},
		{"not JSON", malformedJSON, ""},
		{"array instead of object", `[1,2,3]`, ""},
		{"plain text", `hello`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				lc := pipeLines(t)
				reply, err := lc.exchange(tt.line)
				if tt.wantReply == "" {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("send %s: got reply %q, error %v; want the connection closed (io.EOF)", tt.line, reply, err)
					}
					return
				}
				if err != nil || reply != tt.wantReply {
					t.Fatalf("send %s:\ngot  %s (error %v)\nwant %s", tt.line, reply, err, tt.wantReply)
				}
				// The connection must still serve a good request.
				if reply, err := lc.exchange(jsonRequest); err != nil || !strings.Contains(reply, `"result":56`) {
					t.Errorf("good request after %s: got %s (error %v), want result 56", tt.line, reply, err)
				}
			})
		})
	}
}

// TestFailures_OverTCP runs step 7 over real loopback sockets, where a killed
// server could answer with a connection reset instead of a clean close; the
// step checks each outcome itself. Real sockets cannot live in a bubble, so
// this test takes real time: the killed server's SlowMultiply finishes
// (slowDelay) before the test returns.
func TestFailures_OverTCP(t *testing.T) {
	srv := newServer()
	quiet := slog.New(slog.DiscardHandler)
	var listeners []*rpcListener
	t.Cleanup(func() {
		for _, l := range listeners {
			l.kill()
			l.wait()
		}
	})
	start := func(serve func(io.ReadWriteCloser)) *rpcListener {
		l, err := listenTCP("127.0.0.1:0", serve, quiet)
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
		return l
	}
	gob, json := start(serveGob(srv)), start(serveJSON(srv))
	n := tcpNetwork(gob.addr(), json.addr())
	// Same as tcpNetwork's, but the test keeps the listener to wait for it.
	n.startDoomed = func() (func() (net.Conn, error), func(), error) {
		l := start(serveGob(newServer()))
		return func() (net.Conn, error) { return net.DialTimeout("tcp", l.addr(), storyDeadline) }, l.kill, nil
	}
	client, err := dialClient(n.dialGob)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	var out strings.Builder
	if err := stepFailures(&out, n, client); err != nil {
		t.Fatalf("step 7 over TCP: %v\noutput so far:\n%s", err, out.String())
	}
	if want := "connect: connection refused"; !strings.Contains(out.String(), want) {
		t.Errorf("step 7 over TCP: output lacks %q:\n%s", want, out.String())
	}
}
