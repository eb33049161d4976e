// What the server sends: one message, rendered once for each transport, so a
// broadcast to a thousand members formats nothing a thousand times.

package main

import (
	"encoding/json"
	"fmt"
	"time"
)

// kind says what a message is; the web page styles each kind differently.
type kind string

const (
	kindChat    kind = "chat"    // <alice> hello
	kindMe      kind = "me"      // * alice waves
	kindPrivate kind = "private" // *alice* psst (to bob), -> *bob* psst (to alice)
	kindNotice  kind = "notice"  // *** bob joined #lobby
	kindError   kind = "error"   // *** error: unknown command /foo
	kindNick    kind = "nick"    // *** you are alice (To carries the nickname, for the page)
)

// message is immutable once built: the hub hands the same pointer to every
// member's outbox, and each writer goroutine reads it concurrently.
type message struct {
	Time time.Time `json:"time"`
	Kind kind      `json:"kind"`
	From string    `json:"from,omitempty"`
	To   string    `json:"to,omitempty"`
	Room string    `json:"room,omitempty"`
	Text string    `json:"text"`

	tcp []byte // the line for nc: "15:04:05 <alice> hello\n"
	sse []byte // the Server-Sent Event: "data: {...}\n\n"
}

// newMessage stamps and renders a message. from is the sender's nickname
// (empty for the server's notices), to is the recipient of a private
// message as the sender sees it.
func newMessage(at time.Time, k kind, room, from, to, text string) *message {
	m := &message{Time: at.UTC(), Kind: k, From: from, To: to, Room: room, Text: text}
	var line string
	switch {
	case k == kindChat:
		line = fmt.Sprintf("<%s> %s", from, text)
	case k == kindMe:
		line = fmt.Sprintf("* %s %s", from, text)
	case k == kindPrivate && to != "":
		line = fmt.Sprintf("-> *%s* %s", to, text)
	case k == kindPrivate:
		line = fmt.Sprintf("*%s* %s", from, text)
	case k == kindError:
		line = "*** error: " + text
	default:
		line = "*** " + text
	}
	m.tcp = []byte(m.Time.Format(time.TimeOnly) + " " + line + "\n")

	// Marshal cannot fail on this struct of strings and a time; the fields
	// are valid UTF-8 (parseLine checked them), so the JSON is one line and
	// needs no escaping for the SSE framing.
	body, _ := json.Marshal(m)
	m.sse = make([]byte, 0, len(body)+8)
	m.sse = append(m.sse, "data: "...)
	m.sse = append(m.sse, body...)
	m.sse = append(m.sse, "\n\n"...)
	return m
}
