package coord_test

import (
	"fmt"

	"distkit/pkg/coord"
)

// A client took the lock with token 33, then paused; its lease lapsed and
// another client took the lock with token 34 and wrote. When the first
// client wakes up, the storage refuses its write.
func ExampleFencedStore() {
	store := coord.NewFencedStore()
	fmt.Println(store.Write(33, "config", "from A"))
	fmt.Println(store.Write(34, "config", "from B"))
	fmt.Println(store.Write(33, "config", "from A, after its pause"))
	v, _ := store.Read("config")
	fmt.Println("config =", v)
	// Output:
	// <nil>
	// <nil>
	// write "config" with token 33: coord: stale fencing token (token 34 has been used since)
	// config = from B
}
