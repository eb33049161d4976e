package pipenet

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

func TestPipenet_ListenDialAccept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := New()
		l, err := pn.Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Addr().String(); got != "pipe:1" {
			t.Errorf("first :0 address = %q, want pipe:1", got)
		}
		go func() {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello"))
			c.Close()
		}()
		c, err := pn.Dial(l.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(c)
		if string(got) != "hello" {
			t.Errorf("read %q, want hello", got)
		}
		l.Close()
		if _, err := pn.Dial("pipe:1", time.Second); !errors.Is(err, ErrRefused) {
			t.Errorf("dial after Close: %v, want ErrRefused", err)
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
		}
		// The address is free again, as for a restarted server.
		if _, err := pn.Listen("pipe:1"); err != nil {
			t.Errorf("listen again on pipe:1: %v", err)
		}
		if _, err := pn.Listen("pipe:1"); err == nil {
			t.Error("two listeners on one address")
		}
	})
}

func TestPipenet_DialTimesOutOnABusyListener(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := New()
		l, _ := pn.Listen("a:0")
		defer l.Close()
		start := time.Now()
		_, err := pn.Dial(l.Addr().String(), 50*time.Millisecond) // nobody accepts
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 50*time.Millisecond {
			t.Errorf("dial with nobody accepting: %v after %v, want a deadline error after 50ms", err, time.Since(start))
		}
	})
}

func TestPipenet_HTTPInABubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := New()
		l, _ := pn.Listen("web:0")
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(time.Second) // virtual: costs nothing
			io.WriteString(w, "ok")
		})}
		go srv.Serve(l)
		client := &http.Client{Transport: &http.Transport{DialContext: pn.DialContext}}
		start := time.Now()
		resp, err := client.Get("http://" + l.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "ok" || time.Since(start) != time.Second {
			t.Errorf("got %q after %v, want ok after exactly 1s of virtual time", body, time.Since(start))
		}
		srv.Shutdown(context.Background())
		client.CloseIdleConnections()
	})
}
