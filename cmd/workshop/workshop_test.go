package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for the go command: run with
// WORKSHOP_FAKE_GO=1 it prints its arguments and fails when they name
// TestChallenge_Fail, so the runner is tested without compiling anything.
func TestMain(m *testing.M) {
	if os.Getenv("WORKSHOP_FAKE_GO") == "1" {
		fmt.Println("fake go", strings.Join(os.Args[1:], " "))
		if strings.Contains(strings.Join(os.Args, " "), "TestChallenge_Fail") {
			fmt.Println("--- FAIL: TestChallenge_Fail")
			os.Exit(1)
		}
		fmt.Println("ok")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func readFixture(t *testing.T) []exercise {
	t.Helper()
	f, err := os.Open("testdata/challenges.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exs, err := parseExercises(f)
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

func TestParse_Fixture(t *testing.T) {
	exs := readFixture(t)
	want := []exercise{
		{Part: "Part one: pkg/alpha", Title: "Count the calls", Slug: "count-the-calls", Hint: "Use a mutex\nand a map.",
			Check: "go test -race -tags challenge -run TestChallengeCallCounts ./pkg/alpha", Test: "TestChallengeCallCounts"},
		{Part: "Part one: pkg/alpha", Title: "Don't wait forever", Slug: "dont-wait-forever", Hint: "look at the deadline.",
			Check: "go test -tags challenge -run TestChallenge_Deadline ./pkg/alpha/", Test: "TestChallenge_Deadline"},
		{Part: "Part two: cmd/beta", Title: "beta watch", Slug: "beta-watch",
			Check: "go test -tags challenge -run TestChallengeWatch ./cmd/beta", Test: "TestChallengeWatch"},
		{Part: "Part two: cmd/beta", Title: "Failing one", Slug: "failing-one",
			Check: "go test -tags challenge -run TestChallenge_Fail ./cmd/beta", Test: "TestChallenge_Fail"},
	}
	if len(exs) != len(want) {
		t.Fatalf("got %d exercises, want %d: %+v", len(exs), len(want), exs)
	}
	for i, w := range want {
		got := exs[i]
		got.Text = ""
		if got != w {
			t.Errorf("exercise %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if !strings.HasPrefix(exs[0].Text, "### Count the calls") || !strings.Contains(exs[0].Text, "./pkg/alpha") {
		t.Errorf("exercise 0 text %q, want the whole section", exs[0].Text)
	}
}

// TestParse_RealBook reads the real CHALLENGES.md: it grows, so the test
// asserts shape, not contents.
func TestParse_RealBook(t *testing.T) {
	f, err := os.Open("../../CHALLENGES.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exs, err := parseExercises(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) < 10 {
		t.Fatalf("got %d exercises from CHALLENGES.md, want at least 10", len(exs))
	}
	slugs := map[string]bool{}
	for _, ex := range exs {
		if ex.Part == "" || ex.Slug == "" {
			t.Errorf("exercise %q: part %q, slug %q; want both", ex.Title, ex.Part, ex.Slug)
		}
		if !strings.HasPrefix(ex.Check, "go test ") || !strings.Contains(ex.Check, "-tags challenge") || ex.Test == "" {
			t.Errorf("exercise %q: check %q (test %q), want a go test -tags challenge -run command", ex.Title, ex.Check, ex.Test)
		}
		if slugs[ex.Slug] {
			t.Errorf("two exercises have the slug %q", ex.Slug)
		}
		slugs[ex.Slug] = true
	}
}

func TestFind(t *testing.T) {
	exs := readFixture(t)
	for _, tc := range []struct{ name, want, err string }{
		{name: "count-the-calls", want: "count-the-calls"},
		{name: "COUNT", want: "count-the-calls"},
		{name: "TestChallenge_Deadline", want: "dont-wait-forever"},
		{name: "watch", want: "beta-watch"},
		{name: "testchallengew", want: "beta-watch"},
		{name: "TestChallenge", err: "matches 4 exercises"},
		{name: "nothing", err: "no exercise matches"},
		{name: "", err: "which exercise"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, err := find(exs, tc.name)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("find(%q): error %v, want %q", tc.name, err, tc.err)
				}
				return
			}
			if err != nil || ex.Slug != tc.want {
				t.Errorf("find(%q) = %q, %v; want %q", tc.name, ex.Slug, err, tc.want)
			}
		})
	}
}

// fakeRunner runs checks with this test binary as the go command, in a
// module root holding the fixture as CHALLENGES.md.
func fakeRunner(t *testing.T) runner {
	t.Helper()
	t.Setenv("WORKSHOP_FAKE_GO", "1")
	root := t.TempDir()
	book, err := os.ReadFile("testdata/challenges.md")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "go.mod"), []byte("module fake\n"), 0o644)
	os.WriteFile(filepath.Join(root, "CHALLENGES.md"), book, 0o644)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return runner{goCmd: exe, root: root}
}

func TestRun_Commands(t *testing.T) {
	r := fakeRunner(t)
	for _, tc := range []struct {
		name    string
		args    []string
		want    []string
		wantErr error
	}{
		{"list runs every check", []string{"list", "-j", "3"}, []string{
			"Part one: pkg/alpha", "done     count-the-calls", "not yet  failing-one", "3 of 4 exercises done"}, nil},
		{"quick list", []string{"list", "-quick"}, []string{"  beta-watch"}, nil},
		{"check passes", []string{"check", "watch"}, []string{
			"$ go test -tags challenge -run TestChallengeWatch ./cmd/beta",
			"fake go test -tags challenge -run TestChallengeWatch ./cmd/beta", "done: beta-watch"}, nil},
		{"check fails", []string{"check", "failing"}, []string{"--- FAIL: TestChallenge_Fail", "not yet: failing-one"}, errFailed},
		{"hint", []string{"hint", "count"}, []string{"Count the calls\n\nUse a mutex\nand a map."}, nil},
		{"show", []string{"show", "dont"}, []string{"### Don't wait forever", "TestChallenge_Deadline"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), &out, r, tc.args)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("workshop %v: error %v, want %v\n%s", tc.args, err, tc.wantErr, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("workshop %v: output lacks %q:\n%s", tc.args, w, out.String())
				}
			}
		})
	}
}

func TestRun_Errors(t *testing.T) {
	r := fakeRunner(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"check"}, "usage"},
		{[]string{"hint", "watch"}, "beta-watch has no hint"},
		{[]string{"check", "zzz"}, "no exercise matches"},
	} {
		err := run(context.Background(), &strings.Builder{}, r, tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("workshop %v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, err := findRoot(t.TempDir()); err == nil {
		t.Errorf("findRoot in a directory without go.mod above: no error")
	}
}
