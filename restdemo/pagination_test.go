package main

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// listAll follows rel="next" links from path and returns every ID seen, in
// order, and the number of pages. between runs after each page.
func listAll(t *testing.T, s *server, path string, between func(page int)) (ids []int64, pages int) {
	t.Helper()
	for path != "" {
		r := send(t, s, "GET", path, "")
		if r.status != 200 {
			t.Fatalf("GET %s: got %d, want 200; body %s", path, r.status, r.body)
		}
		var body taskList
		if err := json.Unmarshal([]byte(r.body), &body); err != nil {
			t.Fatal(err)
		}
		for _, task := range body.Tasks {
			ids = append(ids, task.ID)
		}
		pages++
		link := r.header.Get("Link")
		path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		if (link == "") != (body.NextCursor == "") {
			t.Fatalf("GET %s: Link %q and next_cursor %q disagree", path, link, body.NextCursor)
		}
		if between != nil {
			between(pages)
		}
	}
	return ids, pages
}

func TestPagination_WalksEverythingOnce(t *testing.T) {
	tests := []struct {
		name      string
		tasks     int
		path      string
		wantPages int
	}{
		{"empty", 0, "/tasks", 1},
		{"one page", 3, "/tasks", 1},
		{"exact pages", 6, "/tasks?limit=2", 3},
		{"last page short", 7, "/tasks?limit=3", 3},
		{"default limit", 45, "/tasks", 3},
		{"max limit", 150, "/tasks?limit=100", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, Config{})
			var want []int64
			for i := range tc.tasks {
				want = append(want, mustCreate(t, s, "t").ID)
				_ = i
			}
			got, pages := listAll(t, s, tc.path, nil)
			if !slices.Equal(got, want) || pages != tc.wantPages {
				t.Errorf("%d tasks via %s: got IDs %v in %d pages, want %v in %d", tc.tasks, tc.path, got, pages, want, tc.wantPages)
			}
		})
	}
}

// TestPagination_StableUnderChanges deletes and inserts between pages: a
// reader never sees a task twice, and sees every task that existed through
// the whole walk.
func TestPagination_StableUnderChanges(t *testing.T) {
	s := newTestServer(t, Config{})
	for range 10 {
		mustCreate(t, s, "t")
	}
	got, _ := listAll(t, s, "/tasks?limit=3", func(page int) {
		if page == 1 {
			// Delete a task already seen and one not yet seen, add one.
			send(t, s, "DELETE", "/tasks/2", "", "If-Match: *")
			send(t, s, "DELETE", "/tasks/5", "", "If-Match: *")
			mustCreate(t, s, "late")
		}
	})
	want := []int64{1, 2, 3, 4, 6, 7, 8, 9, 10, 11}
	if !slices.Equal(got, want) {
		t.Errorf("walk with changes after page 1: got %v, want %v", got, want)
	}
}

func TestPagination_BadQuery(t *testing.T) {
	tests := []struct {
		query      string
		wantFields []string
	}{
		{"limit=0", []string{"limit: must be a whole number from 1 to 100"}},
		{"limit=101", []string{"limit: must be a whole number from 1 to 100"}},
		{"limit=ten", []string{"limit: must be a whole number from 1 to 100"}},
		{"cursor=" + url.QueryEscape("not base64!"), []string{"cursor: is not a cursor this server issued; start again without one"}},
		{"cursor=" + encodeCursor(3)[:4], []string{"cursor: is not a cursor this server issued; start again without one"}},
		{"limit=-1&cursor=eA", []string{"limit: must be a whole number from 1 to 100", "cursor: is not a cursor this server issued; start again without one"}},
	}
	for _, tc := range tests {
		s := newTestServer(t, Config{})
		r := send(t, s, "GET", "/tasks?"+tc.query, "")
		if r.status != 400 {
			t.Errorf("GET /tasks?%s: got %d, want 400", tc.query, r.status)
			continue
		}
		if got := fieldsOf(problemOf(t, r)); !slices.Equal(got, tc.wantFields) {
			t.Errorf("GET /tasks?%s: got field errors %q, want %q", tc.query, got, tc.wantFields)
		}
	}
}

func TestCursor_RoundTrip(t *testing.T) {
	for _, id := range []int64{0, 1, 42, 1 << 62} {
		got, err := decodeCursor(encodeCursor(id))
		if err != nil || got != id {
			t.Errorf("decodeCursor(encodeCursor(%d)) = %d, %v; want %d, nil", id, got, err, id)
		}
	}
}
