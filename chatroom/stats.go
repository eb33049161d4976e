// Counters and memory figures on GET /debug/vars, for the load generator
// and for the curious. The expvar.Map belongs to this hub (never
// published), so two servers in one process do not collide.

package main

import (
	"bufio"
	"bytes"
	"expvar"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// serveVars writes the hub's counters and the process's memory as JSON:
//
//	clients           connected clients (the hub's own count)
//	delivered         messages put in an outbox
//	dropped           messages dropped from full outboxes (drop-oldest policy)
//	kicked_slow       clients dropped because their outbox was full
//	goroutines        runtime.NumGoroutine
//	heap_inuse_bytes  runtime.MemStats.HeapInuse
//	stacks_bytes      runtime.MemStats.StackInuse
//	rss_bytes         VmRSS from /proc/self/status (0 where there is none)
//
// With ?gc=1 it first runs runtime.GC and debug.FreeOSMemory, which hands
// freed pages back to the OS. That is how the load generator measures memory
// per client honestly: RSS after a collection, so garbage left over from
// connecting does not count, and pages the heap no longer uses do not
// either. Without gc=1 the figures are whatever the process holds now.
func (h *hub) serveVars(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("gc") == "1" {
		runtime.GC()
		debug.FreeOSMemory()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\n")
	h.vars.Do(func(kv expvar.KeyValue) {
		fmt.Fprintf(w, "%q: %s,\n", kv.Key, kv.Value)
	})
	fmt.Fprintf(w, "\"goroutines\": %d,\n", runtime.NumGoroutine())
	fmt.Fprintf(w, "\"heap_inuse_bytes\": %d,\n", ms.HeapInuse)
	fmt.Fprintf(w, "\"stacks_bytes\": %d,\n", ms.StackInuse)
	fmt.Fprintf(w, "\"rss_bytes\": %d\n}\n", readRSS())
}

// readRSS returns the resident set size of this process in bytes, from
// Linux's /proc/self/status, or 0 elsewhere.
func readRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:"))
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
