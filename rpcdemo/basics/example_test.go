package main

import (
	"fmt"
	"net"
	"net/rpc"
)

// A server and a client joined by net.Pipe: the smallest complete net/rpc
// program. A returned error reaches the client as its text only.
func Example() {
	clientEnd, serverEnd := net.Pipe()
	go newServer().ServeConn(serverEnd) // returns when the client hangs up
	client := rpc.NewClient(clientEnd)
	defer client.Close()

	var product int
	err := client.Call("Arith.Multiply", &Args{A: 6, B: 7}, &product)
	fmt.Println("6*7 =", product, err)

	var q Quotient
	err = client.Call("Arith.Divide", &Args{A: 7, B: 2}, &q)
	fmt.Printf("7/2 = %d rest %d %v\n", q.Quo, q.Rem, err)

	err = client.Call("Arith.Divide", &Args{A: 7, B: 0}, &q)
	fmt.Printf("7/0: %T %q\n", err, err)
	// Output:
	// 6*7 = 42 <nil>
	// 7/2 = 3 rest 1 <nil>
	// 7/0: rpc.ServerError "arith: divide by zero"
}
