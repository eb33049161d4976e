package coord

import (
	"errors"
	"testing"
)

func TestFencedStore_Write(t *testing.T) {
	tests := []struct {
		name    string
		before  []int64 // tokens of earlier writes, all accepted
		token   int64
		wantErr error
	}{
		{"first write", nil, 7, nil},
		{"same holder again", []int64{7}, 7, nil},
		{"newer holder", []int64{7}, 9, nil},
		{"older holder", []int64{7, 9}, 7, ErrStaleToken},
		{"far older holder", []int64{9}, 1, ErrStaleToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := NewFencedStore()
			for _, tok := range tt.before {
				if err := fs.Write(tok, "k", "earlier"); err != nil {
					t.Fatalf("Write(%d) after %v: %v", tok, tt.before, err)
				}
			}
			err := fs.Write(tt.token, "k", "now")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Write(%d) after %v: got %v, want %v", tt.token, tt.before, err, tt.wantErr)
			}
			want := "now"
			if tt.wantErr != nil {
				want = "earlier"
			}
			if got, _ := fs.Read("k"); got != want {
				t.Errorf("Read after Write(%d) following %v: got %q, want %q", tt.token, tt.before, got, want)
			}
		})
	}
}
