//go:build challenge

package raft

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestChallengeZeroTail checks the exercise "Load a preallocated log": a log
// whose last complete record is followed by zero bytes (space a file system
// or a preallocating writer reserved but nobody wrote) must load with its
// records intact and the zeros cut away, while zeros with anything else
// among them stay corrupt.
func TestChallengeZeroTail(t *testing.T) {
	garbage := make([]byte, 4096)
	garbage[3000] = 1
	cases := []struct {
		name    string
		tail    []byte
		wantErr bool
	}{
		{"a page of zeros", make([]byte, 4096), false},
		{"a dozen zeros", make([]byte, 12), false},
		{"zeros with one stray byte", garbage, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeStorage(t, dir, func(s *FileStorage) error { return s.Append(ents(1, 3, 1)) })
			f, err := os.OpenFile(filepath.Join(dir, fileLog), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(tc.tail); err != nil {
				t.Fatal(err)
			}
			f.Close()

			s := openFileStorage(t, dir)
			saved, err := s.Load()
			if tc.wantErr {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Load with %d tail bytes, one not zero: got error %v, want ErrCorrupt", len(tc.tail), err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load with %d zero bytes after the last record: %v", len(tc.tail), err)
			}
			if got, want := logString(saved), "[1/1 2/1 3/1]"; got != want {
				t.Fatalf("Load with %d zero bytes after the last record: got log %s, want %s", len(tc.tail), got, want)
			}
			// The zeros must be gone, or the next record lands behind them.
			if err := s.Append(ents(4, 4, 1)); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if got, want := logString(mustLoad(t, openFileStorage(t, dir))), "[1/1 2/1 3/1 4/1]"; got != want {
				t.Errorf("after appending past the zeros: got log %s, want %s", got, want)
			}
		})
	}
}
