package main

import (
	"fmt"
	"net"
	"sync"

	"distkit/pkg/pipenet"
)

// pipeNet is the in-memory network the tests run servers on, so that they
// fit in a synctest bubble (see pkg/pipenet). Its listeners get the
// addresses srv1.pipe:80, srv2.pipe:80, ... in the order they are made.
type pipeNet struct {
	*pipenet.Network
	mu sync.Mutex
	n  int
}

func newPipeNet() *pipeNet { return &pipeNet{Network: pipenet.New()} }

// network adapts the pipe network to the tour's needs.
func (p *pipeNet) network() network { return network{listen: p.listen, dial: p.DialContext} }

// listen makes a listener at the next free address.
func (p *pipeNet) listen() (net.Listener, error) {
	p.mu.Lock()
	p.n++
	addr := fmt.Sprintf("srv%d.pipe:80", p.n)
	p.mu.Unlock()
	return p.Listen(addr)
}
