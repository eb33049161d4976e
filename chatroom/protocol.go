// The line protocol: what a client may type, and the checks every line passes
// before the hub sees it. Parsing is a pure function, so it is table-tested
// and fuzzed without a network.

package main

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors for input the server refuses. The hub turns each into an
// error line for the client that sent it; nobody else sees it.
var (
	ErrLineTooLong    = errors.New("line too long")
	ErrInvalidUTF8    = errors.New("line is not valid UTF-8")
	ErrControlChar    = errors.New("line contains a control character")
	ErrUnknownCommand = errors.New("unknown command")
	ErrUsage          = errors.New("wrong arguments")
	ErrBadNick        = errors.New("bad nickname")
	ErrBadRoom        = errors.New("bad room name")
)

// Limits on names. Nicknames and room names are ASCII so that two names
// that look alike are alike; comparisons ignore case (see nickKey).
const (
	maxNickLen = 16
	maxRoomLen = 24
)

// verb says what a command asks for.
type verb int

const (
	verbNone  verb = iota // an empty line: nothing to do
	verbSay               // plain text, said to the room
	verbMe                // /me waves
	verbMsg               // /msg bob hello: a private message
	verbJoin              // /join #go
	verbNick              // /nick alice
	verbWho               // /who: who is in my room
	verbRooms             // /rooms: every room and its size
	verbHelp              // /help
	verbQuit              // /quit [reason]
)

// command is one parsed line. Arg is the room, nickname or target; Text is
// what is said. Both are already checked: valid UTF-8, no control
// characters, names within their rules.
type command struct {
	verb verb
	arg  string
	text string
}

// usage lists the commands, for /help and for error messages.
var usage = map[verb]string{
	verbMe:    "/me ACTION",
	verbMsg:   "/msg NICK TEXT",
	verbJoin:  "/join ROOM",
	verbNick:  "/nick NAME",
	verbWho:   "/who",
	verbRooms: "/rooms",
	verbHelp:  "/help",
	verbQuit:  "/quit [REASON]",
}

var verbs = map[string]verb{
	"me": verbMe, "msg": verbMsg, "join": verbJoin, "nick": verbNick,
	"who": verbWho, "rooms": verbRooms, "help": verbHelp, "quit": verbQuit,
}

// parseLine checks one line (without its newline) and says what it asks for.
// It never panics, whatever the bytes: the line comes straight off the network.
//
// A line that starts with "/" is a command; "//" escapes a message that
// itself starts with a slash. Everything else is said to the room.
func parseLine(line string, maxLen int) (command, error) {
	line = strings.TrimSuffix(line, "\r") // nc and telnet may send CRLF
	if len(line) > maxLen {
		return command{}, fmt.Errorf("%w: %d bytes, at most %d", ErrLineTooLong, len(line), maxLen)
	}
	if !utf8.ValidString(line) {
		return command{}, ErrInvalidUTF8
	}
	for i, r := range line {
		// Tabs are harmless; every other control character could rewrite a
		// terminal (escape sequences) or forge a line (a bare \r).
		if unicode.IsControl(r) && r != '\t' {
			return command{}, fmt.Errorf("%w: %U at byte %d", ErrControlChar, r, i)
		}
	}
	line = strings.TrimSpace(line)
	switch {
	case line == "":
		return command{verb: verbNone}, nil
	case strings.HasPrefix(line, "//"):
		return command{verb: verbSay, text: line[1:]}, nil
	case !strings.HasPrefix(line, "/"):
		return command{verb: verbSay, text: line}, nil
	}

	name, rest, _ := strings.Cut(line[1:], " ")
	rest = strings.TrimSpace(rest)
	v, ok := verbs[strings.ToLower(name)]
	if !ok {
		return command{}, fmt.Errorf("%w /%s (try /help)", ErrUnknownCommand, quoteName(name))
	}
	switch v {
	case verbWho, verbRooms, verbHelp:
		if rest != "" {
			return command{}, fmt.Errorf("%w: usage: %s", ErrUsage, usage[v])
		}
		return command{verb: v}, nil
	case verbQuit:
		return command{verb: v, text: rest}, nil
	case verbMe:
		if rest == "" {
			return command{}, fmt.Errorf("%w: usage: %s", ErrUsage, usage[v])
		}
		return command{verb: v, text: rest}, nil
	case verbNick:
		if err := checkNick(rest); err != nil {
			return command{}, err
		}
		return command{verb: v, arg: rest}, nil
	case verbJoin:
		room, err := normalizeRoom(rest)
		if err != nil {
			return command{}, err
		}
		return command{verb: v, arg: room}, nil
	case verbMsg:
		to, text, _ := strings.Cut(rest, " ")
		text = strings.TrimSpace(text)
		if to == "" || text == "" {
			return command{}, fmt.Errorf("%w: usage: %s", ErrUsage, usage[v])
		}
		if err := checkNick(to); err != nil {
			return command{}, err
		}
		return command{verb: v, arg: to, text: text}, nil
	}
	panic(fmt.Sprintf("parseLine: verb %d has no case", v)) // a programmer's mistake
}

// String renders the command as a client would type it; parseLine of the
// result gives the command back (the fuzz test checks this round trip).
func (c command) String() string {
	switch c.verb {
	case verbNone:
		return ""
	case verbSay:
		if strings.HasPrefix(c.text, "/") {
			return "/" + c.text
		}
		return c.text
	case verbMe, verbQuit:
		return strings.TrimSpace("/" + verbName(c.verb) + " " + c.text)
	case verbMsg:
		return "/msg " + c.arg + " " + c.text
	case verbJoin, verbNick:
		return "/" + verbName(c.verb) + " " + c.arg
	default:
		return "/" + verbName(c.verb)
	}
}

// checkNick enforces the nickname rules: 1 to 16 ASCII letters, digits, '-'
// or '_', starting with a letter.
func checkNick(nick string) error {
	if nick == "" || len(nick) > maxNickLen {
		return fmt.Errorf("%w %q: use 1 to %d characters", ErrBadNick, nick, maxNickLen)
	}
	for i := 0; i < len(nick); i++ {
		b := nick[i]
		letter := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
		if i == 0 && !letter {
			return fmt.Errorf("%w %q: start with a letter", ErrBadNick, nick)
		}
		if !letter && !('0' <= b && b <= '9') && b != '-' && b != '_' {
			return fmt.Errorf("%w %q: use letters, digits, '-' and '_'", ErrBadNick, nick)
		}
	}
	return nil
}

// normalizeRoom checks a room name and returns it lower-cased with a leading
// '#', so "/join Go" and "/join #go" land in the same room.
func normalizeRoom(name string) (string, error) {
	name = strings.ToLower(strings.TrimPrefix(name, "#"))
	if name == "" || len(name) > maxRoomLen {
		return "", fmt.Errorf("%w %q: use 1 to %d characters", ErrBadRoom, name, maxRoomLen)
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !('a' <= b && b <= 'z') && !('0' <= b && b <= '9') && b != '-' && b != '_' {
			return "", fmt.Errorf("%w %q: use letters, digits, '-' and '_'", ErrBadRoom, name)
		}
	}
	return "#" + name, nil
}

// nickKey is the key under which a nickname is unique: "Alice" and "alice"
// are the same person.
func nickKey(nick string) string { return strings.ToLower(nick) }

func verbName(v verb) string {
	for name, w := range verbs {
		if w == v {
			return name
		}
	}
	return "?"
}

// quoteName shortens and escapes an unknown command name before echoing it.
func quoteName(name string) string {
	if len(name) > 20 {
		name = name[:20] + "..."
	}
	return strings.ToValidUTF8(name, "?")
}
