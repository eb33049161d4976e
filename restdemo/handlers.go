// The routes and the handlers behind them. Each handler returns an error
// instead of writing one, so the status code of every failure is decided in
// one place, writeError in problem.go.

package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// route is one method-and-path pattern of the Go 1.22 ServeMux.
type route struct {
	method, path string
	handler      http.Handler
}

// routes builds the service's ServeMux.
//
// The mux already answers a known path with an unknown method by 405 and an
// Allow header, but in text/plain. To keep every error a problem+json, each
// path also gets a method-less pattern: the mux prefers the more specific
// "GET /tasks/{id}" when the method matches and falls back to "/tasks/{id}"
// otherwise, where we write the 405 ourselves from the same route table.
func (s *server) routes() *http.ServeMux {
	table := []route{
		{"GET", "/tasks", s.api(s.listTasks)},
		{"POST", "/tasks", s.idempotent(s.api(s.createTask))},
		{"GET", "/tasks/{id}", s.api(s.getTask)},
		{"PUT", "/tasks/{id}", s.api(s.replaceTask)},
		{"DELETE", "/tasks/{id}", s.api(s.deleteTask)},
		{"GET", "/healthz", http.HandlerFunc(s.healthz)},
		{"GET", "/readyz", http.HandlerFunc(s.readyz)},
		{"GET", "/debug/vars", http.HandlerFunc(s.debugVars)},
		{"GET", "/metrics", http.HandlerFunc(s.prom.serve)},
	}
	mux := http.NewServeMux()
	allowed := make(map[string][]string) // path -> methods, in table order
	var paths []string
	for _, rt := range table {
		mux.Handle(rt.method+" "+rt.path, rt.handler)
		if allowed[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
		if rt.method == "GET" { // a GET pattern serves HEAD too
			allowed[rt.path] = append(allowed[rt.path], "HEAD")
		}
	}
	for _, p := range paths {
		mux.Handle(p, s.methodNotAllowed(allowed[p]))
	}
	mux.Handle("/", s.api(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(ENOTFOUND, "no such endpoint: "+r.URL.Path)
	}))
	return mux
}

// api adapts a handler that returns an error to http.Handler.
func (s *server) api(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			writeError(w, r, s.log, err)
		}
	})
}

func (s *server) methodNotAllowed(methods []string) http.Handler {
	allow := strings.Join(methods, ", ")
	return s.api(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		return errorf(EMETHOD, r.Method+" is not allowed here; use "+allow)
	})
}

// taskList is the body of GET /tasks. NextCursor repeats the Link header's
// cursor for clients that would rather not parse headers.
type taskList struct {
	Tasks      []Task `json:"tasks"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// listTasks serves GET /tasks?limit=N&cursor=C.
func (s *server) listTasks(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := pageQuery(r.URL.Query())
	if err != nil {
		return err
	}
	page, more, err := s.store.list(r.Context(), after, limit)
	if err != nil {
		return err
	}
	body := taskList{Tasks: page}
	if more {
		body.NextCursor = encodeCursor(page[len(page)-1].ID)
		setNextLink(w, r, body.NextCursor, limit)
	}
	return writeJSON(w, http.StatusOK, body)
}

// createTask serves POST /tasks: 201 with Location and ETag.
func (s *server) createTask(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeTask(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		return err
	}
	t, err := s.store.create(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/tasks/"+formatID(t.ID))
	w.Header().Set("ETag", etag(t.Version))
	return writeJSON(w, http.StatusCreated, t)
}

// getTask serves GET /tasks/{id}, answering 304 when the client's copy
// (If-None-Match) is current.
func (s *server) getTask(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return err
	}
	t, err := s.store.get(r.Context(), id)
	if err != nil {
		return err
	}
	tag := etag(t.Version)
	w.Header().Set("ETag", tag)
	if noneMatch(r, tag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(t.encoded) // made by the store when the task was written
	return nil
}

// replaceTask serves PUT /tasks/{id}; If-Match is required.
func (s *server) replaceTask(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	in, err := decodeTask(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		return err
	}
	t, err := s.store.update(r.Context(), id, match, in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(t.Version))
	return writeJSON(w, http.StatusOK, t)
}

// deleteTask serves DELETE /tasks/{id}; If-Match is required.
func (s *server) deleteTask(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := s.store.delete(r.Context(), id, match); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseID reads a task ID from the path: a positive decimal integer.
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, &Error{Code: EINVALID, Message: "bad task ID in the path",
			Fields: []FieldError{{"id", "must be a positive whole number, not " + strconv.Quote(s)}}}
	}
	return id, nil
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

// writeJSON sends v as the response body. Marshalling first means an encoding
// failure (a bug) can still become a clean 500 instead of half a body.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // a write error means the client left
	return nil
}
