package linearizability_test

import (
	"fmt"
	"strings"
	"time"

	"distkit/pkg/linearizability"
)

// A stale read: client 1's put of 2 has returned before client 2 reads, yet
// client 2 sees the old value. The report names the key, the longest
// prefix that fits, and why the read cannot come next.
func Example() {
	history := `
# client call return op  key value output
1          0     10 put  x   1     ok@1
1         20     30 put  x   2     ok@2
2         35     50 get  x   -     1@1
3          5     15 put  y   a     ok@1
`
	model, ops, err := linearizability.ParseHistory(strings.NewReader(history))
	if err != nil {
		fmt.Println(err)
		return
	}
	res := linearizability.Check(linearizability.ModelByName(model), ops, time.Second)
	fmt.Print(res.Report())
	fmt.Print(res.Timeline(60))
	// Output:
	// illegal: key "x" (part 1 of 2) is not linearizable
	// operations by call time (* = in the longest linearized prefix):
	//   * #0  client 1  0..10   put("x", "1") -> ok (version 1)
	//   * #1  client 1  20..30  put("x", "2") -> ok (version 2)
	//     #2  client 2  35..50  get("x") -> "1" (version 1)
	// longest linearized prefix: #0 #1 (2 of 3 operations)
	// state after it: "2" (version 2)
	// none of the operations that could come next fits:
	//     #2 get("x") -> "1" (version 1): impossible when the state is "2" (version 2)
	// client 1 |[#0======]         [#1======]                    |
	// client 2 |                                 [#2------------]|
	//          t=0                                            t=50
}
