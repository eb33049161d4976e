//go:build challenge

package main

import (
	"testing"
	"testing/synctest"
)

// TestChallenge_Topic checks the exercise "Room topics" (CHALLENGES.md):
// /topic TEXT sets the topic of your room, the members hear about it, and
// whoever joins the room later is shown the topic on arrival.
func TestChallenge_Topic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{})
		defer chat.shutdown()
		alice := chat.connect("alice")
		bob := chat.connect("bob")

		alice.say("/join #go")
		alice.say("/topic generics, iterators and synctest")
		if alice.saw("unknown command") {
			t.Fatalf("alice: /topic TEXT: got %q, want it accepted", alice.got)
		}
		bob.say("/join #go")
		if !bob.saw("generics, iterators and synctest") {
			t.Errorf("bob joined #go after alice set its topic: got %q, want a line showing the topic", bob.got)
		}
		if !alice.saw("generics, iterators and synctest") {
			t.Errorf("alice set the topic of #go: got %q, want a line confirming it", alice.got)
		}
	})
}

// TestChallenge_Ignore checks the exercise "Ignore a nickname": after
// /ignore NICK, nothing NICK says (in the room or privately) reaches you,
// while everyone else still hears NICK.
func TestChallenge_Ignore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := startChat(t, config{})
		defer chat.shutdown()
		spammer := chat.connect("spammer")
		bob := chat.connect("bob")
		carol := chat.connect("carol")

		bob.say("/ignore spammer")
		if bob.saw("unknown command") {
			t.Fatalf("bob: /ignore spammer: got %q, want it accepted", bob.got)
		}
		spammer.say("buy my stuff")
		spammer.say("/msg bob buy it privately")
		carol.expect("<spammer> buy my stuff")
		if bob.saw("buy my stuff") || bob.saw("buy it privately") {
			t.Errorf("bob ignores spammer: got %q, want none of spammer's lines", bob.got)
		}
		carol.say("carol is still heard")
		bob.expect("<carol> carol is still heard")
	})
}
