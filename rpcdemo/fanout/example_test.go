package main

import (
	"context"
	"fmt"
)

// Example reads through a quorum while one of three replicas is down. The
// replicas run in-process over net.Pipe and answer at once.
func Example() {
	ctx := context.Background()
	p := newPipeNet()
	p.add("pipe-0", newReplica(initialData(), fixed(0)))
	p.add("pipe-1", newReplica(initialData(), fixed(0)))
	// Nothing serves pipe-2: dialing it is refused.
	c := connect(ctx, []string{"pipe-0", "pipe-1", "pipe-2"}, p.dial)
	defer p.wait()
	defer c.Close()

	// Only replica-0 takes the write.
	if err := c.write(ctx, key, Entry{Value: "ext 202", Version: 2}, 0); err != nil {
		fmt.Println("write:", err)
		return
	}
	newest, _, err := c.readQuorum(ctx, key, 2)
	fmt.Println("quorum read:", show(newest), err)

	_, err = c.readAll(ctx, key)
	fmt.Println("read all:", err)
	// Output:
	// quorum read: ext 202 (v2) <nil>
	// read all: call 2: replica-2 unreachable: dial pipe pipe-2: connection refused
}
