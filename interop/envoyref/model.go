package envoyref

import (
	"fmt"
	"math"
	"strings"

	rlspb "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
)

// Counting is how a model charges the descriptors of a request.
type Counting int

const (
	// CountAll: every limited descriptor is charged, rejected or not (the reference's default).
	CountAll Counting = iota
	// CountStop: the reference with STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT=true: if some
	// descriptor would go over its limit (read before counting), only those are charged;
	// otherwise all are.
	CountStop
	// CountSluice: each descriptor on its own; one answered OVER_LIMIT is not charged.
	CountSluice
)

// Semantics are the switches on which the two services differ; a Model applies one setting of
// them. The harness chains models from the reference's setting to Sluice's, one switch (one
// difference id) at a time, to name the difference behind each mismatch.
type Semantics struct {
	Match               matchRules
	ShareThreshold      bool // share_threshold makes wildcard values share one counter
	QuotaMode           bool // quota_mode descriptors never make the request OVER_LIMIT
	OverrideNeedsDomain bool // a limit override applies only in a domain that has rules
	UnitInKey           bool // the counter key has the unit (else the window start only)
	Counting            Counting
}

// ReferenceSemantics is the reference's setting, counting as given.
func ReferenceSemantics(counting Counting) Semantics {
	return Semantics{ShareThreshold: true, QuotaMode: true, OverrideNeedsDomain: true,
		Counting: counting}
}

// Model predicts a service's answers from the rules files and its own counters.
type Model struct {
	sem      Semantics
	files    map[string]*RulesFile // by domain
	counters map[string]uint64
	unknown  map[string]bool // counters whose value the model cannot know (see Apply)
}

func NewModel(sem Semantics, files map[string]*RulesFile) *Model {
	return &Model{sem: sem, files: files, counters: map[string]uint64{}, unknown: map[string]bool{}}
}

// divider is the window length in seconds (both services: epoch-aligned, month 30 days, year
// 365 days).
func divider(unit rlspb.RateLimitResponse_RateLimit_Unit) int64 {
	switch unit {
	case rlspb.RateLimitResponse_RateLimit_SECOND:
		return 1
	case rlspb.RateLimitResponse_RateLimit_MINUTE:
		return 60
	case rlspb.RateLimitResponse_RateLimit_HOUR:
		return 3600
	case rlspb.RateLimitResponse_RateLimit_DAY:
		return 86400
	case rlspb.RateLimitResponse_RateLimit_WEEK:
		return 7 * 86400
	case rlspb.RateLimitResponse_RateLimit_MONTH:
		return 30 * 86400
	case rlspb.RateLimitResponse_RateLimit_YEAR:
		return 365 * 86400
	}
	return 0
}

// limit is what one descriptor counts against.
type limit struct {
	rpu       uint32
	unit      rlspb.RateLimitResponse_RateLimit_Unit
	name      string
	replaces  []string
	unlimited bool
	shadow    bool
	quota     bool
	shares    map[int]string
}

func (m *Model) limitOf(domain string, d Descriptor) *limit {
	file := m.files[domain]
	if d.Override != nil {
		if file == nil && m.sem.OverrideNeedsDomain {
			return nil
		}
		return &limit{rpu: d.Override.RequestsPerUnit,
			unit: rlspb.RateLimitResponse_RateLimit_Unit(d.Override.Unit)}
	}
	if file == nil {
		return nil
	}
	rm := file.match(d.Entries, m.sem.Match)
	if rm.node == nil {
		return nil
	}
	p := rm.node.RateLimit
	l := &limit{rpu: p.RequestsPerUnit, unit: UnitValue(p.Unit), name: p.Name,
		unlimited: p.Unlimited, shadow: rm.node.ShadowMode, quota: rm.node.QuotaMode && m.sem.QuotaMode}
	for _, r := range p.Replaces {
		l.replaces = append(l.replaces, r.Name)
	}
	if m.sem.ShareThreshold {
		l.shares = rm.sharePatterns
	}
	return l
}

// key is the counter a descriptor counts in during the window that contains `now`.
func (m *Model) key(domain string, d Descriptor, l *limit, now int64) string {
	var b strings.Builder
	b.WriteString(domain)
	for i, e := range d.Entries {
		v := e.Value
		if p, ok := l.shares[i]; ok {
			v = p
		}
		b.WriteString("_" + e.Key + "_" + v)
	}
	div := divider(l.unit)
	if m.sem.UnitInKey {
		fmt.Fprintf(&b, "_%s", l.unit)
	}
	fmt.Fprintf(&b, "@%d", now/div*div)
	return b.String()
}

// Prediction is a model's answer, with the fields it cannot know.
type Prediction struct {
	Answer  Answer
	Unknown map[string]bool // field names (Answer.Fields) the model does not predict
}

// Apply predicts the answer to `call` made during second `now` and charges the model's
// counters. `later` is the second the call was answered in: when it differs from `now` the call
// straddled a second: a counter whose window ended then becomes unknown in both windows (the
// model cannot know which window each service counted the call in), and every field that
// depends on the time of day is not predicted.
func (m *Model) Apply(call Call, now, later int64) Prediction {
	n := len(call.Descriptors)
	limits := make([]*limit, n)
	replacing := map[string]bool{}
	for i, d := range call.Descriptors {
		limits[i] = m.limitOf(call.Domain, d)
		if limits[i] != nil {
			for _, r := range limits[i].replaces {
				replacing[r] = true
			}
		}
	}
	active := make([]bool, n) // counted: a limit, not unlimited, not replaced
	for i, l := range limits {
		active[i] = l != nil && !l.unlimited && !(l.name != "" && replacing[l.name])
	}
	hits := make([]uint64, n)
	keys := make([]string, n)
	for i, d := range call.Descriptors {
		if d.Hits != nil {
			hits[i] = *d.Hits
		} else {
			hits[i] = uint64(max(1, call.HitsAddend))
		}
		if active[i] {
			keys[i] = m.key(call.Domain, d, limits[i], now)
		}
	}

	pred := Prediction{Unknown: map[string]bool{}}
	for i, d := range call.Descriptors {
		// Only a boundary of the descriptor's own window matters: a day counter is counted in
		// the same day whichever second each service read.
		if active[i] && later != now {
			if other := m.key(call.Domain, d, limits[i], later); other != keys[i] {
				m.unknown[keys[i]] = true
				m.unknown[other] = true
			}
		}
	}
	unknownCall := false // under CountStop, one unknown counter makes every charge unknown
	for i := range keys {
		if active[i] && m.unknown[keys[i]] {
			unknownCall = true
		}
	}
	if unknownCall && m.sem.Counting == CountStop {
		for i := range keys {
			if active[i] {
				m.unknown[keys[i]] = true
			}
		}
	}

	// The counting pass: every active descriptor's count after this request and its verdict.
	over := make([]bool, n)
	after := make([]uint64, n)
	anyNear := false
	if m.sem.Counting == CountStop {
		for i := range keys {
			if active[i] && m.counters[keys[i]]+hits[i] > uint64(limits[i].rpu) {
				anyNear = true
			}
		}
	}
	near := make([]bool, n)
	for i := range keys {
		if active[i] {
			near[i] = m.counters[keys[i]]+hits[i] > uint64(limits[i].rpu)
		}
	}
	for i := range keys {
		if !active[i] {
			continue
		}
		rpu := uint64(limits[i].rpu)
		switch m.sem.Counting {
		case CountAll:
			m.counters[keys[i]] += hits[i]
			after[i] = m.counters[keys[i]]
			over[i] = after[i] > rpu
		case CountStop:
			if !anyNear || near[i] {
				m.counters[keys[i]] += hits[i]
			}
			after[i] = m.counters[keys[i]]
			over[i] = after[i] > rpu
		case CountSluice:
			if m.counters[keys[i]]+hits[i] > rpu {
				over[i] = true
			} else {
				m.counters[keys[i]] += hits[i]
			}
			after[i] = m.counters[keys[i]]
		}
	}

	// Statuses, the reference's header choice and the overall code.
	a := &pred.Answer
	a.Overall = rlspb.RateLimitResponse_OK
	a.Statuses = make([]Status, n)
	minRemaining := uint32(math.MaxUint32)
	chosen := -1
	anyUnknown := false
	for i := range call.Descriptors {
		st := &a.Statuses[i]
		st.Code = rlspb.RateLimitResponse_OK
		l := limits[i]
		if l != nil && l.unlimited {
			st.Remaining = math.MaxUint32
			continue
		}
		if !active[i] {
			continue
		}
		div := divider(l.unit)
		st.Limit = limitString(l.rpu, l.unit, l.name)
		st.Reset = resetString(div-now%div, 0)
		if over[i] {
			st.Code = rlspb.RateLimitResponse_OVER_LIMIT
		} else {
			st.Remaining = l.rpu - uint32(after[i])
		}
		if over[i] && l.shadow {
			st.Code = rlspb.RateLimitResponse_OK
		}
		if st.Remaining < minRemaining {
			chosen, minRemaining = i, st.Remaining
		}
		if st.Code == rlspb.RateLimitResponse_OVER_LIMIT {
			if l.quota {
				// quota_mode: OK with the limit and what remains, no duration; never OVER_LIMIT.
				*st = Status{Code: rlspb.RateLimitResponse_OK, Limit: st.Limit, Remaining: st.Remaining}
			} else {
				a.Overall = rlspb.RateLimitResponse_OVER_LIMIT
				chosen, minRemaining = i, 0
			}
		}
		if m.unknown[keys[i]] {
			anyUnknown = true
			p := fmt.Sprintf("statuses[%d].", i)
			pred.Unknown[p+"code"] = true
			pred.Unknown[p+"limit_remaining"] = true
		}
	}
	if chosen >= 0 {
		l := limits[chosen]
		div := divider(l.unit)
		a.Headers = []string{
			fmt.Sprintf("RateLimit-Limit=%d", l.rpu),
			fmt.Sprintf("RateLimit-Remaining=%d", minRemaining),
			fmt.Sprintf("RateLimit-Reset=%d", div-now%div),
		}
	}
	if anyUnknown {
		pred.Unknown["overall_code"] = true
		pred.Unknown["response_headers_to_add"] = true
	}
	if later != now {
		// The services may have read the clock in either second.
		for f := range a.Fields() {
			if strings.HasSuffix(f, "duration_until_reset") || f == "response_headers_to_add" {
				pred.Unknown[f] = true
			}
		}
	}
	return pred
}
