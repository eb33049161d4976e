package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
)

var update = flag.Bool("update", false, "rewrite testdata/tour.golden with the tour's current output")

// TestTour plays the -demo tour over net.Pipe in a synctest bubble and
// compares it with testdata/tour.golden.
func TestTour(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		if err := tour(&out, newPipeNet().network()); err != nil {
			t.Fatalf("tour: %v\noutput so far:\n%s", err, out.String())
		}
		golden := filepath.Join("testdata", "tour.golden")
		if *update {
			os.MkdirAll("testdata", 0o755)
			if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("tour output differs from %s (run with -update to accept):\n%s", golden, out.String())
		}
	})
}
