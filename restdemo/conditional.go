// Optimistic concurrency with HTTP's own tools (RFC 9110 §8.8.3, §13): every
// read carries an ETag made from the task's version; an update must name the
// version it read in If-Match, and a reader can ask "only if changed" with
// If-None-Match.
//
// The rule here: PUT and DELETE REQUIRE If-Match. Without it they get 428
// Precondition Required (RFC 6585), because an unconditional write is exactly
// the lost update this scheme exists to prevent. A client that truly wants
// "whatever the version" says so explicitly with If-Match: *.

package main

import (
	"net/http"
	"strconv"
	"strings"
)

// etag is the strong entity tag for a version: "v7". Strong, because two
// responses with the same version are byte-for-byte the same task.
func etag(version int64) string {
	return `"v` + strconv.FormatInt(version, 10) + `"`
}

// ifMatch reads the If-Match header and returns the precondition to check
// under the store's lock. A missing header is ENEEDMATCH (428).
//
// RFC 9110 §13.1.1: If-Match uses the strong comparison, so a weak tag
// (W/"v7") never matches, and "*" matches any current version.
func ifMatch(r *http.Request) (func(version int64) bool, error) {
	header := r.Header.Get("If-Match")
	if header == "" {
		return nil, errorf(ENEEDMATCH, "this request must carry If-Match with the ETag you last read (or If-Match: * to overwrite whatever is there)")
	}
	tags := strings.Split(header, ",")
	for i := range tags {
		tags[i] = strings.TrimSpace(tags[i])
	}
	return func(version int64) bool {
		want := etag(version)
		for _, t := range tags {
			if t == "*" || t == want {
				return true
			}
		}
		return false
	}, nil
}

// noneMatch reports whether the If-None-Match header names the given ETag,
// so a GET can answer 304 Not Modified. RFC 9110 §13.1.2: If-None-Match uses
// the weak comparison, so W/"v7" matches "v7" too.
func noneMatch(r *http.Request, tag string) bool {
	header := r.Header.Get("If-None-Match")
	if header == "" {
		return false
	}
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}
