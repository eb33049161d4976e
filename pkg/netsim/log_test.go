package netsim

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
)

func TestSetLogger_TellsTheStory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		n := newNetwork(t, 1)
		n.SetLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
			Level: slog.LevelDebug,
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 {
					return slog.Attr{} // keep lines stable
				}
				return a
			},
		})))
		cluster(t, n, "a", "b")
		n.SetDropRate(1, 0)
		put(n.Client("a", "b"), "k", "v")
		n.Crash("b")
		put(n.Client("a", "b"), "k", "v")

		want := []string{
			`level=INFO msg="add server" node=a`,
			`level=INFO msg="add server" node=b`,
			`level=DEBUG msg="request lost" method=KV.Put from=a to=b`,
			`level=INFO msg=crash node=b`,
			`level=DEBUG msg="call refused" method=KV.Put from=a to=b`,
		}
		got := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
