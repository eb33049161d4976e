package linearizability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtures are the shared histories at the top of the module; the verdict
// each must get is the start of its file name.
const fixtures = "../../testdata/histories/*.txt"

func TestCheck_Fixtures(t *testing.T) {
	files, err := filepath.Glob(fixtures)
	if err != nil || len(files) < 8 {
		t.Fatalf("glob %s: %d files, %v; want at least 8", fixtures, len(files), err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".txt"), func(t *testing.T) {
			want := Ok
			switch {
			case strings.HasPrefix(name, "bad-"):
				want = Illegal
			case !strings.HasPrefix(name, "ok-"):
				t.Fatalf("%s: name must start with ok- or bad-", name)
			}
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			modelName, ops, err := ParseHistory(f)
			if err != nil {
				t.Fatalf("ParseHistory(%s): %v", name, err)
			}
			res := Check(ModelByName(modelName), ops, time.Second)
			if res.Verdict != want {
				t.Errorf("Check(%s): got %v, want %v\n%s", name, res.Verdict, want, res.Report())
			}
			// The exhaustive search agrees, so the fixtures test the
			// checker rather than restate it.
			if got := bruteForce(ModelByName(modelName), ops); got != (want == Ok) {
				t.Errorf("brute force on %s: linearizable %v, want %v", name, got, want == Ok)
			}
		})
	}
}
