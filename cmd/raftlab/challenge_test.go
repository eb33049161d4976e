//go:build challenge

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Exercise "Show the leader's nextIndex and matchIndex": GET /api/state
// gives the leader's view of each follower, keyed by follower ID.
func TestChallenge_MatchIndexOnTheDashboard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newTestLab(t, newPipeNet(), 1)
		steps, err := parseScript(strings.NewReader("wait-leader\nput x 1\nput y 2\nput z 3\nwait-converged\n"))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := runScript(ctx, l, steps); err != nil {
			t.Fatal(err)
		}

		rec := httptest.NewRecorder()
		l.routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/state", nil))
		var st struct {
			Leader int
			Nodes  []map[string]any
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
			t.Fatalf("GET /api/state: %v\n%s", err, rec.Body)
		}
		leader := st.Nodes[st.Leader]
		last := int(leader["lastIndex"].(float64))
		for _, field := range []struct {
			name string
			want int
		}{{"matchIndex", last}, {"nextIndex", last + 1}} {
			m, ok := leader[field.name].(map[string]any)
			if !ok {
				t.Errorf("leader %d in /api/state: %q is %v, want an object keyed by follower ID", st.Leader, field.name, leader[field.name])
				continue
			}
			for id := range 5 {
				if id == st.Leader {
					continue
				}
				got, _ := m[strconv.Itoa(id)].(float64)
				if int(got) != field.want {
					t.Errorf("leader %d: %s[%d] = %v, want %d (every follower has the whole log)", st.Leader, field.name, id, m[strconv.Itoa(id)], field.want)
				}
			}
		}
	})
}

// Exercise "transfer-leader in scripts": `transfer-leader N` hands
// leadership to node N and returns once N leads with a majority.
func TestChallenge_TransferLeaderScript(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newTestLab(t, newPipeNet(), 1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		play := func(script string) error {
			t.Helper()
			steps, err := parseScript(strings.NewReader(script))
			if err != nil {
				return err
			}
			return runScript(ctx, l, steps)
		}
		if err := play("wait-leader\nput x 1\n"); err != nil {
			t.Fatal(err)
		}
		old := l.state().Leader
		target := (old + 2) % 5
		if err := play(fmt.Sprintf("transfer-leader %d\n", target)); err != nil {
			t.Fatalf("transfer-leader %d (leader was %d): %v", target, old, err)
		}
		if st := l.state(); st.Leader != target {
			t.Fatalf("after transfer-leader %d: leader %d, want %d", target, st.Leader, target)
		}
		// The new leader serves writes, and the old one follows it.
		if err := play("put x 2\nwait-converged\nexpect value x 2\n"); err != nil {
			t.Fatal(err)
		}
		if err := play("transfer-leader 9\n"); err == nil || !strings.Contains(err.Error(), "node 9: no such node") {
			t.Errorf("transfer-leader 9: error %v, want one saying there is no node 9", err)
		}
	})
}
