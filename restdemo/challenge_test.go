//go:build challenge

package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestChallenge_MergePatch checks the exercise "PATCH with JSON Merge Patch":
// PATCH /tasks/{id} with Content-Type application/merge-patch+json (RFC 7396)
// changes only the members it names, a null member resets a field to its
// default, and If-Match is required exactly as for PUT.
//
//	go test -tags challenge -run TestChallenge_MergePatch ./restdemo
func TestChallenge_MergePatch(t *testing.T) {
	s := newTestServer(t, Config{})
	r := send(t, s, "POST", "/tasks", `{"title":"keep me","notes":"some notes","priority":4}`)
	if r.status != 201 {
		t.Fatalf("create: got %d", r.status)
	}
	const mergePatch = "Content-Type: application/merge-patch+json"

	r = send(t, s, "PATCH", "/tasks/1", `{"done":true}`, mergePatch, `If-Match: "v1"`)
	if r.status != 200 {
		t.Fatalf(`PATCH {"done":true} with If-Match "v1": got status %d, want 200; body %s`, r.status, r.body)
	}
	var got Task
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Done || got.Title != "keep me" || got.Notes != "some notes" || got.Priority != 4 || got.Version != 2 || r.header.Get("ETag") != `"v2"` {
		t.Errorf(`PATCH {"done":true}: got %+v with ETag %s, want only done changed, version 2, ETag "v2"`, got, r.header.Get("ETag"))
	}

	r = send(t, s, "PATCH", "/tasks/1", `{"notes":null,"priority":null}`, mergePatch, `If-Match: "v2"`)
	got = Task{}
	json.Unmarshal([]byte(r.body), &got)
	if r.status != 200 || got.Notes != "" || got.Priority != defaultPriority || got.Title != "keep me" {
		t.Errorf(`PATCH {"notes":null,"priority":null}: got %d %+v, want 200 with notes removed, priority %d, title kept`, r.status, got, defaultPriority)
	}

	for _, tc := range []struct {
		name, body string
		hdr        []string
		want       int
	}{
		{"stale If-Match", `{"done":false}`, []string{mergePatch, `If-Match: "v1"`}, 412},
		{"no If-Match", `{"done":false}`, []string{mergePatch}, 428},
		{"patch breaks a rule", `{"title":""}`, []string{mergePatch, `If-Match: *`}, 422},
		{"wrong type", `{"done":"yes"}`, []string{mergePatch, `If-Match: *`}, 400},
		{"unknown member", `{"colour":"red"}`, []string{mergePatch, `If-Match: *`}, 400},
		{"plain JSON is not a merge patch", `{"done":false}`, []string{"Content-Type: application/json", `If-Match: *`}, 415},
		{"missing task", `{"done":false}`, []string{mergePatch, `If-Match: *`}, 404},
	} {
		path := "/tasks/1"
		if tc.name == "missing task" {
			path = "/tasks/99"
		}
		if r := send(t, s, "PATCH", path, tc.body, tc.hdr...); r.status != tc.want {
			t.Errorf("PATCH %s %s (%s): got %d, want %d; body %s", path, tc.body, tc.name, r.status, tc.want, r.body)
		}
	}
	r = send(t, s, "DELETE", "/tasks", "")
	if allow := r.header.Get("Allow"); allow != "GET, HEAD, POST" {
		t.Errorf("Allow on /tasks: got %q, want unchanged", allow)
	}
	r = send(t, s, "POST", "/tasks/1", `{}`)
	if allow := r.header.Get("Allow"); allow != "GET, HEAD, PUT, PATCH, DELETE" {
		t.Errorf("Allow on /tasks/{id}: got %q, want GET, HEAD, PUT, PATCH, DELETE", allow)
	}
}

// downStore is the in-memory store with a ping that fails, as a kv-backed
// store's would while the kvnode cluster has no leader.
type downStore struct{ *store }

func (downStore) ping(ctx context.Context) error { return errors.New("no kv leader") }

// TestChallenge_ReadyzChecksTheStore checks the exercise "Not ready without
// a store": /readyz answers 503 while the store cannot serve, so that
// Kubernetes takes the replica out of the Service instead of letting it
// answer 500s.
//
//	go test -tags challenge -run TestChallenge_ReadyzChecksTheStore ./restdemo
func TestChallenge_ReadyzChecksTheStore(t *testing.T) {
	// Both servers are past start-up (run marks a server ready).
	s := newTestServer(t, Config{Store: downStore{newStore(time.Now)}})
	s.ready.Store(true)
	healthy := newTestServer(t, Config{})
	healthy.ready.Store(true)
	if r := send(t, healthy, "GET", "/readyz", ""); r.status != 200 {
		t.Fatalf("/readyz with the in-memory store: got %d, want 200", r.status)
	}
	if r := send(t, s, "GET", "/readyz", ""); r.status != 503 {
		t.Fatalf("/readyz with a store whose ping fails: got %d, want 503; body %s", r.status, r.body)
	}
}
