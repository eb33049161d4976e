// Reading a request body: check the media type, decode exactly one JSON value
// with no unknown members, then validate the values. Every way a body can be
// wrong ends in a precise *Error, never in a 500: FuzzDecodeTask holds us to it.

package main

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on a task's fields, checked by validate.
const (
	maxTitleRunes   = 200
	maxNotesRunes   = 2000
	minPriority     = 1
	maxPriority     = 5
	defaultPriority = 3
)

// taskInput is what a client sends to create or replace a task. Priority is a
// pointer so that "absent" (take the default) differs from an explicit 0
// (out of range, rejected).
type taskInput struct {
	Title    string `json:"title"`
	Notes    string `json:"notes"`
	Done     bool   `json:"done"`
	Priority *int   `json:"priority"`
}

// applyTo copies the input onto t. Call it only on validated input.
func (in taskInput) applyTo(t *Task, now time.Time) {
	t.Title = strings.TrimSpace(in.Title)
	t.Notes = in.Notes
	t.Done = in.Done
	t.Priority = defaultPriority
	if in.Priority != nil {
		t.Priority = *in.Priority
	}
	t.UpdatedAt = now
}

// decodeTask reads a task from body, sent with the given Content-Type header.
// The body should already be wrapped in http.MaxBytesReader; hitting that
// limit comes back as the *http.MaxBytesError, which writeError turns into 413.
func decodeTask(contentType string, body io.Reader) (taskInput, error) {
	var in taskInput
	if err := checkJSONMediaType(contentType); err != nil {
		return in, err
	}
	if err := decodeJSON(body, &in); err != nil {
		return in, err
	}
	return in, in.validate()
}

// checkJSONMediaType accepts application/json, with or without parameters
// (charset=utf-8 is common and harmless). Anything else is 415.
func checkJSONMediaType(contentType string) error {
	if contentType == "" {
		return errorf(EMEDIATYPE, "missing Content-Type; send application/json")
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return errorf(EMEDIATYPE, "Content-Type "+strconv.Quote(contentType)+" is not supported; send application/json")
	}
	return nil
}

// decodeJSON decodes exactly one JSON value from r into dst, rejecting
// members dst has no field for.
func decodeJSON(r io.Reader, dst any) error {
	dec := json.NewDecoder(r)
	// Without this, a typo ("titel") is silently dropped and the client
	// believes it set a field it did not.
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	// Decode stops after the first value. Anything but whitespace after it
	// ({"title":"a"}{"title":"b"}, or a stray "]") means the client sent
	// something else than it thinks; say so rather than ignore it.
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return errorf(EINVALID, "request body must contain a single JSON value")
	}
	return nil
}

// jsonError turns an error from json.Decoder.Decode into an *Error saying
// what the client got wrong.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err // writeError answers 413
	case errors.Is(err, io.EOF):
		return errorf(EINVALID, "request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(EINVALID, "request body ends in the middle of a JSON value")
	case errors.As(err, &syntax):
		return errorf(EINVALID, "malformed JSON at byte "+strconv.FormatInt(syntax.Offset, 10)+": "+syntax.Error())
	case errors.As(err, &typ):
		if typ.Field == "" { // the body itself is not an object: [], "x", 42
			return errorf(EINVALID, "request body must be a JSON object, not a JSON "+typ.Value)
		}
		return &Error{Code: EINVALID, Message: "a field has the wrong type",
			Fields: []FieldError{{Field: typ.Field, Detail: "must be " + jsonKind(typ.Type.Kind().String()) + ", not " + typ.Value}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for this case; its message is
		// documented and stable: json: unknown field "name".
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if n, uerr := strconv.Unquote(name); uerr == nil {
			name = n
		}
		return &Error{Code: EINVALID, Message: "the body has a field this API does not know",
			Fields: []FieldError{{Field: name, Detail: "unknown field"}}}
	default:
		return errorf(EINVALID, "cannot decode the request body: "+err.Error())
	}
}

// jsonKind names a Go kind the way a JSON user thinks of it.
func jsonKind(kind string) string {
	switch {
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "a number"
	default:
		return "a " + kind
	}
}

// validate checks the values of a decoded input and lists every problem at
// once, so a client fixes its request in one round trip instead of one per
// field.
func (in taskInput) validate() error {
	var fields []FieldError
	title := strings.TrimSpace(in.Title)
	switch {
	case title == "":
		fields = append(fields, FieldError{"title", "is required"})
	case utf8.RuneCountInString(title) > maxTitleRunes:
		fields = append(fields, FieldError{"title", "must be at most " + strconv.Itoa(maxTitleRunes) + " characters"})
	}
	if utf8.RuneCountInString(in.Notes) > maxNotesRunes {
		fields = append(fields, FieldError{"notes", "must be at most " + strconv.Itoa(maxNotesRunes) + " characters"})
	}
	if in.Priority != nil && (*in.Priority < minPriority || *in.Priority > maxPriority) {
		fields = append(fields, FieldError{"priority", "must be between " + strconv.Itoa(minPriority) + " and " + strconv.Itoa(maxPriority)})
	}
	if fields != nil {
		return &Error{Code: EVALIDATION, Message: "the task is not valid", Fields: fields}
	}
	return nil
}
