// kvctl status: ask every node's HTTP side port for its /status and print
// one line per node.

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"text/tabwriter"
)

// nodeStatus is the part of kvnode's /status that the table shows.
type nodeStatus struct {
	ID          int    `json:"id"`
	Role        string `json:"role"`
	Term        int    `json:"term"`
	LeaderID    int    `json:"leader"`
	CommitIndex int    `json:"commit"`
	LastApplied int    `json:"applied"`
	LogBytes    int    `json:"log_bytes"`
	Ready       bool   `json:"ready"`
}

// statusRow is one node's line: its status, or why there is none.
type statusRow struct {
	id   int
	addr string
	st   nodeStatus
	err  error
}

// parseStatus returns the side port of each server: from -http, or by
// kvnode's default rule (the RPC port + 1000).
func parseStatus(opts options, args []string) (map[int]string, error) {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	list := fs.String("http", "", "side ports as id=host:port,... (default: each RPC port + 1000)")
	if err := fs.Parse(args); err != nil {
		return nil, usagef("status: %v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("status: unexpected argument %q", fs.Arg(0))
	}
	if *list != "" {
		addrs, err := parseServers(*list)
		if err != nil {
			return nil, usagef("status -http: %v", err)
		}
		return addrs, nil
	}
	addrs := make(map[int]string)
	for id, rpcAddr := range opts.servers {
		host, portText, _ := net.SplitHostPort(rpcAddr) // checked by parseServers
		port, err := strconv.Atoi(portText)
		if err != nil || port+httpPortOffset > 65535 {
			return nil, usagef("status: cannot derive the side port of %d=%s; give -http", id, rpcAddr)
		}
		addrs[id] = net.JoinHostPort(host, strconv.Itoa(port+httpPortOffset))
	}
	return addrs, nil
}

// runStatus queries every side port at once and prints the table. It fails
// only if no node answered.
func runStatus(ctx context.Context, opts options, addrs map[int]string, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	ids := sortedIDs(addrs)
	rows := make([]statusRow, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		rows[i] = statusRow{id: id, addr: addrs[id]}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows[i].st, rows[i].err = fetchStatus(ctx, addrs[id])
		}()
	}
	wg.Wait()
	formatStatus(stdout, rows)
	for _, r := range rows {
		if r.err == nil {
			return nil
		}
	}
	return fmt.Errorf("status: no node answered (tried %s)", serverList(addrs))
}

func fetchStatus(ctx context.Context, addr string) (nodeStatus, error) {
	var st nodeStatus
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/status", nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("%s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return st, fmt.Errorf("decode /status: %w", err)
	}
	return st, nil
}

// formatStatus prints the table, one row per node in ID order.
func formatStatus(w io.Writer, rows []statusRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tHTTP\tROLE\tTERM\tCOMMIT\tAPPLIED\tLOG BYTES\tLEADER\tREADY")
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(tw, "%d\t%s\tunreachable: %v\n", r.id, r.addr, r.err)
			continue
		}
		leader := "?"
		if r.st.LeaderID >= 0 {
			leader = strconv.Itoa(r.st.LeaderID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%t\n", r.id, r.addr, r.st.Role, r.st.Term,
			r.st.CommitIndex, r.st.LastApplied, r.st.LogBytes, leader, r.st.Ready)
	}
	tw.Flush()
}
