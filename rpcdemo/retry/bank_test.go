package main

import (
	"errors"
	"log/slog"
	"testing"
)

func TestDedupTable(t *testing.T) {
	type req struct {
		client string
		seq    uint64
	}
	tests := []struct {
		name string
		reqs []req
		want []bool // firstTime for each request
	}{
		{"new requests in order", []req{{"a", 1}, {"a", 2}, {"a", 3}}, []bool{true, true, true}},
		{"a retry is a duplicate", []req{{"a", 1}, {"a", 1}}, []bool{true, false}},
		{"a late copy of an older request is a duplicate", []req{{"a", 1}, {"a", 2}, {"a", 1}}, []bool{true, true, false}},
		{"clients are independent", []req{{"a", 1}, {"b", 1}, {"b", 1}, {"a", 2}}, []bool{true, true, false, true}},
		{"a gap is fine: seq only has to grow", []req{{"a", 1}, {"a", 5}, {"a", 4}}, []bool{true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDedupTable()
			for i, r := range tc.reqs {
				if got := d.firstTime(r.client, r.seq); got != tc.want[i] {
					t.Errorf("after %v: firstTime(%q, %d) = %v, want %v", tc.reqs[:i], r.client, r.seq, got, tc.want[i])
				}
			}
			clients := map[string]bool{}
			for _, r := range tc.reqs {
				clients[r.client] = true
			}
			if len(d.lastSeq) != len(clients) {
				t.Errorf("table holds %d entries for %d clients, want one per client", len(d.lastSeq), len(clients))
			}
		})
	}
}

func TestBank_DepositAppliesOnceWithDedup(t *testing.T) {
	for _, dedup := range []bool{false, true} {
		b := newBank("test", dedup, nil, slog.New(slog.DiscardHandler))
		args := DepositArgs{ClientID: "a", Seq: 1, Account: "x", Amount: 10}
		var r1, r2 DepositReply
		if err := b.Deposit(&args, &r1); err != nil {
			t.Fatal(err)
		}
		if err := b.Deposit(&args, &r2); err != nil { // the retry
			t.Fatal(err)
		}
		want := int64(20)
		if dedup {
			want = 10
		}
		if r2.Balance != want || r2.Duplicate != dedup {
			t.Errorf("dedup %v, same request twice: got balance %d, duplicate %v; want %d, %v", dedup, r2.Balance, r2.Duplicate, want, dedup)
		}
	}
}

func TestBank_RejectsBadDeposits(t *testing.T) {
	long := string(make([]byte, maxAccount+1))
	tests := []struct {
		name string
		args DepositArgs
	}{
		{"no account", DepositArgs{ClientID: "a", Seq: 1, Amount: 1}},
		{"no client ID", DepositArgs{Seq: 1, Account: "x", Amount: 1}},
		{"seq zero", DepositArgs{ClientID: "a", Account: "x", Amount: 1}},
		{"negative amount", DepositArgs{ClientID: "a", Seq: 1, Account: "x", Amount: -5}},
		{"account too long", DepositArgs{ClientID: "a", Seq: 1, Account: long, Amount: 1}},
	}
	b := newBank("test", true, nil, slog.New(slog.DiscardHandler))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var reply DepositReply
			if err := b.Deposit(&tc.args, &reply); !errors.Is(err, errBadDeposit) {
				t.Errorf("Deposit(%+v): got %v, want %v", tc.args, err, errBadDeposit)
			}
		})
	}
	var bal BalanceReply
	_ = b.Balance(&BalanceArgs{Account: "x"}, &bal)
	if bal.Balance != 0 {
		t.Errorf("after only bad deposits: got balance %d, want 0", bal.Balance)
	}
}

func TestFaults_SeededAndMixed(t *testing.T) {
	const seed, n = 1, 1000
	a, b := newFaults(seed), newFaults(seed)
	counts := map[fault]int{}
	for i := range n {
		fa, fb := a.next(), b.next()
		if fa != fb {
			t.Fatalf("seed %d, call %d: two fault sources disagree (%d vs %d)", seed, i, fa, fb)
		}
		counts[fa]++
	}
	if counts[faultBusy] == 0 || counts[faultLostReply] == 0 || counts[faultNone] < n/2 {
		t.Errorf("seed %d, %d calls: got %v, want some of each fault and mostly none", seed, n, counts)
	}
	var none *faults
	if none.next() != faultNone {
		t.Error("nil faults injected a fault, want none")
	}
}
