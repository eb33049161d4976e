// The client's types and its calls, one method per endpoint.

package client

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"distkit/pkg/retry"
)

// Client calls the task service at BaseURL. Set its fields before the first
// call and leave them alone afterwards; the methods are then safe for
// concurrent use.
type Client struct {
	// BaseURL is the service's root, for example "http://127.0.0.1:8080".
	BaseURL string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// Retry says how often and how patiently to retry; the zero Policy is
	// retry's defaults (4 attempts, exponential backoff with full jitter).
	Retry retry.Policy
}

// Task is a task as the service returns it. ETag comes from the response
// header, not the body; pass it back to Replace and Delete.
type Task struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Notes     string    `json:"notes,omitempty"`
	Done      bool      `json:"done"`
	Priority  int       `json:"priority"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ETag      string    `json:"-"`
}

// TaskInput is what Create and Replace send. A zero Priority lets the
// service choose its default.
type TaskInput struct {
	Title    string `json:"title"`
	Notes    string `json:"notes,omitempty"`
	Done     bool   `json:"done"`
	Priority int    `json:"priority,omitempty"`
}

// Input returns the writable fields of t, to modify and send back.
func (t Task) Input() TaskInput {
	return TaskInput{Title: t.Title, Notes: t.Notes, Done: t.Done, Priority: t.Priority}
}

// Page is one page of a listing. NextCursor is empty on the last page.
type Page struct {
	Tasks      []Task `json:"tasks"`
	NextCursor string `json:"next_cursor"`
}

// NewIdempotencyKey returns a fresh random key (at least 128 bits, base32).
// Make one per logical operation, not per attempt.
func NewIdempotencyKey() string {
	return rand.Text()
}

// Create makes a task. With a non-empty key the request carries
// Idempotency-Key and is retried like any idempotent request, the same key
// every time, so at most one task is created however many attempts it takes.
// With key == "" it is retried only if it surely never reached the service.
func (c *Client) Create(ctx context.Context, in TaskInput, key string) (Task, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return Task{}, fmt.Errorf("create task: %w", err)
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	if key != "" {
		hdr.Set("Idempotency-Key", key)
	}
	var t Task
	h, err := c.do(ctx, http.MethodPost, "/tasks", hdr, body, key != "", &t)
	if err != nil {
		return Task{}, fmt.Errorf("create task: %w", err)
	}
	t.ETag = h.Get("ETag")
	return t, nil
}

// Get fetches one task.
func (c *Client) Get(ctx context.Context, id int64) (Task, error) {
	var t Task
	h, err := c.do(ctx, http.MethodGet, "/tasks/"+strconv.FormatInt(id, 10), nil, nil, true, &t)
	if err != nil {
		return Task{}, fmt.Errorf("get task %d: %w", id, err)
	}
	t.ETag = h.Get("ETag")
	return t, nil
}

// Replace overwrites task id with in, if the task still has the given ETag;
// otherwise the error matches ErrStale. Note for retries: if an attempt
// succeeded but its answer was lost, the next attempt finds a newer version
// and also fails with ErrStale. Fetch the task to see whether your change is
// already there.
func (c *Client) Replace(ctx context.Context, id int64, etag string, in TaskInput) (Task, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return Task{}, fmt.Errorf("replace task %d: %w", id, err)
	}
	hdr := http.Header{"Content-Type": {"application/json"}, "If-Match": {etag}}
	var t Task
	h, err := c.do(ctx, http.MethodPut, "/tasks/"+strconv.FormatInt(id, 10), hdr, body, true, &t)
	if err != nil {
		return Task{}, fmt.Errorf("replace task %d: %w", id, err)
	}
	t.ETag = h.Get("ETag")
	return t, nil
}

// Delete removes task id if it still has the given ETag.
func (c *Client) Delete(ctx context.Context, id int64, etag string) error {
	hdr := http.Header{"If-Match": {etag}}
	if _, err := c.do(ctx, http.MethodDelete, "/tasks/"+strconv.FormatInt(id, 10), hdr, nil, true, nil); err != nil {
		return fmt.Errorf("delete task %d: %w", id, err)
	}
	return nil
}

// List returns one page of tasks, starting after cursor ("" for the first
// page). A limit of 0 takes the service's default page size.
func (c *Client) List(ctx context.Context, cursor string, limit int) (Page, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/tasks"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var p Page
	if _, err := c.do(ctx, http.MethodGet, path, nil, nil, true, &p); err != nil {
		return Page{}, fmt.Errorf("list tasks: %w", err)
	}
	return p, nil
}
