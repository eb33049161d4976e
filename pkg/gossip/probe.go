// Failure detection: ping one member per period, ask k others when it stays silent.

package gossip

import (
	"fmt"
	"sync"
	"time"
)

// PingArgs is a probe, with gossip piggybacked.
type PingArgs struct {
	From    string
	Updates []Update
}

// PingReply is the ack, with gossip piggybacked the other way.
type PingReply struct {
	Updates []Update
}

// PingReqArgs asks the receiver to probe Target on From's behalf.
type PingReqArgs struct {
	From    string
	Target  string
	Updates []Update
}

// PingReqReply says whether Target answered the receiver's probe.
type PingReqReply struct {
	Acked   bool
	Updates []Update
}

// Ping is the RPC handler for a direct probe: take the gossip, answer with
// ours. A ping from a member we do not know yet is answered too (it may have
// joined through someone else a moment ago, and a refusal would make it
// suspect us); its news is judged on its own merits, update by update.
func (m *Member) Ping(args *PingArgs, reply *PingReply) error {
	if err := m.checkSender(args.From); err != nil {
		return err
	}
	m.mu.Lock()
	if _, ok := m.members[args.From]; !ok {
		m.logger.Debug("ping from unknown member", "from", args.From)
	}
	for _, u := range args.Updates {
		m.applyLocked(u, args.From)
	}
	reply.Updates = m.piggybackLocked()
	m.mu.Unlock()
	m.flushEvents()
	return nil
}

// PingReq is the RPC handler for an indirect probe (SWIM §3.1): ping Target
// and report whether it answered within the probe timeout. A target the
// requester cannot reach but we can is alive; the problem was the path.
func (m *Member) PingReq(args *PingReqArgs, reply *PingReqReply) error {
	if err := m.checkSender(args.From); err != nil {
		return err
	}
	if args.Target == "" || args.Target == args.From {
		return fmt.Errorf("%w: ping-req from %q for target %q", ErrBadMessage, args.From, args.Target)
	}
	m.mu.Lock()
	for _, u := range args.Updates {
		m.applyLocked(u, args.From)
	}
	m.mu.Unlock()
	m.flushEvents()
	if args.Target == m.cfg.Name {
		reply.Acked = true // asked to probe ourselves: we are evidently alive
	} else {
		reply.Acked = m.ping(args.Target, nil)
	}
	m.mu.Lock()
	reply.Updates = m.piggybackLocked()
	m.mu.Unlock()
	return nil
}

// probe runs one protocol period's failure detection (SWIM §3.1): ping the
// next target; if no ack comes within ProbeTimeout, ask k others to ping it
// and wait out the rest of the period; if nobody got an ack, suspect it.
func (m *Member) probe(stop chan struct{}) {
	m.mu.Lock()
	target := m.nextTargetLocked()
	m.mu.Unlock()
	if target == "" {
		return
	}
	start := time.Now()
	if m.ping(target, &m.wg) {
		return
	}
	acked := false
	if m.cfg.IndirectChecks > 0 {
		acked = m.indirect(target, start.Add(m.cfg.ProbeInterval), stop)
	}
	if acked {
		return
	}
	m.mu.Lock()
	if mb := m.members[target]; mb != nil && mb.state == Alive {
		m.logger.Info("suspecting", "about", target, "incarnation", mb.incarnation)
		m.applyLocked(Update{Name: target, Incarnation: mb.incarnation, State: Suspect}, m.cfg.Name)
	}
	m.mu.Unlock()
	m.flushEvents()
}

// ping sends one probe to target and reports whether its ack arrived within
// ProbeTimeout. The call runs on its own goroutine, counted in wg if given,
// so a late ack still delivers its gossip; the transport's own timeout
// bounds how long that goroutine lives.
func (m *Member) ping(target string, wg *sync.WaitGroup) bool {
	m.mu.Lock()
	args := &PingArgs{From: m.cfg.Name, Updates: m.piggybackLocked()}
	// Tell a suspect it is suspected, whatever the piggyback queue holds: it
	// is the one member that can refute it, and the queue may have spent
	// that update on others while the suspect was unreachable (Lifeguard's
	// "buddy system", Dadgar et al. 2018).
	if mb := m.members[target]; mb != nil && mb.state == Suspect {
		args.Updates = append(args.Updates, Update{Name: target, Incarnation: mb.incarnation, State: Suspect})
	}
	m.mu.Unlock()
	done := make(chan bool, 1)
	if wg != nil {
		wg.Add(1)
	}
	go func() {
		if wg != nil {
			defer wg.Done()
		}
		var reply PingReply
		if err := m.call(target, "Ping", args, &reply); err != nil {
			m.logger.Debug("ping failed", "err", err)
			done <- false
			return
		}
		m.absorb(reply.Updates, target)
		done <- true
	}()
	timer := time.NewTimer(m.cfg.ProbeTimeout)
	defer timer.Stop()
	select {
	case ok := <-done:
		return ok
	case <-timer.C:
		return false
	}
}

// indirect asks IndirectChecks random members to ping target and reports
// whether any of them got an ack before deadline.
func (m *Member) indirect(target string, deadline time.Time, stop chan struct{}) bool {
	m.mu.Lock()
	helpers := m.randomMembersLocked(m.cfg.IndirectChecks, target)
	args := &PingReqArgs{From: m.cfg.Name, Target: target, Updates: m.piggybackLocked()}
	m.mu.Unlock()
	if len(helpers) == 0 {
		return false
	}
	acks := make(chan bool, len(helpers))
	for _, h := range helpers {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			var reply PingReqReply
			err := m.call(h, "PingReq", args, &reply)
			if err == nil {
				m.absorb(reply.Updates, h)
			}
			acks <- err == nil && reply.Acked
		}()
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for range helpers {
		select {
		case ok := <-acks:
			if ok {
				return true
			}
		case <-timer.C:
			return false
		case <-stop:
			return true // shutting down: accuse nobody
		}
	}
	return false
}

// absorb applies the gossip piggybacked on a reply.
func (m *Member) absorb(updates []Update, from string) {
	m.mu.Lock()
	for _, u := range updates {
		m.applyLocked(u, from)
	}
	m.mu.Unlock()
	m.flushEvents()
}

// nextTargetLocked returns the next member to probe. SWIM §4.3: walk a
// random permutation of the members, reshuffled after each pass, so every
// member is probed within one pass (a bound on detection time that purely
// random choice lacks). Dead members are skipped. Call with m.mu held.
func (m *Member) nextTargetLocked() string {
	for {
		if len(m.probeOrder) == 0 {
			for name, mb := range m.members {
				if mb.state != Dead {
					m.probeOrder = append(m.probeOrder, name)
				}
			}
			if len(m.probeOrder) == 0 {
				return ""
			}
			sortStrings(m.probeOrder) // map order is random; the seeded shuffle must not be
			m.rng.Shuffle(len(m.probeOrder), func(i, j int) {
				m.probeOrder[i], m.probeOrder[j] = m.probeOrder[j], m.probeOrder[i]
			})
		}
		name := m.probeOrder[0]
		m.probeOrder = m.probeOrder[1:]
		if mb := m.members[name]; mb != nil && mb.state != Dead {
			return name
		}
	}
}

// randomMembersLocked picks up to k distinct live members other than
// exclude. Call with m.mu held.
func (m *Member) randomMembersLocked(k int, exclude string) []string {
	var live []string
	for name, mb := range m.members {
		if mb.state == Alive && name != exclude {
			live = append(live, name)
		}
	}
	sortStrings(live)
	m.rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	return live[:min(k, len(live))]
}

// checkSender rejects a message with no sender or with our own name.
func (m *Member) checkSender(from string) error {
	if from == "" || from == m.cfg.Name {
		return fmt.Errorf("%w: sender %q", ErrBadMessage, from)
	}
	return nil
}
