// The state machine: what every replica applies, in log order.
//
// apply is a pure function of the state and the command. It reads no clock
// and draws no random number, so replicas that apply the same log hold the
// same data, the same leases and the same deduplication table. Time enters
// only through Command.Now, the proposing leader's clock reading; the
// machine's clock is the largest such reading applied so far, so it never
// runs backwards even when a new leader's clock is behind the old one's.

package kv

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"time"
)

// Code is the outcome of an operation, sent in replies as a plain string:
// net/rpc would flatten an error value to a string anyway, so expected
// outcomes travel in the reply and the RPC's error result means only that
// the call itself failed. The clerk turns codes into Go errors.
type Code string

// Outcomes an operation may have.
const (
	CodeOK              Code = ""
	CodeNoKey           Code = "no such key"
	CodeVersionMismatch Code = "version mismatch"
	CodeNoLease         Code = "no such lease (expired or revoked)"
	CodeTooLarge        Code = "key or value too large"
	CodeWrongLeader     Code = "not the leader"
	CodeTimeout         Code = "not committed in time (outcome unknown)"
	CodeStale           Code = "request superseded by a newer one from the same client"
	CodeInvalid         Code = "invalid request"
)

// Result is what applying a command produced.
type Result struct {
	Code     Code
	Value    string
	Version  int64 // the key's version after the operation (0: absent)
	Revision int64 // the store's revision after the operation
	Lease    int64 // OpGrant: the new lease's ID
}

// item is one key's value with its bookkeeping. Version counts the writes to
// this key since it was created; Revision is the store-wide revision of its
// last write, which only grows, so it can serve as a fencing token.
type item struct {
	Value    string
	Version  int64
	Revision int64
	Lease    int64
}

// lease keeps keys alive until Expiry on the machine's clock.
type lease struct {
	TTL    int64
	Expiry int64
	Keys   map[string]bool
}

// session remembers a client's last operation and its result, so that a
// retry of that operation returns the same result instead of running twice.
type session struct {
	Seq    int64
	Result Result
}

// machine is the replicated state. Its fields are exported only for gob,
// which encodes snapshots; nothing outside this file touches them.
type machine struct {
	Data      map[string]*item
	Sessions  map[int64]session
	Leases    map[int64]*lease
	Now       int64 // the machine's clock: the largest Command.Now applied
	Revision  int64 // incremented by every write
	NextLease int64
}

func newMachine() *machine {
	return &machine{
		Data:      make(map[string]*item),
		Sessions:  make(map[int64]session),
		Leases:    make(map[int64]*lease),
		NextLease: 1,
	}
}

// apply executes one command and returns its result.
func (m *machine) apply(c Command) Result {
	// Exactly-once: a client numbers its operations and sends one at a
	// time, retrying it until it learns the outcome. A retry of an
	// operation already applied gets the remembered result.
	if c.ClientID != 0 {
		if s, ok := m.Sessions[c.ClientID]; ok && c.Seq <= s.Seq {
			if c.Seq == s.Seq {
				return s.Result
			}
			return Result{Code: CodeStale}
		}
	}
	// Time passes for everyone before the operation runs, so a lease that
	// ran out before this command was proposed is gone when it looks.
	if c.Now > m.Now {
		m.Now = c.Now
		m.expireLeases()
	}
	r := m.execute(c)
	if c.ClientID != 0 {
		m.Sessions[c.ClientID] = session{Seq: c.Seq, Result: r}
	}
	return r
}

// execute does the operation itself.
func (m *machine) execute(c Command) Result {
	it := m.Data[c.Key]
	switch c.Op {
	case OpGet:
		if it == nil {
			return Result{Code: CodeNoKey, Revision: m.Revision}
		}
		return Result{Value: it.Value, Version: it.Version, Revision: m.Revision}
	case OpPut:
		return m.write(c.Key, c.Value, c.Lease)
	case OpAppend:
		old := ""
		if it != nil {
			old = it.Value
		}
		if len(old)+len(c.Value) > MaxValueSize {
			return Result{Code: CodeTooLarge, Revision: m.Revision}
		}
		lease := c.Lease
		if it != nil && lease == 0 {
			lease = it.Lease // appending keeps the key's lease
		}
		return m.write(c.Key, old+c.Value, lease)
	case OpCompareAndSwap:
		version := int64(0)
		if it != nil {
			version = it.Version
		}
		if version != c.Version {
			r := Result{Code: CodeVersionMismatch, Version: version, Revision: m.Revision}
			if it != nil {
				r.Value = it.Value
			}
			return r
		}
		return m.write(c.Key, c.Value, c.Lease)
	case OpDelete:
		if it == nil {
			return Result{Code: CodeNoKey, Revision: m.Revision}
		}
		m.remove(c.Key)
		m.Revision++
		return Result{Revision: m.Revision}
	case OpGrant:
		if c.TTL <= 0 {
			return Result{Code: CodeInvalid}
		}
		id := m.NextLease
		m.NextLease++
		m.Leases[id] = &lease{TTL: c.TTL, Expiry: m.Now + c.TTL, Keys: make(map[string]bool)}
		return Result{Lease: id, Revision: m.Revision}
	case OpKeepAlive:
		l := m.Leases[c.Lease]
		if l == nil {
			return Result{Code: CodeNoLease}
		}
		l.Expiry = m.Now + l.TTL
		return Result{Lease: c.Lease, Revision: m.Revision}
	case OpRevoke:
		if m.Leases[c.Lease] == nil {
			return Result{Code: CodeNoLease}
		}
		m.revoke(c.Lease)
		return Result{Revision: m.Revision}
	case OpTick:
		return Result{Revision: m.Revision}
	}
	return Result{Code: CodeInvalid}
}

// leaseCurrent reports whether a read of key at time now (a leader's clock
// reading, Unix nanoseconds) sees what a Get through the log would: false
// when key belongs to a lease that has run out by now while the machine's
// clock, which moves only with applied commands, has not yet expired it. A
// Get in the log would first advance the clock and find the key gone, so
// such a read must go through the log. It changes nothing.
func (m *machine) leaseCurrent(key string, now int64) bool {
	it := m.Data[key]
	if it == nil || it.Lease == 0 {
		return true
	}
	l := m.Leases[it.Lease]
	return l == nil || l.Expiry > now
}

// write stores value under key, attached to lease if not 0.
func (m *machine) write(key, value string, leaseID int64) Result {
	var l *lease
	if leaseID != 0 {
		if l = m.Leases[leaseID]; l == nil {
			return Result{Code: CodeNoLease, Revision: m.Revision}
		}
	}
	it := m.Data[key]
	if it == nil {
		it = &item{}
		m.Data[key] = it
	}
	if it.Lease != 0 && it.Lease != leaseID {
		if old := m.Leases[it.Lease]; old != nil {
			delete(old.Keys, key)
		}
	}
	m.Revision++
	it.Value, it.Version, it.Revision, it.Lease = value, it.Version+1, m.Revision, leaseID
	if l != nil {
		l.Keys[key] = true
	}
	return Result{Version: it.Version, Revision: m.Revision}
}

// remove deletes key and detaches it from its lease.
func (m *machine) remove(key string) {
	if it := m.Data[key]; it != nil && it.Lease != 0 {
		if l := m.Leases[it.Lease]; l != nil {
			delete(l.Keys, key)
		}
	}
	delete(m.Data, key)
}

// expireLeases revokes every lease whose expiry the clock has passed.
func (m *machine) expireLeases() {
	for id, l := range m.Leases {
		if l.Expiry <= m.Now {
			m.revoke(id)
		}
	}
}

// revoke ends a lease and deletes the keys attached to it.
func (m *machine) revoke(id int64) {
	l := m.Leases[id]
	if len(l.Keys) > 0 {
		m.Revision++
	}
	for key := range l.Keys {
		delete(m.Data, key)
	}
	delete(m.Leases, id)
}

// snapshot encodes the whole machine, deduplication table included: a
// replica restored from it must still recognize retries.
func (m *machine) snapshot() ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		return nil, fmt.Errorf("kv: encode snapshot: %w", err)
	}
	return buf.Bytes(), nil
}

// restoreMachine decodes a snapshot. Snapshots reach it from the Raft
// storage, which checksums them, or from the leader over the network, so
// gob sees only bytes a replica wrote; damage that slips through is still
// reported as an error, never a panic.
func restoreMachine(data []byte) (*machine, error) {
	m := newMachine()
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(m); err != nil {
		return nil, fmt.Errorf("kv: decode snapshot: %w", err)
	}
	for _, l := range m.Leases {
		if l == nil {
			return nil, fmt.Errorf("kv: decode snapshot: malformed lease")
		}
		if l.Keys == nil { // gob leaves out empty maps
			l.Keys = make(map[string]bool)
		}
	}
	for _, it := range m.Data {
		if it == nil {
			return nil, fmt.Errorf("kv: decode snapshot: malformed item")
		}
	}
	return m, nil
}

// clock returns the machine's clock as a time, for status pages.
func (m *machine) clock() time.Time { return time.Unix(0, m.Now) }
