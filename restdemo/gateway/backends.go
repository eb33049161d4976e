// The backends: three tiny services a product page needs. Each can be made
// slow or made to fail, so the tour and the tests can show what the gateway
// does about it.

package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// backend is one small service. Its knobs are safe to change while it serves.
type backend struct {
	name  string
	delay atomic.Int64 // time.Duration added before every answer
	fail  atomic.Bool  // answer 500 instead
	calls atomic.Int64 // requests received, for tests
	// answer returns the body for a product ID, or false if the product is
	// unknown to this backend.
	answer func(id int) (any, bool)
}

// ServeHTTP answers GET /<anything>/{id}.
func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.calls.Add(1)
	if d := time.Duration(b.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done(): // the gateway gave up on us; stop working
			return
		}
	}
	if b.fail.Load() {
		http.Error(w, b.name+" is broken", http.StatusInternalServerError)
		return
	}
	id, err := strconv.Atoi(r.PathValue("id"))
	body, ok := b.answer(id)
	if err != nil || !ok {
		http.Error(w, "no such product", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

// The three backends of the demo. The data is made up from the ID so that
// any ID from 1 to 999 exists.
func newCatalog() *backend {
	return &backend{name: "catalog", answer: func(id int) (any, bool) {
		return map[string]any{"name": "Widget " + strconv.Itoa(id), "price_cents": 100 * id}, id >= 1 && id < 1000
	}}
}

func newInventory() *backend {
	return &backend{name: "inventory", answer: func(id int) (any, bool) {
		return map[string]any{"in_stock": id % 7}, id >= 1 && id < 1000
	}}
}

func newReviews() *backend {
	return &backend{name: "reviews", answer: func(id int) (any, bool) {
		return map[string]any{"count": id % 13, "average": 3.5}, id >= 1 && id < 1000
	}}
}

// backendMux routes GET /<path>/{id} to b.
func backendMux(path string, b *backend) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /"+path+"/{id}", b)
	return mux
}
