// Command workshop is the exercise runner for CHALLENGES.md: it lists the
// exercises with your progress, runs one exercise's check, and prints its
// hint or its whole text. It needs only Go: each check is the exercise's
// own `go test -tags challenge -run ...` command, run from the module root.
//
//	go run ./cmd/workshop list              # every exercise, done or not yet (runs every check)
//	go run ./cmd/workshop list -quick       # the list without running anything
//	go run ./cmd/workshop check prevote     # one check, by title slug or test name prefix
//	go run ./cmd/workshop hint prevote
//	go run ./cmd/workshop show prevote
//
// Sample output of list:
//
//	Consensus: pkg/raft
//	  not yet  add-prevote-so-a-returning-node-cannot-depose-a-healthy-leader
//	  done     a-leader-cut-off-from-its-majority-steps-down-checkquorum
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wd, err := os.Getwd()
	if err == nil {
		var root string
		if root, err = findRoot(wd); err == nil {
			err = run(ctx, os.Stdout, runner{goCmd: "go", root: root}, os.Args[1:])
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "workshop:", err)
		os.Exit(1)
	}
}

const usage = `usage: workshop list [-quick] [-j N] | check NAME | hint NAME | show NAME
NAME is an exercise's slug (from list) or its test name, or a prefix of either.`

// errFailed is returned by check when the exercise is not solved yet, so
// the command exits 1 like go test.
var errFailed = fmt.Errorf("not solved yet")

// run executes one workshop command with r, writing to w.
func run(ctx context.Context, w io.Writer, r runner, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", usage)
	}
	book := filepath.Join(r.root, "CHALLENGES.md")
	f, err := os.Open(book)
	if err != nil {
		return err
	}
	exs, err := parseExercises(f)
	f.Close()
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		fs := flag.NewFlagSet("list", flag.ContinueOnError)
		quick := fs.Bool("quick", false, "list without running the checks")
		jobs := fs.Int("j", 2, "checks to run at once")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return list(ctx, w, r, exs, *quick, *jobs)
	case "check", "hint", "show":
		if len(args) != 2 {
			return fmt.Errorf("%s", usage)
		}
		ex, err := find(exs, args[1])
		if err != nil {
			return err
		}
		switch args[0] {
		case "hint":
			if ex.Hint == "" {
				return fmt.Errorf("%s has no hint", ex.Slug)
			}
			fmt.Fprintf(w, "%s\n\n%s\n", ex.Title, ex.Hint)
		case "show":
			fmt.Fprintln(w, ex.Text)
		case "check":
			fmt.Fprintf(w, "%s\n$ %s\n", ex.Title, ex.Check)
			ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
			defer cancel()
			res := r.check(ctx, ex)
			w.Write(res.Output)
			if res.Err != nil {
				return res.Err
			}
			if !res.Passed {
				fmt.Fprintf(w, "\nnot yet: %s (try: workshop hint %s)\n", ex.Slug, ex.Slug)
				return errFailed
			}
			fmt.Fprintf(w, "\ndone: %s\n", ex.Slug)
		}
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// list prints the exercises by part, with progress unless quick.
func list(ctx context.Context, w io.Writer, r runner, exs []exercise, quick bool, jobs int) error {
	var results []result
	if !quick {
		results = r.checkAll(ctx, exs, jobs)
	}
	part, done := "", 0
	for i, ex := range exs {
		if ex.Part != part {
			part = ex.Part
			fmt.Fprintf(w, "\n%s\n", part)
		}
		status := ""
		if !quick {
			switch res := results[i]; {
			case res.Err != nil:
				status = "error    "
			case res.Passed:
				status = "done     "
				done++
			default:
				status = "not yet  "
			}
		}
		fmt.Fprintf(w, "  %s%s\n", status, ex.Slug)
	}
	if !quick {
		fmt.Fprintf(w, "\n%d of %d exercises done\n", done, len(exs))
	}
	return nil
}
