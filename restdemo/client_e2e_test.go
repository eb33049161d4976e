package main

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"distkit/restdemo/client"
)

// TestClient_AgainstService drives the real service with the typed client:
// the two were written separately, so this is where their idea of the wire
// format is checked.
func TestClient_AgainstService(t *testing.T) {
	ts := httptest.NewServer(newTestServer(t, Config{}))
	defer ts.Close()
	ctx := context.Background()
	c := &client.Client{BaseURL: ts.URL}

	key := client.NewIdempotencyKey()
	a, err := c.Create(ctx, client.TaskInput{Title: "one", Priority: 5}, key)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Create(ctx, client.TaskInput{Title: "one", Priority: 5}, key)
	if err != nil || again.ID != a.ID {
		t.Fatalf("second Create with the same key: got task %d, %v; want task %d again", again.ID, err, a.ID)
	}
	for _, title := range []string{"two", "three"} {
		if _, err := c.Create(ctx, client.TaskInput{Title: title}, ""); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.Get(ctx, a.ID)
	if err != nil || got.Title != "one" || got.Priority != 5 || got.ETag != `"v1"` {
		t.Fatalf("Get: got %+v, %v", got, err)
	}
	in := got.Input()
	in.Done = true
	updated, err := c.Replace(ctx, got.ID, got.ETag, in)
	if err != nil || !updated.Done || updated.ETag != `"v2"` {
		t.Fatalf("Replace: got %+v, %v", updated, err)
	}
	if _, err := c.Replace(ctx, got.ID, got.ETag, in); !errors.Is(err, client.ErrStale) {
		t.Errorf("Replace with the old ETag: got %v, want ErrStale", err)
	}
	if _, err := c.Create(ctx, client.TaskInput{}, ""); !errors.Is(err, client.ErrInvalid) {
		t.Errorf("Create without a title: got %v, want ErrInvalid", err)
	}
	var titles []string
	for cursor := ""; ; {
		page, err := c.List(ctx, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range page.Tasks {
			titles = append(titles, task.Title)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(titles) != 3 || titles[0] != "one" || titles[2] != "three" {
		t.Errorf("List in pages of 2: got %q, want [one two three]", titles)
	}
	if err := c.Delete(ctx, a.ID, updated.ETag); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, a.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("Get after Delete: got %v, want ErrNotFound", err)
	}
}
