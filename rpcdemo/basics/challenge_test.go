//go:build challenge

package main

// Checks for the workshop exercises in CHALLENGES.md. They compile against
// the published code and fail until the exercise is solved:
//
//	go test -race -tags challenge -run TestChallenge ./rpcdemo/basics

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Exercise "Count the calls": Arith.Calls reports how many calls of a method
// the server has run, with the concurrent calls net/rpc makes counted right.
func TestChallengeCallCounts(t *testing.T) {
	client := pipeClient(t)
	const multiplies = 20
	var wg sync.WaitGroup
	for i := range multiplies {
		wg.Go(func() {
			var reply int
			if err := client.Call("Arith.Multiply", &Args{A: i, B: 2}, &reply); err != nil {
				t.Errorf("Multiply %d*2: %v", i, err)
			}
		})
	}
	wg.Wait()
	var q Quotient
	client.Call("Arith.Divide", &Args{A: 7, B: 2}, &q) // counts
	client.Call("Arith.Divide", &Args{A: 7, B: 0}, &q) // fails, still counts
	var ignored int
	client.Call("Arith.Sqrt", &Args{A: 9}, &ignored) // never reaches Arith

	for _, tt := range []struct {
		method string
		want   int
	}{{"Multiply", multiplies}, {"Divide", 2}, {"SlowMultiply", 0}, {"Sqrt", 0}} {
		var got int
		if err := client.Call("Arith.Calls", tt.method, &got); err != nil {
			t.Fatalf("Arith.Calls(%q): %v (add the Calls method to Arith, see CHALLENGES.md)", tt.method, err)
		}
		if got != tt.want {
			t.Errorf("Arith.Calls(%q) = %d, want %d", tt.method, got, tt.want)
		}
	}
}

// Exercise "Speak JSON-RPC 2.0": the JSON-RPC listener also answers version
// 2.0 requests, with params by name or by position, and still speaks 1.0.
func TestChallengeJSONRPC2(t *testing.T) {
	clientEnd, serverEnd := net.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() { serveJSON(newServer())(serverEnd) })
	t.Cleanup(func() { clientEnd.Close(); wg.Wait() })
	r := bufio.NewReader(clientEnd)
	exchange := func(line string) map[string]json.RawMessage {
		t.Helper()
		if _, err := fmt.Fprintln(clientEnd, line); err != nil {
			t.Fatalf("send %s: %v", line, err)
		}
		reply, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("send %s: no reply: %v", line, err)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(reply), &fields); err != nil {
			t.Fatalf("send %s: reply %q is not a JSON object: %v", line, reply, err)
		}
		return fields
	}
	str := func(m map[string]json.RawMessage) string {
		var keys []string
		for k, v := range m {
			keys = append(keys, k+":"+string(v))
		}
		slices.Sort(keys)
		return "{" + strings.Join(keys, " ") + "}"
	}

	// Version 1.0 keeps working exactly as before.
	if got := exchange(jsonRequest); string(got["result"]) != "56" || string(got["error"]) != "null" || got["jsonrpc"] != nil {
		t.Errorf("1.0 request %s: got %s, want result 56, error null and no jsonrpc member", jsonRequest, str(got))
	}

	for _, tt := range []struct{ name, line, wantResult, wantID string }{
		{"params by name", `{"jsonrpc":"2.0","method":"Arith.Multiply","params":{"A":7,"B":8},"id":1}`, "56", "1"},
		{"params by position", `{"jsonrpc":"2.0","method":"Arith.Multiply","params":[{"A":2,"B":3}],"id":"two"}`, "6", `"two"`},
	} {
		got := exchange(tt.line)
		_, hasErr := got["error"]
		if string(got["jsonrpc"]) != `"2.0"` || string(got["result"]) != tt.wantResult || string(got["id"]) != tt.wantID || hasErr {
			t.Errorf("2.0 request, %s: %s\ngot  %s\nwant jsonrpc \"2.0\", result %s, id %s and no error member",
				tt.name, tt.line, str(got), tt.wantResult, tt.wantID)
		}
	}

	// A 2.0 error is an object with a code and a message, and has no result.
	line := `{"jsonrpc":"2.0","method":"Arith.Divide","params":{"A":7,"B":0},"id":3}`
	got := exchange(line)
	var rpcErr struct {
		Code    *int
		Message string
	}
	_, hasResult := got["result"]
	if err := json.Unmarshal(got["error"], &rpcErr); err != nil || rpcErr.Code == nil ||
		rpcErr.Message != ErrDivideByZero.Error() || hasResult || string(got["jsonrpc"]) != `"2.0"` {
		t.Errorf("2.0 request that fails: %s\ngot  %s\nwant jsonrpc \"2.0\", error {\"code\": <int>, \"message\": %q} and no result member",
			line, str(got), ErrDivideByZero.Error())
	}
}
