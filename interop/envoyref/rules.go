// Package envoyref compares Sluice with the real envoyproxy/ratelimit (Redis-backed), installed
// from the Go module proxy by scripts/envoy-ratelimit.sh: the same rules files must be accepted
// or rejected by both, the same ShouldRateLimit streams must get the same answers, and both must
// reload under traffic. Every difference is either classified under a stable id of
// docs/compatibility.md (differences.go) or fails with its seed and a shrunk reproduction.
package envoyref

import (
	"strings"

	rlspb "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"gopkg.in/yaml.v2"
)

// RulesFile is one rules file as the reference reads it (its YamlRoot), for the harness's own
// models of both services' matching. Only files that both services accepted are parsed.
type RulesFile struct {
	Domain      string
	Descriptors []*RuleNode
}

// RuleNode is one descriptor node of a rules file.
type RuleNode struct {
	Key            string
	Value          string
	RateLimit      *RulePolicy `yaml:"rate_limit"`
	Descriptors    []*RuleNode
	ShadowMode     bool `yaml:"shadow_mode"`
	QuotaMode      bool `yaml:"quota_mode"`
	ShareThreshold bool `yaml:"share_threshold"`
}

// RulePolicy is a node's rate_limit block.
type RulePolicy struct {
	RequestsPerUnit uint32 `yaml:"requests_per_unit"`
	Unit            string
	Unlimited       bool
	Name            string
	Replaces        []struct{ Name string }
}

// ParseRules reads a rules file's text the way the reference does (gopkg.in/yaml.v2).
func ParseRules(text string) (*RulesFile, error) {
	var f RulesFile
	if err := yaml.Unmarshal([]byte(text), &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// UnitValue is the RateLimitResponse.RateLimit.Unit of a rules-file unit name (UNKNOWN if none).
func UnitValue(name string) rlspb.RateLimitResponse_RateLimit_Unit {
	return rlspb.RateLimitResponse_RateLimit_Unit(
		rlspb.RateLimitResponse_RateLimit_Unit_value[strings.ToUpper(name)])
}

// composite is the reference's map key of a node: key, or key_value.
func (n *RuleNode) composite() string {
	if n.Value == "" {
		return n.Key
	}
	return n.Key + "_" + n.Value
}

// Entry is one (key, value) of a request descriptor.
type Entry struct{ Key, Value string }

// matchRules says how wildcards are matched; the two services differ in both switches.
type matchRules struct {
	// innerWildcards: every `*` of a pattern is a wildcard (Sluice, and the reference since
	// PR #1085); otherwise only a trailing `*` is, by prefix (the proxy's reference version).
	innerWildcards bool
	// keyEqual: the request key must equal the node's key and the pattern applies to the value
	// (Sluice); otherwise the pattern is the composite key_value, applied to the request's
	// key_value (the reference). The same switch picks the exact lookup: (key, value) or composite.
	keyEqual bool
}

// ruleMatch is what one descriptor matched.
type ruleMatch struct {
	node *RuleNode
	// sharePatterns[i], when set, is the share_threshold wildcard value that replaces entry i's
	// value in the reference's cache key.
	sharePatterns map[int]string
}

func isWildcard(pattern string, inner bool) bool {
	if inner {
		return strings.Contains(pattern, "*")
	}
	return strings.HasSuffix(pattern, "*")
}

func wildcardMatches(pattern, text string, inner bool) bool {
	if !inner {
		return strings.HasPrefix(text, strings.TrimSuffix(pattern, "*"))
	}
	return globMatch(pattern, text)
}

// globMatch: each `*` matches any run, possibly empty; the rest is literal.
func globMatch(pattern, text string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == text
	}
	if !strings.HasPrefix(text, parts[0]) {
		return false
	}
	text = text[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(text, p)
		if i < 0 {
			return false
		}
		text = text[i+len(p):]
	}
	return len(text) >= len(last) && strings.HasSuffix(text, last)
}

// findChild picks the node of one level for one entry: exact, else the first wildcard in file
// order, else the value-less default. via reports whether the wildcard matched.
func findChild(level []*RuleNode, e Entry, rules matchRules) (node *RuleNode, via bool) {
	composite := e.Key + "_" + e.Value
	for _, n := range level {
		if rules.keyEqual {
			if e.Value != "" && n.Key == e.Key && n.Value == e.Value {
				return n, false
			}
		} else if n.composite() == composite {
			return n, false
		}
	}
	for _, n := range level {
		if rules.keyEqual {
			if n.Value != "" && n.Key == e.Key && isWildcard(n.Value, rules.innerWildcards) &&
				wildcardMatches(n.Value, e.Value, rules.innerWildcards) {
				return n, true
			}
		} else if c := n.composite(); isWildcard(c, rules.innerWildcards) &&
			wildcardMatches(c, composite, rules.innerWildcards) {
			return n, true
		}
	}
	for _, n := range level {
		if (rules.keyEqual && n.Key == e.Key && n.Value == "") ||
			(!rules.keyEqual && n.composite() == e.Key) {
			return n, false
		}
	}
	return nil, false
}

// match walks the tree for one descriptor: the node whose rate_limit applies (depth must
// match), or a zero ruleMatch.
func (f *RulesFile) match(entries []Entry, rules matchRules) ruleMatch {
	level := f.Descriptors
	var shares map[int]string
	for i, e := range entries {
		node, via := findChild(level, e, rules)
		if node == nil {
			return ruleMatch{}
		}
		if via && node.ShareThreshold {
			if shares == nil {
				shares = map[int]string{}
			}
			shares[i] = strings.TrimPrefix(node.composite(), e.Key+"_")
		}
		if i == len(entries)-1 {
			if node.RateLimit == nil {
				return ruleMatch{}
			}
			return ruleMatch{node: node, sharePatterns: shares}
		}
		if len(node.Descriptors) == 0 {
			return ruleMatch{}
		}
		level = node.Descriptors
	}
	return ruleMatch{}
}
