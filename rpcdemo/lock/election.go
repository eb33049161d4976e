// Part two: leader election among three clients, watched by an observer.

package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"distkit/pkg/coord"
)

// electionStory: three candidates campaign; each winner resigns in turn
// and the observer reports every new leader.
func electionStory(ctx context.Context, w io.Writer, c *cluster) error {
	fmt.Fprintln(w, "\nStep 5. Three clients run for leader of \"scheduler\". An observer polls the election key")
	fmt.Fprintln(w, "and reports each new leader.")
	observer := coord.NewElection(c.clerk(&pause{}), "scheduler", ttl)
	obsCtx, stopObserving := context.WithCancel(ctx)
	defer stopObserving()
	changes := observer.Observe(obsCtx)

	type winner struct {
		name string
		e    *coord.Election
	}
	names := []string{"alice", "bob", "carol"}
	won := make(chan winner, len(names))
	failed := make(chan error, len(names))
	for i, name := range names {
		e := coord.NewElection(c.clerk(&pause{}), "scheduler", ttl)
		e.Backoff.Rand = rand.New(rand.NewPCG(c.seed, uint64(200+i)))
		go func() {
			if err := e.Campaign(ctx, name); err != nil {
				failed <- err
				return
			}
			won <- winner{name, e}
		}()
	}
	for range names {
		var lead winner
		select {
		case lead = <-won:
		case err := <-failed:
			return err
		}
		fmt.Fprintf(w, "  %s won at revision %d; the others keep campaigning\n", lead.name, lead.e.Rev())
		select {
		case v := <-changes:
			fmt.Fprintf(w, "  observer: the leader is now %s\n", v)
		case <-ctx.Done():
			return fmt.Errorf("the observer missed %s: %w", lead.name, ctx.Err())
		}
		if err := lead.e.Resign(ctx); err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s resigns: its lease is revoked and the election key deleted\n", lead.name)
	}
	stopObserving()
	for range changes { // wait for the observer to stop
	}
	fmt.Fprintln(w, "Each leader won at a higher revision than the one before: a fencing token for its writes.")
	fmt.Fprintln(w, "The observer asked every quarter second or so; a watch would have been told at once.")
	return nil
}
