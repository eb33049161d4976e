package main

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    command
		wantErr error
	}{
		{"plain text", "hello there", command{verb: verbSay, text: "hello there"}, nil},
		{"spaces trimmed", "  hi  ", command{verb: verbSay, text: "hi"}, nil},
		{"CRLF from nc", "hi\r", command{verb: verbSay, text: "hi"}, nil},
		{"empty", "", command{verb: verbNone}, nil},
		{"blank", " \t ", command{verb: verbNone}, nil},
		{"escaped slash", "//etc/passwd is a file", command{verb: verbSay, text: "/etc/passwd is a file"}, nil},
		{"tab inside", "a\tb", command{verb: verbSay, text: "a\tb"}, nil},
		{"unicode", "héllo, 世界 👋", command{verb: verbSay, text: "héllo, 世界 👋"}, nil},
		{"me", "/me waves", command{verb: verbMe, text: "waves"}, nil},
		{"verb case", "/ME waves", command{verb: verbMe, text: "waves"}, nil},
		{"msg", "/msg bob  hi  there ", command{verb: verbMsg, arg: "bob", text: "hi  there"}, nil},
		{"join with #", "/join #Go", command{verb: verbJoin, arg: "#go"}, nil},
		{"join without #", "/join go-lang_2", command{verb: verbJoin, arg: "#go-lang_2"}, nil},
		{"nick", "/nick Alice_1", command{verb: verbNick, arg: "Alice_1"}, nil},
		{"who", "/who", command{verb: verbWho}, nil},
		{"rooms", "/rooms", command{verb: verbRooms}, nil},
		{"help", "/help", command{verb: verbHelp}, nil},
		{"quit", "/quit", command{verb: verbQuit}, nil},
		{"quit with reason", "/quit see you", command{verb: verbQuit, text: "see you"}, nil},

		{"too long", strings.Repeat("a", 513), command{}, ErrLineTooLong},
		{"invalid UTF-8", "caf\xe9", command{}, ErrInvalidUTF8},
		{"escape sequence", "\x1b[31mred", command{}, ErrControlChar},
		{"NUL", "a\x00b", command{}, ErrControlChar},
		{"C1 control", "a\u0085b", command{}, ErrControlChar},
		{"unknown command", "/frobnicate", command{}, ErrUnknownCommand},
		{"bare slash", "/", command{}, ErrUnknownCommand},
		{"me without action", "/me", command{}, ErrUsage},
		{"msg without text", "/msg bob", command{}, ErrUsage},
		{"who with argument", "/who cares", command{}, ErrUsage},
		{"nick empty", "/nick", command{}, ErrBadNick},
		{"nick too long", "/nick " + strings.Repeat("a", 17), command{}, ErrBadNick},
		{"nick starts with digit", "/nick 1abc", command{}, ErrBadNick},
		{"nick with dot", "/nick a.b", command{}, ErrBadNick},
		{"nick with non-ASCII", "/nick zoë", command{}, ErrBadNick},
		{"msg to bad nick", "/msg b@d hi", command{}, ErrBadNick},
		{"room empty", "/join #", command{}, ErrBadRoom},
		{"room with space", "/join a b", command{}, ErrBadRoom},
		{"room too long", "/join " + strings.Repeat("r", 25), command{}, ErrBadRoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLine(tt.line, 512)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("parseLine(%q): got error %v, want %v", tt.line, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("parseLine(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

// FuzzParseLine feeds parseLine arbitrary bytes. Whatever comes in, it must
// not panic, and a line it accepts must come out clean: valid UTF-8, no
// control characters but tabs, names within their rules, and String must
// render a line that parses back to the same command.
func FuzzParseLine(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzParseLine.
	f.Add("hello")
	f.Add("/msg bob hi")
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := parseLine(line, 512)
		if err != nil {
			if cmd != (command{}) {
				t.Errorf("parseLine(%q): error %v came with a command %+v", line, err, cmd)
			}
			return
		}
		for _, s := range []string{cmd.arg, cmd.text} {
			if !utf8.ValidString(s) {
				t.Errorf("parseLine(%q): field %q is not valid UTF-8", line, s)
			}
			if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) >= 0 {
				t.Errorf("parseLine(%q): field %q has a control character", line, s)
			}
		}
		switch cmd.verb {
		case verbNick, verbMsg:
			if checkNick(cmd.arg) != nil {
				t.Errorf("parseLine(%q): accepted bad nickname %q", line, cmd.arg)
			}
		case verbJoin:
			if room, err := normalizeRoom(cmd.arg); err != nil || room != cmd.arg {
				t.Errorf("parseLine(%q): accepted room %q, which normalizes to %q, %v", line, cmd.arg, room, err)
			}
		}
		again, err := parseLine(cmd.String(), 1<<20)
		if err != nil || again != cmd {
			t.Errorf("parseLine(%q) = %+v; its String %q parses to %+v, %v", line, cmd, cmd.String(), again, err)
		}
	})
}
