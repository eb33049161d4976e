// Reports: a failed check rendered as text for a terminal, and a small
// timeline of the failing part's operations.

package linearizability

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxListed is how many operations a report lists before it keeps only
// those near the failure.
const maxListed = 40

// Report renders the result for a terminal. For Illegal it lists the
// failing part's operations by call time (marking those in the longest
// linearized prefix with *), the prefix in linearization order, the state
// after it, and each operation that could come next with the reason it
// cannot. A part with more than 40 operations is cut down to the candidates
// and the last ten operations of the prefix.
func (r Result) Report() string {
	var b strings.Builder
	switch r.Verdict {
	case Ok:
		fmt.Fprintf(&b, "ok: linearizable (%s)\n", plural(r.Partitions, "part"))
		return b.String()
	case Unknown:
		fmt.Fprintf(&b, "unknown: gave up at the deadline while checking %s\n", r.where())
		return b.String()
	case Illegal:
	default:
		return "no verdict\n"
	}

	fmt.Fprintf(&b, "illegal: %s is not linearizable\n", r.where())
	inPrefix := make([]bool, len(r.Ops))
	for _, i := range r.Linearized {
		inPrefix[i] = true
	}
	listed := r.listed()
	// Align the columns: index, client, interval.
	var rows [][3]string
	var widths [3]int
	for _, i := range listed {
		op := r.Ops[i]
		ret := "?"
		if op.OutcomeKnown() {
			ret = strconv.FormatInt(op.Return, 10)
		}
		row := [3]string{"#" + strconv.Itoa(i), "client " + strconv.Itoa(op.ClientID), strconv.FormatInt(op.Call, 10) + ".." + ret}
		for k := range row {
			widths[k] = max(widths[k], len(row[k]))
		}
		rows = append(rows, row)
	}
	fmt.Fprintf(&b, "operations by call time (* = in the longest linearized prefix):\n")
	for k, i := range listed {
		mark := " "
		if inPrefix[i] {
			mark = "*"
		}
		fmt.Fprintf(&b, "  %s %-*s  %-*s  %-*s  %s\n", mark, widths[0], rows[k][0], widths[1], rows[k][1],
			widths[2], rows[k][2], r.model.DescribeOperation(r.Ops[i].Input, r.Ops[i].Output))
	}
	if hidden := len(r.Ops) - len(listed); hidden > 0 {
		fmt.Fprintf(&b, "    (%s not shown)\n", plural(hidden, "more operation"))
	}

	fmt.Fprintf(&b, "longest linearized prefix: %s (%d of %d operations)\n",
		indexList(r.Linearized), len(r.Linearized), len(r.Ops))
	fmt.Fprintf(&b, "state after it: %s\n", r.State)
	fmt.Fprintf(&b, "none of the operations that could come next fits:\n")
	for _, c := range r.Next {
		fmt.Fprintf(&b, "    #%d %s: %s\n", c.Op, r.model.DescribeOperation(r.Ops[c.Op].Input, r.Ops[c.Op].Output), c.Reason)
	}
	return b.String()
}

// where names the part a verdict is about.
func (r Result) where() string {
	name := r.PartitionName
	if name == "" {
		name = "the history"
	}
	return fmt.Sprintf("%s (part %d of %d)", name, r.Partition+1, r.Partitions)
}

// listed chooses the operations Report lists, by index in call order.
func (r Result) listed() []int {
	var idx []int
	if len(r.Ops) <= maxListed {
		for i := range r.Ops {
			idx = append(idx, i)
		}
		return idx
	}
	for _, c := range r.Next {
		idx = append(idx, c.Op)
	}
	idx = append(idx, r.Linearized[max(0, len(r.Linearized)-10):]...)
	slices.Sort(idx)
	return slices.Compact(idx)
}

// Timeline draws the operations Report lists (all of a small failing part,
// the neighbourhood of the failure in a large one) as bars on a time axis,
// one row per client (more if a client's operations overlap), about width
// columns wide:
//
//	client 1 |[#0=====]                    |
//	client 2 |     [#1-----------]         |
//
// '=' fills operations of the longest linearized prefix, '-' the others,
// and a bar ending in '>' has an unknown outcome. It returns "" unless the
// verdict is Illegal.
func (r Result) Timeline(width int) string {
	if r.Verdict != Illegal || len(r.Ops) == 0 {
		return ""
	}
	inPrefix := make([]bool, len(r.Ops))
	for _, i := range r.Linearized {
		inPrefix[i] = true
	}
	shown := r.listed()
	var clients []int
	for _, i := range shown {
		clients = append(clients, r.Ops[i].ClientID)
	}
	slices.Sort(clients)
	clients = slices.Compact(clients)
	label := func(c int) string { return "client " + strconv.Itoa(c) }
	labelWidth := 0
	for _, c := range clients {
		labelWidth = max(labelWidth, len(label(c)))
	}
	cols := max(width-labelWidth-3, 10)

	// The axis runs from the first call to the last known time.
	t0, t1 := r.Ops[shown[0]].Call, r.Ops[shown[0]].Call
	for _, i := range shown {
		op := r.Ops[i]
		t1 = max(t1, op.Call)
		if op.OutcomeKnown() {
			t1 = max(t1, op.Return)
		}
	}
	col := func(t int64) int {
		if t1 == t0 {
			return 0
		}
		// float64: the product of a nanosecond span and the width
		// could overflow int64.
		return int(float64(t-t0) * float64(cols-1) / float64(t1-t0))
	}

	var b strings.Builder
	for _, c := range clients {
		var rows [][]byte
		for _, i := range shown {
			op := r.Ops[i]
			if op.ClientID != c {
				continue
			}
			start, end, last := col(op.Call), cols-1, byte('>')
			if op.OutcomeKnown() {
				// max: a history built by hand may return before its call.
				end, last = max(col(op.Return), start), ']'
			}
			row := freeRow(&rows, start, end, cols)
			fill := byte('-')
			if inPrefix[i] {
				fill = '='
			}
			for x := start; x <= end; x++ {
				row[x] = fill
			}
			row[start], row[end] = '[', last
			if start == end {
				row[start] = '|'
			}
			if name := "#" + strconv.Itoa(i); end-start-1 >= len(name) {
				copy(row[start+1:], name)
			}
		}
		for k, row := range rows {
			name := ""
			if k == 0 {
				name = label(c)
			}
			fmt.Fprintf(&b, "%-*s |%s|\n", labelWidth, name, row)
		}
	}
	left, right := "t="+strconv.FormatInt(t0, 10), "t="+strconv.FormatInt(t1, 10)
	gap := max(cols+2-len(left)-len(right), 1)
	fmt.Fprintf(&b, "%*s %s%s%s\n", labelWidth, "", left, strings.Repeat(" ", gap), right)
	return b.String()
}

// freeRow returns the first row whose columns start..end are all blank,
// adding a row if none is.
func freeRow(rows *[][]byte, start, end, cols int) []byte {
	for _, row := range *rows {
		if strings.TrimSpace(string(row[start:end+1])) == "" {
			return row
		}
	}
	row := []byte(strings.Repeat(" ", cols))
	*rows = append(*rows, row)
	return row
}

// indexList renders indices as "#0 #2 #1", keeping only the last ten of a
// long list.
func indexList(idx []int) string {
	if len(idx) == 0 {
		return "(none)"
	}
	var parts []string
	if len(idx) > 10 {
		parts = append(parts, "...")
		idx = idx[len(idx)-10:]
	}
	for _, i := range idx {
		parts = append(parts, "#"+strconv.Itoa(i))
	}
	return strings.Join(parts, " ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
