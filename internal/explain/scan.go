package explain

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// MaxLine is the longest line read whole; longer lines are cut to it.
const MaxLine = 64 << 10

// maxShown is how much of a matched line is shown.
const maxShown = 480

// maxAlso is how many other causes a scan remembers.
const maxAlso = 8

// Scan is what [ScanLog] found in the input.
type Scan struct {
	// Root is the first failure: the first line matching a cause, or, when
	// only wrapper lines matched, the first of those. Nil when none matched.
	Root *Finding `json:"root,omitempty"`
	// Also lists the other causes, in the order they first appeared.
	Also []Also `json:"also,omitempty"`
	// Guess is the closest cause when nothing matched ("" when nothing in
	// the input resembles one); Closest lists it and the next closest, up
	// to three, most alike first.
	Guess   Cause   `json:"guess,omitempty"`
	Closest []Cause `json:"closest,omitempty"`
	// Lines and Bytes count the input; Cut counts lines longer than
	// [MaxLine].
	Lines int   `json:"lines"`
	Bytes int64 `json:"bytes"`
	Cut   int   `json:"cut,omitempty"`
	// Blank is true when the input holds nothing but white space.
	Blank bool `json:"blank,omitempty"`
	// Tool is the command the log seems to come from ("cdk deploy"), or "".
	Tool string `json:"tool,omitempty"`
}

// Finding is a line that matched a cause.
type Finding struct {
	Cause Cause `json:"cause"`
	Line  int   `json:"line"`
	// Text is the line, cleaned of control characters, redacted and
	// shortened around the match.
	Text string `json:"text"`
	// Vars holds what the rule reads out of the line (accounts, profile
	// and role names, ...), taken from the redacted text.
	Vars map[string]string `json:"vars,omitempty"`
	Weak bool              `json:"weak,omitempty"`
}

// Also is another cause found after (or besides) the root.
type Also struct {
	Cause Cause `json:"cause"`
	Line  int   `json:"line"`
}

// toolHints name the command a log comes from, for the fixes.
var toolHints = []struct{ needle, cmd string }{
	{"aws-cdk", "cdk deploy"},
	{"cdktoolkit", "cdk deploy"},
	{"cdk-hnb659fds", "cdk deploy"},
	{"cdk deploy", "cdk deploy"},
	{"synthesis time", "cdk deploy"},
	{"cdk bootstrap", "cdk deploy"},
	{"need to perform aws calls for account", "cdk deploy"},
	{"unable to resolve aws account to use", "cdk deploy"},
	{"has the environment been bootstrapped", "cdk deploy"},
	{"bootstrap stack version", "cdk deploy"},
	{"terraform", "terraform apply"},
	{"sam deploy", "sam deploy"},
	{"serverless", "serverless deploy"},
	{"pulumi", "pulumi up"},
}

// ScanLog reads r to its end and finds the root cause. Memory is bounded by
// [MaxLine] whatever the input's size. Binary input is read like text; its
// bytes never reach the output unfiltered.
func ScanLog(r io.Reader) (*Scan, error) {
	a := compiled()
	st := &scanner{a: a, mark: make([]int, len(a.needles)), kwSeen: make([]bool, len(a.keywords)), seen: map[Cause]bool{}}
	br := bufio.NewReaderSize(r, MaxLine)
	sc := &Scan{Blank: true}
	for {
		line, err := br.ReadSlice('\n')
		sc.Bytes += int64(len(line))
		if len(line) > 0 || err == nil {
			sc.Lines++
			if sc.Blank && len(bytes.TrimSpace(line)) > 0 {
				sc.Blank = false
			}
			st.line(line, sc.Lines)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: it was scanned up to MaxLine;
			// skip the rest of it.
			sc.Cut++
			for errors.Is(err, bufio.ErrBufferFull) {
				var rest []byte
				rest, err = br.ReadSlice('\n')
				sc.Bytes += int64(len(rest))
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return sc, err
		}
	}
	st.finish(sc)
	return sc, nil
}

// scanner is the state of one ScanLog.
type scanner struct {
	a      *automaton
	hits   []int32
	mark   []int // needle -> last line it was seen on
	kwSeen []bool
	tool   string

	strong, weak *pending
	seen         map[Cause]bool
	also         []Also
}

// pending is a matched line kept until the end of the input.
type pending struct {
	rule int
	pat  int
	line int
	raw  []byte
}

func (s *scanner) line(b []byte, n int) {
	s.hits = s.a.scan(b, s.hits[:0])
	if len(s.hits) == 0 {
		return
	}
	best, bestPat, bestPrio := -1, -1, 0
	for _, id := range s.hits {
		if s.mark[id] == n {
			continue
		}
		s.mark[id] = n
		nd := &s.a.needles[id]
		if nd.tool != "" && s.tool == "" {
			s.tool = nd.tool
		}
		for _, k := range nd.keywords {
			s.kwSeen[k] = true
		}
	}
	for _, id := range s.hits {
		for _, u := range s.a.needles[id].uses {
			pt := &rules[u.rule].Match[u.pat]
			if !s.all(pt, u.rule, u.pat, n) {
				continue
			}
			prio := rules[u.rule].Priority + pt.Boost
			if best < 0 || prio > bestPrio || prio == bestPrio && u.rule < best {
				best, bestPat, bestPrio = u.rule, u.pat, prio
			}
		}
	}
	if best < 0 {
		return
	}
	c := rules[best].Cause
	isWeak := rules[best].Match[bestPat].Weak
	switch {
	case !isWeak && s.strong == nil:
		s.strong = &pending{rule: best, pat: bestPat, line: n, raw: bytes.Clone(b)}
	case isWeak && s.weak == nil:
		s.weak = &pending{rule: best, pat: bestPat, line: n, raw: bytes.Clone(b)}
	}
	if !s.seen[c] && len(s.also) < maxAlso+1 {
		s.seen[c] = true
		s.also = append(s.also, Also{Cause: c, Line: n})
	}
}

// all reports whether every fragment of the pattern was seen on line n.
func (s *scanner) all(pt *Pattern, rule, pat, n int) bool {
	for _, id := range s.a.patNeedles[rule][pat] {
		if s.mark[id] != n {
			return false
		}
	}
	return true
}

func (s *scanner) finish(sc *Scan) {
	sc.Tool = s.tool
	root := s.strong
	if root == nil {
		root = s.weak
	}
	if root != nil {
		r := &rules[root.rule]
		// Redacted before cleaning too: cleaning drops escape sequences
		// and the bytes they swallow, which can be the first characters of
		// a secret ("\x1b[" before a key), leaving a piece too short to
		// look like one.
		text := Redact(clean([]byte(Redact(string(root.raw)))))
		sc.Root = &Finding{
			Cause: r.Cause,
			Line:  root.line,
			Text:  shorten(text, lower(r.Match[root.pat].All[0])),
			Vars:  extract(r, text),
			Weak:  r.Match[root.pat].Weak,
		}
		for _, a := range s.also {
			if a.Cause != r.Cause && len(sc.Also) < maxAlso {
				sc.Also = append(sc.Also, a)
			}
		}
		return
	}
	// The closest causes are those whose keywords the input shares most,
	// in table order among equals.
	type guess struct{ rule, score int }
	var gs []guess
	for i := range rules {
		n := 0
		for _, k := range s.a.ruleKeywords[i] {
			if s.kwSeen[k] {
				n++
			}
		}
		if n > 0 {
			gs = append(gs, guess{i, n})
		}
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].score > gs[j].score })
	for _, g := range gs[:min(len(gs), maxClosest)] {
		sc.Closest = append(sc.Closest, rules[g.rule].Cause)
	}
	if len(sc.Closest) > 0 {
		sc.Guess = sc.Closest[0]
	}
}

// maxClosest is how many close causes a scan names when none matched.
const maxClosest = 3

// extract reads the rule's named groups out of the line.
func extract(r *Rule, line string) map[string]string {
	var out map[string]string
	for _, re := range extractors(r) {
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for i, name := range re.SubexpNames() {
			if name == "" || m[i] == "" {
				continue
			}
			if out == nil {
				out = map[string]string{}
			}
			if _, ok := out[name]; !ok {
				out[name] = strings.Trim(m[i], `"'.,;`)
			}
		}
	}
	return out
}

var extractCache sync.Map // *Rule -> []*regexp.Regexp

func extractors(r *Rule) []*regexp.Regexp {
	if v, ok := extractCache.Load(r); ok {
		return v.([]*regexp.Regexp)
	}
	res := make([]*regexp.Regexp, len(r.Extract))
	for i, s := range r.Extract {
		res[i] = regexp.MustCompile(s)
	}
	extractCache.Store(r, res)
	return res
}

// clean drops terminal escape sequences and replaces other control
// characters and invalid UTF-8, so a pasted log cannot drive the terminal.
func clean(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == 0x1b:
			i = skipEscape(b, i)
			continue
		case c == '\t' || c == '\r' || c == '\n':
			sb.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
			// drop other C0 controls
		case c < utf8.RuneSelf:
			sb.WriteByte(c)
		default:
			r, size := utf8.DecodeRune(b[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				sb.WriteByte('?')
			case r >= 0x80 && r <= 0x9f, r == 0x2028, r == 0x2029, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
				// C1 controls, line separators and bidi overrides
			default:
				sb.WriteRune(r)
			}
			i += size
			continue
		}
		i++
	}
	return strings.Join(strings.Fields(sb.String()), " ")
}

// skipEscape returns the index after the escape sequence at b[i]. It
// follows a terminal's parser: ESC always starts a new sequence, so a
// sequence cut short by one ends there; CAN and SUB abort a sequence; other
// C0 controls inside a CSI are acted on, not part of it (clean drops them).
func skipEscape(b []byte, i int) int {
	i++
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '[': // CSI: parameter and intermediate bytes, then a final byte
		for i++; i < len(b); i++ {
			switch c := b[i]; {
			case c >= 0x40 && c <= 0x7e, c == 0x18, c == 0x1a:
				return i + 1
			case c == 0x1b, c >= 0x80:
				return i
			}
		}
		return i
	case ']': // OSC: until BEL or ESC \ (ST)
		for i++; i < len(b); i++ {
			switch b[i] {
			case 0x07, 0x18, 0x1a:
				return i + 1
			case 0x1b:
				if i+1 < len(b) && b[i+1] == '\\' {
					return i + 2
				}
				return i
			}
		}
		return i
	case 0x1b:
		return i
	}
	return i + 1
}

// shorten keeps at most maxShown bytes of s, around the first occurrence of
// the fragment that matched.
func shorten(s, frag string) string {
	if len(s) <= maxShown {
		return s
	}
	at := strings.Index(asciiLower(s), frag)
	if at < 0 {
		at = 0
	}
	start := max(at-maxShown/3, 0)
	end := min(start+maxShown, len(s))
	start = max(end-maxShown, 0)
	for start > 0 && !utf8.RuneStart(s[start]) {
		start++
	}
	for end < len(s) && !utf8.RuneStart(s[end]) {
		end--
	}
	out := s[start:end]
	if start > 0 {
		out = "…" + out
	}
	if end < len(s) {
		out += "…"
	}
	return out
}

// asciiLower lowers ASCII letters only, keeping byte offsets unchanged.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
