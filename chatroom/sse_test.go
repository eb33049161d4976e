package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
)

// streamWriter is a ResponseWriter whose body goes into a pipe, so the test
// reads the event stream while the handler is still writing it.
type streamWriter struct {
	header http.Header
	body   *io.PipeWriter
}

func (w *streamWriter) Header() http.Header         { return w.header }
func (w *streamWriter) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *streamWriter) WriteHeader(int)             {}
func (w *streamWriter) Flush()                      {}

func TestWeb_BrowserAndTCPUsersChat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{})
		defer chat.shutdown()
		web := newWebHandler(chat.hub)
		alice := chat.connect("alice")

		// Open the page's event stream as "webby".
		ctx, closePage := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		handlerDone := make(chan struct{})
		go func() {
			defer close(handlerDone)
			defer pw.Close()
			req := httptest.NewRequestWithContext(ctx, "GET", "/events?nick=webby", nil)
			web.ServeHTTP(&streamWriter{header: http.Header{}, body: pw}, req)
		}()
		events := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					events <- data
				}
			}
			close(events)
		}()
		session := <-events // the first event is the session token
		synctest.Wait()

		post := func(session, line string) int {
			body := strings.NewReader(url.Values{"session": {session}, "line": {line}}.Encode())
			req := httptest.NewRequest("POST", "/send", body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			web.ServeHTTP(rec, req)
			return rec.Code
		}
		if code := post(session, "hi from the web"); code != http.StatusNoContent {
			t.Fatalf("POST /send with a good session: got status %d, want 204", code)
		}
		alice.expect("<webby> hi from the web")
		alice.say("hello, webby")
		synctest.Wait()
		var texts []string
		for len(events) > 0 {
			var m message
			if err := json.Unmarshal([]byte(<-events), &m); err != nil {
				t.Fatalf("event is not JSON: %v", err)
			}
			texts = append(texts, m.From+": "+m.Text)
		}
		if want := "alice: hello, webby"; !strings.Contains(strings.Join(texts, "\n"), want) {
			t.Errorf("web user's events: got %q, want one %q", texts, want)
		}
		if code := post("not-a-session", "hi"); code != http.StatusNotFound {
			t.Errorf("POST /send with an unknown session: got status %d, want 404", code)
		}

		closePage()
		<-handlerDone
		alice.expect("webby left #lobby (closed the page)")
		if code := post(session, "still there?"); code != http.StatusNotFound {
			t.Errorf("POST /send after the page closed: got status %d, want 404", code)
		}
	})
}
