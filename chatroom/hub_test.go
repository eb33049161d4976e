package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestHub_ChatRoomsNicknamesAndHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{})
		defer chat.shutdown()
		alice := chat.connect("alice")
		bob := chat.connect("")

		// Nicknames are unique regardless of case.
		bob.say("/nick ALICE")
		bob.expect(`nickname "ALICE" is taken`)
		bob.say("/nick bob")
		bob.expect("you are bob")
		alice.expect("is now known as bob")

		bob.say("hello alice")
		alice.expect("<bob> hello alice")
		bob.expect("<bob> hello alice") // the sender sees its own line, stamped

		// #go keeps a history; whoever joins later gets it replayed.
		alice.say("/join #go")
		alice.say("/me likes channels")
		bob.expect("alice left #lobby for #go")
		bob.say("/join GO") // same room: names are normalized
		if got := bob.take(); !slices.Contains(got, "* alice likes channels") {
			t.Errorf("bob joined #go: got %q, want the history line %q", got, "* alice likes channels")
		}
		alice.expect("bob joined #go (2 here)")

		bob.say("/msg alice psst")
		alice.expect("*bob* psst")
		bob.expect("-> *alice* psst")
		bob.say("/msg nobody hi")
		bob.expect(`no one called "nobody"`)

		alice.say("/who")
		alice.expect("in #go: alice (tcp), bob (tcp)")
		alice.say("/rooms")
		alice.expect("rooms: #go (2)") // #lobby emptied and was forgotten

		bob.say("/quit off to lunch")
		bob.expect("bye")
		if !bob.closed() {
			t.Errorf("bob after /quit: connection still open")
		}
		alice.expect("bob left #go (quit: off to lunch)")
	})
}

func TestHub_BadInputIsToldOnlyToItsSender(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string
	}{
		{"unknown command", "/frobnicate now", "unknown command /frobnicate"},
		{"missing argument", "/msg bob", "usage: /msg NICK TEXT"},
		{"bad nickname", "/nick 9lives", `bad nickname "9lives"`},
		{"over-long line", strings.Repeat("x", 600), "line too long"},
		{"invalid UTF-8", "caf\xe9", "not valid UTF-8"},
		{"escape sequence", "\x1b[2Jgotcha", "control character"},
		{"carriage return inside", "fake\rline", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				chat := startChat(t, config{})
				defer chat.shutdown()
				alice := chat.connect("alice")
				bob := chat.connect("bob")
				alice.take()

				bob.say(tt.line)
				bob.expect(tt.want)
				if got := alice.take(); len(got) != 0 {
					t.Errorf("bob sent %q: alice got %q, want nothing", tt.line, got)
				}
				// The room carries on, and so does bob.
				bob.say("still here")
				alice.expect("<bob> still here")
			})
		})
	}
}

func TestHub_DisconnectMidLineLosesTheLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{})
		defer chat.shutdown()
		alice := chat.connect("alice")
		bob := chat.connect("bob")
		alice.take()

		fmt.Fprint(bob.conn, "half a thou")
		bob.conn.Close()

		got := alice.take()
		if want := "bob left #lobby (disconnected mid-line)"; !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("bob hung up mid-line: alice got %q, want %q", got, want)
		}
		if slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "half a thou") }) {
			t.Errorf("bob hung up mid-line: alice got the partial line: %q", got)
		}
	})
}

func TestHub_SlowConsumerIsDroppedAndTheRoomCarriesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const outbox = 8
		chat := startChat(t, config{Outbox: outbox, Rate: -1, WriteTimeout: 10 * time.Second})
		defer chat.shutdown()
		alice := chat.connect("alice")
		slow := chat.connectSilent("slow") // never reads: its writer blocks on the pipe
		alice.take()

		// The first message blocks slow's writer, the next outbox fill its
		// outbox, and one more overflows it. Alice's own copies must not
		// overflow hers: after each line, let the bubble settle, so her
		// writer and reader have caught up (slow's writer stays blocked).
		for i := range outbox + 2 {
			alice.say(fmt.Sprintf("message %d", i))
			synctest.Wait()
		}
		alice.expect("left #lobby (too slow)")
		if got := alice.take(); len(got) != 0 {
			t.Errorf("after the drop: alice got %q, want nothing more", got)
		}
		if n := len(alice.got); n < outbox+2 {
			t.Errorf("alice got %d lines, want all %d of her own messages", n, outbox+2)
		}
		alice.say("the room still works")
		alice.expect("<alice> the room still works")

		// slow's writer gives up after WriteTimeout and closes the pipe.
		time.Sleep(10 * time.Second)
		slow.startReading()
		if !slow.closed() {
			t.Fatalf("slow client: connection still open after WriteTimeout")
		}
	})
}

func TestHub_DropOldestKeepsTheClientAndSaysWhatWasLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const outbox = 8
		chat := startChat(t, config{Outbox: outbox, DropOldest: true, Rate: -1})
		defer chat.shutdown()
		alice := chat.connect("alice")
		lagging := chat.connectSilent("lagging")
		alice.take()

		for i := range 30 {
			alice.say(fmt.Sprintf("message %d", i))
		}
		lagging.startReading()
		got := lagging.take()
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "messages dropped") }) &&
			!lagging.saw("messages dropped") {
			alice.say("one more") // the notice goes out with the next message
		}
		if !lagging.saw("messages dropped") {
			t.Errorf("lagging client: got %q, want a line saying messages were dropped", lagging.got)
		}
		if !lagging.saw("<alice> message 29") {
			t.Errorf("lagging client: got %q, want the newest message kept", lagging.got)
		}
		if lagging.closed() {
			t.Errorf("lagging client: disconnected, want it kept under DropOldest")
		}
	})
}

func TestHub_RateLimitIsATokenBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{Rate: 1, Burst: 3})
		defer chat.shutdown()
		alice := chat.connect("alice") // /nick took one token
		bob := chat.connect("bob")
		bob.take()

		for i := range 5 {
			alice.say(fmt.Sprintf("spam %d", i))
		}
		got := bob.take()
		if want := []string{"<alice> spam 0", "<alice> spam 1"}; !slices.Equal(got, want) {
			t.Errorf("burst 3, one token spent, 5 lines at once: bob got %q, want %q", got, want)
		}
		alice.expect("slow down")

		time.Sleep(time.Second) // one token back
		alice.say("patient")
		bob.expect("<alice> patient")
	})
}

func TestHub_MaxClientsTurnsTheNextAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{MaxClients: 2})
		defer chat.shutdown()
		chat.connect("alice")
		chat.connect("bob")
		carol := chat.connectSilent("carol")
		carol.startReading()
		carol.expect("server full (2 clients)")
		if !carol.closed() {
			t.Errorf("third client of 2: connection still open")
		}
	})
}

func TestHub_IdleClientIsToldAndDisconnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{IdleTimeout: time.Minute})
		defer chat.shutdown()
		talker := chat.connect("talker")
		idler := chat.connect("idler")

		for range 3 { // talker speaks every 40s; idler says nothing
			time.Sleep(40 * time.Second)
			talker.say("still here")
		}
		idler.expect("error: idle for 1m0s, disconnecting")
		if !idler.closed() {
			t.Errorf("idler after 1m of silence: connection still open")
		}
		if !talker.saw("idler left #lobby (idle for 1m0s)") || talker.closed() {
			t.Errorf("talker: got %q, want idler's leave notice and to stay connected", talker.got)
		}
	})
}

func TestHub_MassJoinAndLeave(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 200
		chat := startChat(t, config{})
		defer chat.shutdown()
		watcher := chat.connect("watcher")
		watcher.say("/join #watch")
		clients := make([]*testClient, n)
		for i := range clients {
			clients[i] = chat.connectSilent(fmt.Sprintf("user%d", i))
			clients[i].startReading()
			// Straight into one of four rooms, so the lobby stays small: with
			// everyone in one room, n joins make n*n/2 notices.
			clients[i].say(fmt.Sprintf("/join #room%d", i%4))
		}
		synctest.Wait()
		for i, c := range clients {
			if i%2 == 0 {
				c.say("/quit")
			} else {
				c.conn.Close() // a hang-up, not a goodbye
			}
		}
		synctest.Wait()
		for _, c := range clients {
			c.drain()
			if !c.eof || !slices.Contains(c.got, "*** welcome to distkit chat; /help lists the commands") {
				t.Fatalf("%s: closed %v, got %q; want a welcome and a closed connection", c.name, c.eof, c.got)
			}
		}
		watcher.take()
		watcher.say("/rooms")
		watcher.expect("rooms: #watch (1)")
		if got := chat.hub.vars.Get("clients").String(); got != "1" {
			t.Errorf("after %d joined and left: clients = %s, want 1", n, got)
		}
	})
}

func TestHub_ShutdownTellsEveryClientAndClosesEveryConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{})
		clients := []*testClient{chat.connect("alice"), chat.connect("bob"), chat.connect("carol")}
		clients[2].say("/join #elsewhere")
		synctest.Wait()

		chat.shutdown()

		for _, c := range clients {
			c.take()
			if last := c.got[len(c.got)-1]; last != "*** server shutting down, goodbye" || !c.eof {
				t.Errorf("%s after shutdown: last line %q, closed %v; want the goodbye and a closed connection", c.name, last, c.eof)
			}
		}
	})
}
