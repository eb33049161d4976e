package fanout

import (
	"context"
	"testing"
	"time"
)

// The benchmarks measure what a fan-out adds on top of the calls themselves:
// three calls that answer at once, so goroutines, channels and the context
// are all that is left to time.

func trivial(context.Context) (int, error) { return 1, nil }

var three = []Call[int]{trivial, trivial, trivial}

func BenchmarkAll(b *testing.B) {
	for b.Loop() {
		if _, err := All(context.Background(), three...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFirst(b *testing.B) {
	for b.Loop() {
		if _, err := First(context.Background(), three...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuorum2of3(b *testing.B) {
	for b.Loop() {
		if _, err := Quorum(context.Background(), 2, three...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHedged answers on the first call, so no backup is sent: this is
// the price of the timer on the common path.
func BenchmarkHedged(b *testing.B) {
	for b.Loop() {
		if _, err := Hedged(context.Background(), time.Millisecond, three...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDirect is the baseline: the three calls one after another,
// with no goroutines.
func BenchmarkDirect(b *testing.B) {
	for b.Loop() {
		for _, call := range three {
			if _, err := call(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
}
