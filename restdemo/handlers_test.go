package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestHandlers walks every endpoint through its answers, one named case per
// behaviour. Each case starts from a server holding task 1 at version 1.
func TestHandlers(t *testing.T) {
	const task = `{"title":"buy milk","priority":4}`
	tests := []struct {
		name           string
		method, path   string
		body           string
		hdr            []string
		wantStatus     int
		wantHeader     map[string]string // exact values; "" means absent
		wantBodyHas    string
		wantProblemFor string // the problem type's code, for error answers
	}{
		{name: "create", method: "POST", path: "/tasks", body: task, wantStatus: 201,
			wantHeader: map[string]string{"Location": "/tasks/2", "ETag": `"v1"`, "Content-Type": "application/json"}, wantBodyHas: `"priority":4`},
		{name: "create takes the default priority", method: "POST", path: "/tasks", body: `{"title":"x"}`, wantStatus: 201, wantBodyHas: `"priority":3`},
		{name: "get", method: "GET", path: "/tasks/1", wantStatus: 200,
			wantHeader: map[string]string{"ETag": `"v1"`}, wantBodyHas: `"title":"first"`},
		{name: "get with current If-None-Match is 304", method: "GET", path: "/tasks/1", hdr: []string{`If-None-Match: "v1"`}, wantStatus: 304,
			wantHeader: map[string]string{"ETag": `"v1"`}},
		{name: "get with weak If-None-Match is 304", method: "GET", path: "/tasks/1", hdr: []string{`If-None-Match: "v0", W/"v1"`}, wantStatus: 304},
		{name: "get with old If-None-Match is 200", method: "GET", path: "/tasks/1", hdr: []string{`If-None-Match: "v0"`}, wantStatus: 200},
		{name: "get missing", method: "GET", path: "/tasks/99", wantStatus: 404, wantProblemFor: ENOTFOUND},
		{name: "get bad id", method: "GET", path: "/tasks/x1", wantStatus: 400, wantProblemFor: EINVALID},
		{name: "get zero id", method: "GET", path: "/tasks/0", wantStatus: 400, wantProblemFor: EINVALID},
		{name: "replace", method: "PUT", path: "/tasks/1", body: task, hdr: []string{`If-Match: "v1"`}, wantStatus: 200,
			wantHeader: map[string]string{"ETag": `"v2"`}, wantBodyHas: `"version":2`},
		{name: "replace with star", method: "PUT", path: "/tasks/1", body: task, hdr: []string{`If-Match: *`}, wantStatus: 200},
		{name: "replace with a list", method: "PUT", path: "/tasks/1", body: task, hdr: []string{`If-Match: "v7", "v1"`}, wantStatus: 200},
		{name: "replace without If-Match is 428", method: "PUT", path: "/tasks/1", body: task, wantStatus: 428, wantProblemFor: ENEEDMATCH},
		{name: "replace stale is 412", method: "PUT", path: "/tasks/1", body: task, hdr: []string{`If-Match: "v0"`}, wantStatus: 412,
			wantProblemFor: EPRECONDITION, wantHeader: map[string]string{"ETag": ""}},
		{name: "replace weak tag never matches", method: "PUT", path: "/tasks/1", body: task, hdr: []string{`If-Match: W/"v1"`}, wantStatus: 412},
		{name: "replace missing", method: "PUT", path: "/tasks/9", body: task, hdr: []string{`If-Match: *`}, wantStatus: 404},
		{name: "replace invalid", method: "PUT", path: "/tasks/1", body: `{"title":""}`, hdr: []string{`If-Match: "v1"`}, wantStatus: 422, wantProblemFor: EVALIDATION},
		{name: "delete", method: "DELETE", path: "/tasks/1", hdr: []string{`If-Match: "v1"`}, wantStatus: 204},
		{name: "delete without If-Match", method: "DELETE", path: "/tasks/1", wantStatus: 428},
		{name: "delete stale", method: "DELETE", path: "/tasks/1", hdr: []string{`If-Match: "v2"`}, wantStatus: 412},
		{name: "list", method: "GET", path: "/tasks", wantStatus: 200, wantBodyHas: `"tasks":[{"id":1`,
			wantHeader: map[string]string{"Link": ""}},
		{name: "wrong method on item", method: "PATCH", path: "/tasks/1", wantStatus: 405, wantProblemFor: EMETHOD,
			wantHeader: map[string]string{"Allow": "GET, HEAD, PUT, DELETE"}},
		{name: "wrong method on collection", method: "DELETE", path: "/tasks", wantStatus: 405,
			wantHeader: map[string]string{"Allow": "GET, HEAD, POST"}},
		{name: "unknown path", method: "GET", path: "/nope", wantStatus: 404, wantProblemFor: ENOTFOUND},
		{name: "healthz", method: "GET", path: "/healthz", wantStatus: 200, wantBodyHas: `"ok"`},
		{name: "readyz before serving", method: "GET", path: "/readyz", wantStatus: 503, wantProblemFor: EUNAVAILABLE},
		{name: "debug vars", method: "GET", path: "/debug/vars", wantStatus: 200, wantBodyHas: `"tasks": 1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, Config{})
			mustCreate(t, s, "first")
			r := send(t, s, tc.method, tc.path, tc.body, tc.hdr...)
			if r.status != tc.wantStatus {
				t.Fatalf("%s %s %v: got status %d, want %d; body %s", tc.method, tc.path, tc.hdr, r.status, tc.wantStatus, r.body)
			}
			for name, want := range tc.wantHeader {
				if got := r.header.Get(name); got != want {
					t.Errorf("%s %s: got %s %q, want %q", tc.method, tc.path, name, got, want)
				}
			}
			if !strings.Contains(r.body, tc.wantBodyHas) {
				t.Errorf("%s %s: body %s does not contain %s", tc.method, tc.path, r.body, tc.wantBodyHas)
			}
			if tc.wantProblemFor != "" {
				if p := problemOf(t, r); p.Type != problemTypeBase+tc.wantProblemFor {
					t.Errorf("%s %s: got problem type %q, want code %q", tc.method, tc.path, p.Type, tc.wantProblemFor)
				}
			}
			if r.status == 304 && r.body != "" {
				t.Errorf("304 with body %q, want none", r.body)
			}
		})
	}
}

// TestHandlers_ReadAfterWrite checks that a replace and a delete are seen by
// the next read.
func TestHandlers_ReadAfterWrite(t *testing.T) {
	s := newTestServer(t, Config{})
	mustCreate(t, s, "first")
	send(t, s, "PUT", "/tasks/1", `{"title":"renamed","done":true}`, `If-Match: "v1"`)
	r := send(t, s, "GET", "/tasks/1", "")
	var got Task
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "renamed" || !got.Done || got.Version != 2 || r.header.Get("ETag") != `"v2"` {
		t.Errorf("after PUT: got %+v with ETag %s, want renamed, done, version 2, ETag \"v2\"", got, r.header.Get("ETag"))
	}
	send(t, s, "DELETE", "/tasks/1", "", `If-Match: "v2"`)
	if r := send(t, s, "GET", "/tasks/1", ""); r.status != 404 {
		t.Errorf("GET after DELETE: got %d, want 404", r.status)
	}
}

// TestHandlers_HEAD checks over a real connection that HEAD gets GET's
// headers and no body.
func TestHandlers_HEAD(t *testing.T) {
	s := newTestServer(t, Config{})
	mustCreate(t, s, "first")
	ts := httptest.NewServer(s)
	defer ts.Close()
	resp, err := http.Head(ts.URL + "/tasks/1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"v1"` || len(body) != 0 {
		t.Errorf("HEAD /tasks/1: got %d, ETag %q, %d body bytes; want 200, \"v1\", 0", resp.StatusCode, resp.Header.Get("ETag"), len(body))
	}
}

// TestHandlers_NothingIs500 sends every method to every path with a
// nonsense body, and checks that no combination produces a 5xx.
func TestHandlers_NothingIs500(t *testing.T) {
	s := newTestServer(t, Config{})
	mustCreate(t, s, "first")
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"}
	paths := []string{"/", "/tasks", "/tasks/", "/tasks/1", "/tasks/-1", "/tasks/99999999999999999999", "/tasks/1/x", "/healthz", "/debug/vars", "/tasks?limit=-1", "/tasks?cursor=%00"}
	bodies := []string{"", "{", "null", `{"title":1}`, `[]`}
	for _, m := range methods {
		for _, p := range paths {
			for _, b := range bodies {
				r := send(t, s, m, p, b, `If-Match: *`)
				if r.status >= 500 {
					t.Errorf("%s %s %q: got %d, want no 5xx; body %s", m, p, b, r.status, r.body)
				}
				if r.status >= 400 && !slices.Contains([]string{"application/problem+json"}, r.header.Get("Content-Type")) {
					t.Errorf("%s %s %q: got %d with Content-Type %q, want a problem", m, p, b, r.status, r.header.Get("Content-Type"))
				}
			}
		}
	}
}
