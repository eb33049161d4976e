package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
)

// events reads frames from GET /api/events, parsing the SSE lines.
type events struct {
	body io.ReadCloser
	sc   *bufio.Scanner
}

func openEvents(t *testing.T, c *http.Client) *events {
	t.Helper()
	resp, err := c.Get("http://dashboard/api/events")
	if err != nil {
		t.Fatalf("GET /api/events: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("GET /api/events: Content-Type %q, want text/event-stream", ct)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &events{body: resp.Body, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next frame; each is "event: frame" then "data: {...}".
func (e *events) next(t *testing.T) frame {
	t.Helper()
	sawEvent := false
	for e.sc.Scan() {
		line := e.sc.Text()
		switch {
		case line == "event: frame":
			sawEvent = true
		case strings.HasPrefix(line, "data: "):
			if !sawEvent {
				t.Fatalf("data line without an event line: %q", line)
			}
			var f frame
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &f); err != nil {
				t.Fatalf("frame %q: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("event stream ended: %v", e.sc.Err())
	return frame{}
}

// until reads frames until cond holds, collecting the narration on the way.
func (e *events) until(t *testing.T, what string, cond func(frame) bool) (frame, []string) {
	t.Helper()
	var lines []string
	for range 2000 { // 100 virtual seconds of frames
		f := e.next(t)
		for _, l := range f.Lines {
			lines = append(lines, l.Text)
		}
		if cond(f) {
			return f, lines
		}
	}
	t.Fatalf("no frame with %s in 100s; narration:\n%s", what, strings.Join(lines, "\n"))
	return frame{}, nil
}

func post(t *testing.T, c *http.Client, path, body string) (int, map[string]any) {
	t.Helper()
	resp, err := c.Post("http://dashboard"+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestAPI_CrashTheLeaderFromTheAPI(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet()
		c := serveTestLab(t, pn, newTestLab(t, pn, 1))
		ev := openEvents(t, c)

		f, _ := ev.until(t, "a leader", func(f frame) bool { return f.Leader >= 0 })
		old := f.Leader
		if code, out := post(t, c, "/api/command", `{"key":"x","value":"1"}`); code != 200 || out["version"] != 1.0 {
			t.Fatalf("POST /api/command x=1: %d %v, want 200 and version 1", code, out)
		}
		if code, out := post(t, c, "/api/nodes/"+itoa(old)+"/crash", ""); code != 200 {
			t.Fatalf("crash node %d: %d %v", old, code, out)
		}
		f, lines := ev.until(t, "a new leader", func(f frame) bool { return f.Leader >= 0 && f.Leader != old })
		if f.Nodes[old].Up || f.Nodes[old].Role != "down" {
			t.Errorf("crashed node %d: up %v role %q, want down", old, f.Nodes[old].Up, f.Nodes[old].Role)
		}
		story := strings.Join(lines, "\n")
		for _, want := range []string{"CRASHED", "CANDIDATE for term", "got a vote", "LEADER of term"} {
			if !strings.Contains(story, want) {
				t.Errorf("narration lacks %q:\n%s", want, story)
			}
		}
		// The new leader's log holds the put, drawn as a box of term 1.
		if log := f.Nodes[f.Leader].Log; len(log) == 0 || log[0] != (mark{Index: 1, Term: 1}) {
			t.Errorf("new leader's log tail %v, want it to start with entry 1 of term 1", log)
		}

		if code, _ := post(t, c, "/api/nodes/"+itoa(old)+"/restart", ""); code != 200 {
			t.Fatalf("restart node %d: %d", old, code)
		}
		// A new leader commits entries of older terms only together with
		// one of its own (§5.4.2), so a second put makes sure the restarted
		// node learns that both are committed, however the crash fell.
		if code, out := post(t, c, "/api/command", `{"key":"x","value":"2"}`); code != 200 || out["version"] != 2.0 {
			t.Fatalf("POST /api/command x=2: %d %v, want 200 and version 2", code, out)
		}
		ev.until(t, "the old leader back as follower", func(f frame) bool {
			n := f.Nodes[old]
			return n.Up && n.Role == "follower" && n.Applied >= 2
		})
	})
}

func TestAPI_PartitionFaultsClockAndFlows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet()
		c := serveTestLab(t, pn, newTestLab(t, pn, 2))
		ev := openEvents(t, c)
		ev.until(t, "a leader", func(f frame) bool { return f.Leader >= 0 })

		// Frames carry the RPCs between nodes as flows.
		ev.until(t, "an AppendEntries flow", func(f frame) bool {
			for _, fl := range f.Flows {
				if fl.RPC == "AppendEntries" && fl.N > 0 {
					return true
				}
			}
			return false
		})
		if code, out := post(t, c, "/api/partition", `{"groups":[[0,1],[2,3,4]]}`); code != 200 {
			t.Fatalf("partition: %d %v", code, out)
		}
		ev.until(t, "the partition and a majority leader", func(f frame) bool {
			return len(f.Groups) == 2 && f.Leader >= 2
		})
		post(t, c, "/api/heal", "")
		post(t, c, "/api/faults", `{"loss":0.2,"delayMs":5}`)
		post(t, c, "/api/clock", `{"slowdown":3}`)
		ev.until(t, "healed, faulty and slow", func(f frame) bool {
			return len(f.Groups) == 1 && f.Loss == 0.2 && f.DelayMs == 5 && f.Slowdown == 3
		})

		resp, err := c.Get("http://dashboard/api/state")
		if err != nil {
			t.Fatal(err)
		}
		var st state
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if len(st.Nodes) != 5 || st.Slowdown != 3 || st.Loss != 0.2 {
			t.Errorf("GET /api/state: %d nodes, slowdown %d, loss %v; want 5, 3, 0.2", len(st.Nodes), st.Slowdown, st.Loss)
		}
	})
}

func TestAPI_Workload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet()
		c := serveTestLab(t, pn, newTestLab(t, pn, 3))
		ev := openEvents(t, c)
		ev.until(t, "a leader", func(f frame) bool { return f.Leader >= 0 })
		if code, out := post(t, c, "/api/workload", `{"clients":4,"seconds":0.5}`); code != http.StatusAccepted {
			t.Fatalf("POST /api/workload: %d %v", code, out)
		}
		if code, _ := post(t, c, "/api/workload", `{"clients":4,"seconds":0.5}`); code != http.StatusConflict {
			t.Errorf("second workload while one runs: %d, want 409", code)
		}
		ev.until(t, "a verdict", func(f frame) bool { return f.Workload != nil && f.Workload.Verdict != "" })
		resp, err := c.Get("http://dashboard/api/workload")
		if err != nil {
			t.Fatal(err)
		}
		var res workloadResult
		json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if res.Verdict != "ok" || res.Ops == 0 || res.Running {
			t.Errorf("GET /api/workload: verdict %q, %d ops, running %v; want ok, some, false", res.Verdict, res.Ops, res.Running)
		}
	})
}

func TestAPI_BadRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet()
		c := serveTestLab(t, pn, newTestLab(t, pn, 4))
		for _, tc := range []struct {
			name, method, path, body string
			want                     int
		}{
			{"no such node", "POST", "/api/nodes/9/crash", "", 404},
			{"node not a number", "POST", "/api/nodes/x/crash", "", 404},
			{"broken JSON", "POST", "/api/partition", `{"groups":`, 400},
			{"unknown field", "POST", "/api/faults", `{"jitter":1}`, 400},
			{"node in two groups", "POST", "/api/partition", `{"groups":[[0,1],[1,2]]}`, 400},
			{"no groups", "POST", "/api/partition", `{"groups":[]}`, 400},
			{"loss above 1", "POST", "/api/faults", `{"loss":2}`, 400},
			{"slowdown 0", "POST", "/api/clock", `{"slowdown":0}`, 400},
			{"no clients", "POST", "/api/workload", `{"clients":0,"seconds":1}`, 400},
			{"empty key", "POST", "/api/command", `{"key":"","value":"1"}`, 400},
			{"no workload yet", "GET", "/api/workload", "", 404},
			{"wrong method", "GET", "/api/heal", "", 405},
			{"the page", "GET", "/", "", 200},
			{"the script", "GET", "/app.js", "", 200},
		} {
			func() { // no t.Run inside a bubble: one test, named cases
				req, _ := http.NewRequestWithContext(context.Background(), tc.method, "http://dashboard"+tc.path, strings.NewReader(tc.body))
				resp, err := c.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.want {
					t.Errorf("%s: %s %s %s: status %d, want %d (%s)", tc.name, tc.method, tc.path, tc.body, resp.StatusCode, tc.want, body)
				}
				if tc.want >= 400 && tc.want != 405 && !strings.Contains(string(body), `"error"`) {
					t.Errorf("%s: %s %s: body %s, want a JSON error", tc.name, tc.method, tc.path, body)
				}
			}()
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }
