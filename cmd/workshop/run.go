// Running checks: each exercise's own "go test" command, from the module
// root, with the go command the user has (or the one a test injects).

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// runner runs check commands. goCmd replaces the leading "go" of each.
type runner struct {
	goCmd string
	root  string // the module root, where go.mod is
}

// result is one check's outcome.
type result struct {
	Passed bool
	Output []byte
	Err    error // the check could not run at all (not a failing test)
}

// findRoot walks up from dir to the directory holding go.mod.
func findRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or any parent: run workshop inside the distkit checkout", dir)
		}
	}
}

// check runs one exercise's check command.
func (r runner) check(ctx context.Context, ex exercise) result {
	args := strings.Fields(ex.Check)
	if len(args) < 2 || args[0] != "go" || args[1] != "test" {
		return result{Err: fmt.Errorf("%s: no go test command to run (check the exercise text)", ex.Slug)}
	}
	cmd := exec.CommandContext(ctx, r.goCmd, args[1:]...)
	cmd.Dir = r.root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return result{Passed: true, Output: out.Bytes()}
	case errors.As(err, &exit):
		return result{Output: out.Bytes()} // the tests ran and failed (or did not build)
	default:
		return result{Output: out.Bytes(), Err: fmt.Errorf("run %s: %w", r.goCmd, err)}
	}
}

// checkAll runs every check, at most limit at a time, and returns the
// results in the order of exs.
func (r runner) checkAll(ctx context.Context, exs []exercise, limit int) []result {
	results := make([]result, len(exs))
	sem := make(chan struct{}, max(1, limit))
	var wg sync.WaitGroup
	for i, ex := range exs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = r.check(ctx, ex)
		}()
	}
	wg.Wait()
	return results
}
