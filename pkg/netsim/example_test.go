package netsim_test

import (
	"errors"
	"fmt"
	"time"

	"distkit/pkg/netsim"
)

// Counter is a service with net/rpc's method shape.
type Counter struct{ n int }

type AddArgs struct{ Delta int }

type AddReply struct{ Total int }

func (c *Counter) Add(args *AddArgs, reply *AddReply) error {
	if args.Delta < 0 {
		return errors.New("counter only goes up")
	}
	c.n += args.Delta
	reply.Total = c.n
	return nil
}

// Two nodes, one call, one server error, one cut link. No delays or drops are
// set, so the example runs instantly in real time.
func Example() {
	net := netsim.New(1)
	// Outside a synctest bubble the timeout runs on the real clock; a long one
	// keeps a busy machine from turning a slow reply into a timeout.
	net.SetTimeout(time.Minute)
	defer net.Close()
	srv := netsim.NewServer()
	if err := srv.Register(&Counter{}); err != nil {
		fmt.Println(err)
		return
	}
	net.AddServer("server", srv)
	c := net.Client("client", "server")

	var reply AddReply
	err := c.Call("Counter.Add", &AddArgs{Delta: 2}, &reply)
	fmt.Println("add 2:", reply.Total, err)

	err = c.Call("Counter.Add", &AddArgs{Delta: -1}, &AddReply{})
	fmt.Println("add -1:", err)

	net.Disconnect("client", "server")
	err = c.Call("Counter.Add", &AddArgs{Delta: 1}, &AddReply{})
	fmt.Println("cut:", errors.Is(err, netsim.ErrDisconnected))

	net.Heal()
	reply = AddReply{} // gob skips zero fields, so a reply must start fresh
	err = c.Call("Counter.Add", &AddArgs{Delta: 1}, &reply)
	fmt.Println("healed:", reply.Total, err)

	fmt.Printf("client: %d RPCs sent; server: %d received\n",
		net.Stats("client").RPCsSent, net.Stats("server").RPCsReceived)
	// Output:
	// add 2: 2 <nil>
	// add -1: counter only goes up
	// cut: true
	// healed: 3 <nil>
	// client: 4 RPCs sent; server: 3 received
}
