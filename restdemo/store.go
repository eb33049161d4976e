// The resource: tasks, kept in memory behind one mutex. Handlers already run
// concurrently, one goroutine per request, so a mutex around a map is the
// simplest correct tool; there is no goroutine to own the data.

package main

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"sync"
	"time"
)

// Task is a task as stored and as sent to clients. Version starts at 1 and
// grows by one with every update; the ETag is made from it.
type Task struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Notes     string    `json:"notes,omitempty"`
	Done      bool      `json:"done"`
	Priority  int       `json:"priority"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// encoded is the JSON of the fields above, made by the store on every
	// write. Reads far outnumber writes, so a GET sends these bytes instead
	// of running encoding/json's reflection each time (a fifth of the CPU
	// profile of BenchmarkGetTask before this change). The slice is never
	// modified, only replaced, so copies of a Task may share it.
	encoded []byte
}

// encode refreshes t.encoded. Called with the store's mutex held.
func (t *Task) encode() {
	b, err := json.Marshal(t)
	if err != nil {
		panic("restdemo: a Task cannot fail to encode: " + err.Error()) // a programming error
	}
	t.encoded = append(b, '\n')
}

// store holds the tasks. Its methods are safe for concurrent use.
//
// IDs come from a counter and are never reused, and ids is kept sorted, so
// "every task with an ID above N" is a stable position in the list: a cursor
// stays valid while other clients create and delete tasks (see pagination.go).
type store struct {
	now func() time.Time

	mu     sync.Mutex
	nextID int64           // the ID the next Create hands out; guarded by mu
	tasks  map[int64]*Task // by ID; guarded by mu
	ids    []int64         // the keys of tasks, ascending; guarded by mu
}

func newStore(now func() time.Time) *store {
	return &store{now: now, nextID: 1, tasks: make(map[int64]*Task)}
}

// create stores a new task made from in and returns it, at version 1.
func (s *store) create(ctx context.Context, in taskInput) (Task, error) {
	// A real database call would take ctx; here it only stops us from doing
	// work for a request whose deadline has already passed.
	if err := ctx.Err(); err != nil {
		return Task{}, err
	}
	now := s.now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &Task{ID: s.nextID, Version: 1, CreatedAt: now}
	in.applyTo(t, now)
	t.encode()
	s.nextID++
	s.tasks[t.ID] = t
	s.ids = append(s.ids, t.ID) // the new ID is the largest: ids stays sorted
	return *t, nil
}

// get returns the task with the given ID.
func (s *store) get(ctx context.Context, id int64) (Task, error) {
	if err := ctx.Err(); err != nil {
		return Task{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return Task{}, errNoTask(id)
	}
	return *t, nil
}

// update replaces the task's fields with in, if match accepts the task's
// current version. Checking the precondition and writing happen under the
// same lock: that is what makes If-Match safe against lost updates.
func (s *store) update(ctx context.Context, id int64, match func(version int64) bool, in taskInput) (Task, error) {
	if err := ctx.Err(); err != nil {
		return Task{}, err
	}
	now := s.now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return Task{}, errNoTask(id)
	}
	if !match(t.Version) {
		return Task{}, errStale(t.Version)
	}
	in.applyTo(t, now)
	t.Version++
	t.encode()
	return *t, nil
}

// delete removes the task, if match accepts its current version.
func (s *store) delete(ctx context.Context, id int64, match func(version int64) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return errNoTask(id)
	}
	if !match(t.Version) {
		return errStale(t.Version)
	}
	delete(s.tasks, id)
	if i, found := slices.BinarySearch(s.ids, id); found {
		s.ids = slices.Delete(s.ids, i, i+1)
	}
	return nil
}

// list returns up to limit tasks with IDs above after, in ID order, and
// whether more follow.
func (s *store) list(ctx context.Context, after int64, limit int) (page []Task, more bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.ids), func(i int) bool { return s.ids[i] > after })
	// Now s.ids[i:] are exactly the IDs above after.
	end := min(i+limit, len(s.ids))
	page = make([]Task, 0, end-i)
	for _, id := range s.ids[i:end] {
		page = append(page, *s.tasks[id])
	}
	return page, end < len(s.ids), nil
}

// count is the number of tasks, for /debug/vars.
func (s *store) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tasks)
}

func errNoTask(id int64) error {
	return errorf(ENOTFOUND, "task "+formatID(id)+" does not exist")
}

func errStale(current int64) error {
	return errorf(EPRECONDITION, "the task has changed: its current ETag is "+etag(current)+"; fetch it again and reapply your change")
}
