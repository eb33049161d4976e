package vclock_test

import (
	"fmt"
	"time"

	"distkit/pkg/vclock"
)

// Two replicas accept writes without talking: their clocks are concurrent,
// which is exactly the conflict a Lamport clock would have hidden.
func ExampleCompare() {
	a, b := vclock.New(), vclock.New()
	a.Tick("a")
	shared := a.Copy() // a's write reaches b
	b.Merge(shared)
	b.Tick("b") // b overwrites it: a later version
	a.Tick("a") // meanwhile a writes again

	fmt.Println(shared, "vs", b, "=", vclock.Compare(shared, b))
	fmt.Println(a, "vs", b, "=", vclock.Compare(a, b))
	a.Merge(b) // resolve: keep both histories
	fmt.Println("merged", a, "descends from b:", a.Descends(b))
	// Output:
	// {a:1} vs {a:1 b:1} = before
	// {a:2} vs {a:1 b:1} = concurrent
	// merged {a:2 b:1} descends from b: true
}

func ExampleVC_MarshalBinary() {
	v := vclock.VC{"n1": 3, "n2": 300}
	data, _ := v.MarshalBinary()
	fmt.Printf("%d bytes: %x\n", len(data), data)
	var back vclock.VC
	if err := back.UnmarshalBinary(data); err != nil {
		fmt.Println(err)
	}
	fmt.Println(back)
	fmt.Println(back.UnmarshalBinary([]byte{1, 1, 1, 'a', 0}))
	// Output:
	// 11 bytes: 0102026e3103026e32ac02
	// {n1:3 n2:300}
	// vclock: malformed encoding: entry 0: zero counter for node "a"
}

func ExampleLamport() {
	var a, b vclock.Lamport
	a.Tick()               // 1
	sent := a.Tick()       // 2: a sends, stamping the message
	b.Tick()               // 1
	got := b.Observe(sent) // b receives: after the send
	fmt.Println("send", sent, "receive", got)
	// Output: send 2 receive 3
}

func ExampleHLC() {
	wall := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	clock := vclock.NewHLC(func() time.Time { return wall }, 250*time.Millisecond)
	t1 := clock.Now()
	t2 := clock.Now() // the physical clock has not moved: logical counts
	fmt.Println(t2.WallTime == t1.WallTime, t1.Logical, t2.Logical)

	remote := vclock.Timestamp{WallTime: wall.Add(time.Second).UnixNano()}
	_, err := clock.Update(remote)
	fmt.Println(err != nil)
	// Output:
	// true 0 1
	// true
}
