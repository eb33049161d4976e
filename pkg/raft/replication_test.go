package raft

import (
	"testing"
	"testing/synctest"
)

func TestReplication_BasicAgreement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 3)
		defer c.cleanup()
		for i := 1; i <= 3; i++ {
			if n, _ := c.nCommitted(i); n > 0 {
				t.Fatalf("index %d committed before any Start", i)
			}
			if got := c.one(cmd("cmd%d", i), 3, false); got != i {
				t.Fatalf("command %d got index %d, want %d", i, got, i)
			}
		}
	})
}
