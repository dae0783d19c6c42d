package explain

import (
	"sync"
)

// automaton finds every rule fragment, tool hint and keyword in a line in
// one pass over its bytes (Aho-Corasick, as a dense table over the few byte
// classes the fragments use). Matching ignores ASCII case.
type automaton struct {
	class [256]uint8
	width uint32
	// delta[row+class] is the next state's row (state*width) shifted left
	// once, with the low bit set when that state ends a fragment: no
	// multiplication on the per-byte path.
	delta []uint32
	outs  [][]int32 // fragments ending at each state

	needles []needle
	// patNeedles[rule][pattern] are the fragments the pattern needs.
	patNeedles [][][]int32
	// keywords are (rule, keyword) pairs; ruleKeywords[rule] indexes them.
	keywords     []string
	ruleKeywords [][]int
}

type needle struct {
	text     string
	uses     []patRef
	tool     string
	keywords []int
}

type patRef struct{ rule, pat int }

var compiled = sync.OnceValue(func() *automaton { return build(rules) })

func build(rs []Rule) *automaton {
	a := &automaton{}
	index := map[string]int32{}
	add := func(s string) int32 {
		s = lower(s)
		if id, ok := index[s]; ok {
			return id
		}
		id := int32(len(a.needles))
		index[s] = id
		a.needles = append(a.needles, needle{text: s})
		return id
	}
	a.patNeedles = make([][][]int32, len(rs))
	a.ruleKeywords = make([][]int, len(rs))
	for ri := range rs {
		a.patNeedles[ri] = make([][]int32, len(rs[ri].Match))
		for pi, pt := range rs[ri].Match {
			for _, f := range pt.All {
				id := add(f)
				a.patNeedles[ri][pi] = append(a.patNeedles[ri][pi], id)
				a.needles[id].uses = append(a.needles[id].uses, patRef{ri, pi})
			}
		}
		for _, k := range rs[ri].Keywords {
			id := add(k)
			kw := len(a.keywords)
			a.keywords = append(a.keywords, k)
			a.ruleKeywords[ri] = append(a.ruleKeywords[ri], kw)
			a.needles[id].keywords = append(a.needles[id].keywords, kw)
		}
	}
	for _, h := range toolHints {
		id := add(h.needle)
		if a.needles[id].tool == "" {
			a.needles[id].tool = h.cmd
		}
	}

	// Byte classes: one per distinct byte of the fragments, class 0 for
	// every other byte; upper-case letters share their lower-case class.
	next := uint8(1)
	for _, n := range a.needles {
		for i := 0; i < len(n.text); i++ {
			c := n.text[i]
			if a.class[c] == 0 {
				a.class[c] = next
				next++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		a.class[c] = a.class[c+'a'-'A']
	}
	a.width = uint32(next)

	// The trie, then failure links breadth first, folded into delta.
	w := int(a.width)
	trie := []int32{}
	newState := func() int32 {
		trie = append(trie, make([]int32, w)...)
		a.outs = append(a.outs, nil)
		return int32(len(a.outs) - 1)
	}
	newState()
	for id, n := range a.needles {
		s := int32(0)
		for i := 0; i < len(n.text); i++ {
			c := int(a.class[n.text[i]])
			if trie[int(s)*w+c] == 0 {
				t := newState()
				trie[int(s)*w+c] = t
			}
			s = trie[int(s)*w+c]
		}
		a.outs[s] = append(a.outs[s], int32(id))
	}
	fail := make([]int32, len(a.outs))
	delta := make([]int32, len(trie))
	queue := []int32{}
	for c := 0; c < w; c++ {
		if t := trie[c]; t != 0 {
			delta[c] = t
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		a.outs[s] = append(a.outs[s], a.outs[fail[s]]...)
		for c := 0; c < w; c++ {
			t := trie[int(s)*w+c]
			if t == 0 {
				delta[int(s)*w+c] = delta[int(fail[s])*w+c]
				continue
			}
			fail[t] = delta[int(fail[s])*w+c]
			delta[int(s)*w+c] = t
			queue = append(queue, t)
		}
	}
	a.delta = make([]uint32, len(delta))
	for i, t := range delta {
		v := uint32(int(t)*w) << 1
		if len(a.outs[t]) > 0 {
			v |= 1
		}
		a.delta[i] = v
	}
	return a
}

// scan appends the ids of the fragments found in b to hits.
func (a *automaton) scan(b []byte, hits []int32) []int32 {
	var row uint32
	d, class := a.delta, &a.class
	for _, c := range b {
		v := d[row+uint32(class[c])]
		row = v >> 1
		if v&1 != 0 {
			hits = append(hits, a.outs[row/a.width]...)
		}
	}
	return hits
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
