package main

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// BenchmarkDashboard_64Clients measures what the page receives while 64
// clerks run a workload over real TCP: frames and raft events per second
// delivered over /api/events, and the workload's operations per second.
//
//	go test -run '^$' -bench Dashboard -benchtime 1x ./cmd/raftlab
func BenchmarkDashboard_64Clients(b *testing.B) {
	for range b.N {
		l, err := newLab(labConfig{nodes: 5, seed: 1, net: tcp, logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(l.routes())
		resp, err := http.Get(srv.URL + "/api/events")
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		next := func() frame {
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					var f frame
					if err := json.Unmarshal([]byte(data), &f); err != nil {
						b.Fatal(err)
					}
					return f
				}
			}
			b.Fatalf("stream ended: %v", sc.Err())
			return frame{}
		}
		for f := next(); f.Leader < 0; f = next() {
		}
		if _, err := l.startWorkload(64, 5*time.Second, false); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		frames, events, bytes := 0, 0, 0
		var f frame
		for f = next(); f.Workload == nil || f.Workload.Running; f = next() {
			frames++
			events += f.Events
			data, _ := json.Marshal(f)
			bytes += len(data)
		}
		elapsed := time.Since(start).Seconds()
		b.ReportMetric(float64(frames)/elapsed, "frames/s")
		b.ReportMetric(float64(events)/elapsed, "events/s")
		b.ReportMetric(float64(bytes)/elapsed/1024, "KiB/s")
		b.ReportMetric(f.Workload.OpsPerSec, "ops/s")
		b.Logf("verdict %s after %d operations", f.Workload.Verdict, f.Workload.Ops)
		resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		l.hub.stop()
		srv.Close()
		l.close()
	}
}
