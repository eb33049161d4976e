package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
)

// One client over net.Pipe: it picks a name, says hello and quits. The
// hub's clock is fixed, so the timestamps are too.
func Example() {
	h := newHub(config{Now: fixedClock})
	ctx, stop := context.WithCancel(context.Background())
	go h.run(ctx)
	tcp := newTCPServer(h)

	client, server := net.Pipe()
	tcp.serveConn(server)
	go fmt.Fprint(client, "/nick alice\nhello, room\n/quit\n")
	sc := bufio.NewScanner(client)
	for sc.Scan() { // until the server closes the connection after /quit
		fmt.Println(sc.Text())
	}

	stop()
	<-h.done
	tcp.wait()
	// Output:
	// 12:00:00 *** welcome to distkit chat; /help lists the commands
	// 12:00:00 *** you are guest1
	// 12:00:00 *** guest1 joined #lobby (1 here)
	// 12:00:00 *** you are alice
	// 12:00:00 <alice> hello, room
	// 12:00:00 *** bye
}
