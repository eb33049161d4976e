package envflag

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestName(t *testing.T) {
	for _, tc := range []struct{ flag, want string }{
		{"id", "KVNODE_ID"},
		{"request-timeout", "KVNODE_REQUEST_TIMEOUT"},
		{"v", "KVNODE_V"},
	} {
		if got := Name("KVNODE", tc.flag); got != tc.want {
			t.Errorf("Name(KVNODE, %q): got %q, want %q", tc.flag, got, tc.want)
		}
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantN   int
		wantD   time.Duration
		wantErr []string // substrings, all required
	}{
		{"defaults", nil, nil, 1, time.Second, nil},
		{"from the environment", nil, map[string]string{"T_COUNT": "3", "T_WAIT_FOR": "2s"}, 3, 2 * time.Second, nil},
		{"the command line wins", []string{"-count", "5"}, map[string]string{"T_COUNT": "3"}, 5, time.Second, nil},
		{"unrelated variables are ignored", nil, map[string]string{"COUNT": "3", "T_OTHER": "x"}, 1, time.Second, nil},
		{"bad number", nil, map[string]string{"T_COUNT": "three"}, 0, 0,
			[]string{`T_COUNT="three" is not a valid -count`}},
		{"every bad variable is reported", nil, map[string]string{"T_COUNT": "three", "T_WAIT_FOR": "soon"}, 0, 0,
			[]string{"T_COUNT", `T_WAIT_FOR="soon" is not a valid -wait-for`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			n := fs.Int("count", 1, "")
			d := fs.Duration("wait-for", time.Second, "")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			err := Apply(fs, "T", lookup)
			if tc.wantErr != nil {
				for _, want := range tc.wantErr {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("args %q, env %v: got error %v, want one containing %q", tc.args, tc.env, err, want)
					}
				}
				return
			}
			if err != nil || *n != tc.wantN || *d != tc.wantD {
				t.Errorf("args %q, env %v: got -count %d -wait-for %v (err %v), want %d %v", tc.args, tc.env, *n, *d, err, tc.wantN, tc.wantD)
			}
		})
	}
}
