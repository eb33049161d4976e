package crdt_test

import (
	"fmt"

	"distkit/pkg/crdt"
	"distkit/pkg/vclock"
)

// Three replicas count page views while partitioned, then exchange states in
// any order, as often as they like: every view is counted exactly once.
func ExamplePNCounter() {
	var a, b, c crdt.PNCounter
	a.Inc("a", 3)
	b.Inc("b", 2)
	c.Inc("c", 1)
	c.Dec("c", 1) // a view that turned out to be a bot
	a.Merge(b)
	b.Merge(c)
	c.Merge(a)
	a.Merge(b)
	a.Merge(b) // a repeat is harmless
	b.Merge(c)
	fmt.Println(a.Value(), b.Value(), c.Value())
	// Output: 5 5 5
}

// Two writes that happen at the same HLC timestamp: the writer with the
// larger node ID wins everywhere, and Alice's write is lost without a trace.
// The same happens to a later write from a node whose clock runs behind.
func ExampleLWWRegister() {
	t := vclock.Timestamp{WallTime: 1_000, Logical: 0}
	var onA, onB crdt.LWWRegister[string]
	onA.Set("alice's title", t, "node-a")
	onB.Set("bob's title", t, "node-b")
	onA.Merge(onB)
	onB.Merge(onA)
	fmt.Println(onA.Value, "|", onB.Value)

	// node-c writes after both in real time, but its clock runs 1ns slow.
	won := onA.Set("carol's fix", vclock.Timestamp{WallTime: 999}, "node-c")
	fmt.Println("carol's later write kept:", won)
	// Output:
	// bob's title | bob's title
	// carol's later write kept: false
}

// A remove only removes the adds it has seen: a concurrent add survives.
func ExampleORSet() {
	var phone, laptop crdt.ORSet
	phone.Add("phone", "milk")
	laptop.Merge(phone)
	laptop.Remove("milk")      // bought it
	phone.Add("phone", "milk") // meanwhile: we need more
	phone.Add("phone", "eggs")
	phone.Merge(laptop)
	laptop.Merge(phone)
	fmt.Println(phone.Elements(), laptop.Elements())
	// Output: [eggs milk] [eggs milk]
}
