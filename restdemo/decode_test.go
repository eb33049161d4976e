package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDecodeTask_BadInput lists the ways a body can be wrong and the precise
// answer each gets, through the whole stack.
func TestDecodeTask_BadInput(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantDetail  string   // a substring of the problem's detail
		wantFields  []string // "field: detail", in order
	}{
		{"empty body", "application/json", "", 400, "empty", nil},
		{"malformed", "application/json", `{"title":}`, 400, "malformed JSON at byte 10", nil},
		{"truncated", "application/json", `{"title":"a"`, 400, "ends in the middle", nil},
		{"unknown field", "application/json", `{"title":"a","colour":"red"}`, 400, "does not know", []string{"colour: unknown field"}},
		{"wrong type string for number", "application/json", `{"title":"a","priority":"2"}`, 400, "wrong type", []string{"priority: must be a number, not string"}},
		{"wrong type number for string", "application/json", `{"title":7}`, 400, "wrong type", []string{"title: must be a string, not number"}},
		{"wrong type for bool", "application/json", `{"title":"a","done":"yes"}`, 400, "wrong type", []string{"done: must be true or false, not string"}},
		{"fraction for int", "application/json", `{"title":"a","priority":2.5}`, 400, "wrong type", []string{"priority: must be a number, not number 2.5"}},
		{"not an object", "application/json", `["title"]`, 400, "must be a JSON object, not a JSON array", nil},
		{"trailing value", "application/json", `{"title":"a"} {"title":"b"}`, 400, "single JSON value", nil},
		{"trailing garbage", "application/json", `{"title":"a"}x`, 400, "single JSON value", nil},
		{"missing title", "application/json", `{}`, 422, "not valid", []string{"title: is required"}},
		{"blank title and bad priority", "application/json", `{"title":" ","priority":0}`, 422, "not valid",
			[]string{"title: is required", "priority: must be between 1 and 5"}},
		{"long title", "application/json", `{"title":"` + strings.Repeat("é", 201) + `"}`, 422, "", []string{"title: must be at most 200 characters"}},
		{"long notes", "application/json", `{"title":"a","notes":"` + strings.Repeat("n", 2001) + `"}`, 422, "", []string{"notes: must be at most 2000 characters"}},
		{"no content type", "", `{"title":"a"}`, 415, "missing Content-Type", nil},
		{"form", "application/x-www-form-urlencoded", `title=a`, 415, "not supported", nil},
		{"broken media type", "application/json; =", `{"title":"a"}`, 415, "", nil},
		{"too large by Content-Length", "application/json", `{"title":"` + strings.Repeat("x", 9000) + `"}`, 413, "limit of 8192 bytes", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, Config{MaxBodyBytes: 8192})
			r := send(t, s, "POST", "/tasks", tc.body, "Content-Type: "+tc.contentType)
			if r.status != tc.wantStatus {
				t.Fatalf("POST %q (%s): got status %d, want %d; body %s", abbreviate(tc.body), tc.contentType, r.status, tc.wantStatus, r.body)
			}
			p := problemOf(t, r)
			if !strings.Contains(p.Detail, tc.wantDetail) {
				t.Errorf("POST %q: got detail %q, want it to contain %q", tc.body, p.Detail, tc.wantDetail)
			}
			if got := fieldsOf(p); !slices.Equal(got, tc.wantFields) {
				t.Errorf("POST %q: got field errors %q, want %q", tc.body, got, tc.wantFields)
			}
		})
	}
}

// TestDecodeTask_TooLargeWithoutContentLength streams a body of unknown
// length: the MaxBytesReader, not the Content-Length check, stops it.
func TestDecodeTask_TooLargeWithoutContentLength(t *testing.T) {
	s := newTestServer(t, Config{MaxBodyBytes: 64})
	for _, body := range []string{
		`{"title":"` + strings.Repeat("x", 100) + `"}`,   // too large inside the value
		`{"title":"a"}` + strings.Repeat(" ", 100) + `x`, // too large in the trailing data
	} {
		req, _ := http.NewRequest("POST", "/tasks", struct{ *strings.Reader }{strings.NewReader(body)})
		req.ContentLength = -1 // unknown, as with chunked encoding
		req.Header.Set("Content-Type", "application/json")
		rec := newRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("streamed %d bytes over a 64-byte limit: got %d, want 413; body %s", len(body), rec.Code, rec.Body)
		}
	}
}

// TestSamples decodes the sample bodies in testdata/rest, which the README's
// curl lines send, and checks each gets the answer its name promises.
func TestSamples(t *testing.T) {
	want := map[string]int{"create.json": 201, "replace.json": 201, "invalid.json": 422, "unknown-field.json": 400}
	files, err := filepath.Glob("../testdata/rest/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in ../testdata/rest: %v", err)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := newTestServer(t, Config{})
		r := send(t, s, "POST", "/tasks", string(body))
		if w, ok := want[filepath.Base(f)]; !ok || r.status != w {
			t.Errorf("POST %s: got %d, want %d (is the sample listed in TestSamples?); body %s", f, r.status, w, r.body)
		}
	}
}

// FuzzDecodeTask feeds arbitrary bodies and media types to the decoder. It
// must never panic, every failure must be a 4xx *Error (or the 413 from the
// size cap), and every success must pass validation and survive a round trip.
//
//	go test -fuzz=FuzzDecodeTask -fuzztime=60s ./restdemo
func FuzzDecodeTask(f *testing.F) {
	f.Add("application/json", []byte(`{"title":"a","notes":"b","done":true,"priority":5}`))
	f.Add("application/json; charset=utf-8", []byte(`{"title":"\u00e9"}`))
	f.Add("application/json", []byte(`{"title":"a"} {}`))
	f.Add("text/plain", []byte(`{}`))
	f.Add("application/json", []byte(`{"priority":1e400}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		in, err := decodeTask(contentType, http.MaxBytesReader(nil, newReadCloser(body), 4096))
		if err != nil {
			var e *Error
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
			case errors.As(err, &e):
				if st := errorStatus[e.Code]; st < 400 || st > 499 {
					t.Fatalf("decodeTask(%q, %q): error %v maps to %d, want a 4xx", contentType, body, err, st)
				}
			default:
				t.Fatalf("decodeTask(%q, %q): got %T %v, want *Error", contentType, body, err, err)
			}
			return
		}
		if err := in.validate(); err != nil {
			t.Fatalf("decodeTask(%q, %q) accepted an invalid input: %v", contentType, body, err)
		}
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeTask("application/json", bytes.NewReader(again)); err != nil {
			t.Fatalf("round trip of %q (%s) failed: %v", body, again, err)
		}
	})
}
