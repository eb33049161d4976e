// Cursor pagination. Offsets (?page=3) shift when someone inserts or deletes
// ahead of the reader, who then sees a task twice or never. A cursor names a
// position instead, "after task 42", and because IDs only grow and the list
// is ordered by ID, that position means the same thing however the set
// changes. The cursor is opaque (base64) so clients pass it back instead of
// building one: the server stays free to change what is inside.

package main

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Page sizes: a client may ask for 1 to maxLimit tasks; without a limit it
// gets defaultLimit.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// cursorPrefix versions the cursor's contents.
const cursorPrefix = "after:"

// encodeCursor makes the opaque cursor that resumes after task id.
func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

// decodeCursor reverses encodeCursor. An empty cursor means "from the start".
func decodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(raw), cursorPrefix) {
		id, err := strconv.ParseInt(strings.TrimPrefix(string(raw), cursorPrefix), 10, 64)
		if err == nil && id >= 0 {
			return id, nil
		}
	}
	return 0, &Error{Code: EINVALID, Message: "bad query parameter",
		Fields: []FieldError{{"cursor", "is not a cursor this server issued; start again without one"}}}
}

// pageQuery reads ?limit= and ?cursor=, reporting both problems at once.
func pageQuery(q url.Values) (after int64, limit int, err error) {
	var fields []FieldError
	limit = defaultLimit
	if s := q.Get("limit"); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 1 || n > maxLimit {
			fields = append(fields, FieldError{"limit", "must be a whole number from 1 to " + strconv.Itoa(maxLimit)})
		}
		limit = n
	}
	after, cerr := decodeCursor(q.Get("cursor"))
	if e, ok := cerr.(*Error); ok {
		fields = append(fields, e.Fields...)
	}
	if fields != nil {
		return 0, 0, &Error{Code: EINVALID, Message: "bad query parameter", Fields: fields}
	}
	return after, limit, nil
}

// setNextLink adds the RFC 8288 Link header for the next page, keeping the
// client's limit so every page has the size it asked for.
func setNextLink(w http.ResponseWriter, r *http.Request, next string, limit int) {
	q := url.Values{"cursor": {next}}
	if limit != defaultLimit {
		q.Set("limit", strconv.Itoa(limit))
	}
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	w.Header().Set("Link", "<"+u.String()+`>; rel="next"`)
}
