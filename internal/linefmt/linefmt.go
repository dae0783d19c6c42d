// Package linefmt renders the short user formats of awsauth (the prompt
// line, synced profile names) written in the part of Go's template syntax
// that such a line needs:
//
//	{{.Name}}                       a field
//	{{if .Name}}...{{else}}...{{end}} a field that is set (non-empty, true)
//	{{- ... -}}                     trim the spaces next to an action
//
// It exists so that awsauth does not link text/template: that package looks
// methods up by name at run time, which makes the linker keep every exported
// method of every type in the program, and the binary then starts about a
// millisecond slower, which matters for commands run at every shell prompt.
// Fields are checked when the format is parsed, so a typo is an error before
// anything runs.
package linefmt

import (
	"fmt"
	"strconv"
	"strings"
)

// Format is a parsed format.
type Format struct {
	nodes []node
}

type node struct {
	text  string // literal text, when field == ""
	field string // a field to print, or the condition of an if
	then  []node // for an if
	els   []node // for an if
	isIf  bool
}

// Parse parses src, allowing only the named fields.
func Parse(src string, fields []string) (*Format, error) {
	allowed := make(map[string]bool, len(fields))
	for _, f := range fields {
		allowed[f] = true
	}
	p := &parser{src: src, allowed: allowed, fields: fields}
	nodes, end, err := p.list()
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, fmt.Errorf("{{%s}} without a matching {{if}}", end)
	}
	return &Format{nodes: nodes}, nil
}

// Execute renders the format. A field is a string or a bool; one missing
// from data prints as nothing and counts as unset.
func (f *Format) Execute(data map[string]any) string {
	var b strings.Builder
	render(&b, f.nodes, data)
	return b.String()
}

func render(b *strings.Builder, nodes []node, data map[string]any) {
	for _, n := range nodes {
		switch {
		case n.isIf:
			if truth(data[n.field]) {
				render(b, n.then, data)
			} else {
				render(b, n.els, data)
			}
		case n.field != "":
			switch v := data[n.field].(type) {
			case string:
				b.WriteString(v)
			case bool:
				b.WriteString(strconv.FormatBool(v))
			}
		default:
			b.WriteString(n.text)
		}
	}
}

func truth(v any) bool {
	switch v := v.(type) {
	case string:
		return v != ""
	case bool:
		return v
	}
	return false
}

type parser struct {
	src     string
	pos     int
	allowed map[string]bool
	fields  []string
	// trimNext is set by a "-}}": the text that follows loses its leading
	// spaces.
	trimNext bool
}

// list parses nodes up to an {{else}}, an {{end}} or the end of src, and
// says which one stopped it ("" for the end of src).
func (p *parser) list() ([]node, string, error) {
	var nodes []node
	for p.pos < len(p.src) {
		open := strings.Index(p.src[p.pos:], "{{")
		text := p.src[p.pos:]
		if open >= 0 {
			text = p.src[p.pos : p.pos+open]
		}
		if p.trimNext {
			text = strings.TrimLeft(text, spaces)
			p.trimNext = false
		}
		if open < 0 {
			p.pos = len(p.src)
			if text != "" {
				nodes = append(nodes, node{text: text})
			}
			break
		}
		start := p.pos + open
		closeAt := strings.Index(p.src[start+2:], "}}")
		if closeAt < 0 {
			return nil, "", fmt.Errorf("unclosed action at byte %d: every {{ needs a }}", start)
		}
		action := p.src[start+2 : start+2+closeAt]
		p.pos = start + 2 + closeAt + 2
		if len(action) > 1 && action[0] == '-' && isSpace(rune(action[1])) {
			text = strings.TrimRight(text, spaces)
			action = action[1:]
		}
		if n := len(action); n > 1 && action[n-1] == '-' && isSpace(rune(action[n-2])) {
			action = action[:n-1]
			p.trimNext = true
		}
		if text != "" {
			nodes = append(nodes, node{text: text})
		}
		words := strings.FieldsFunc(action, isSpace)
		switch {
		case len(words) == 1 && strings.HasPrefix(words[0], "."):
			name, err := p.field(words[0])
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, node{field: name})
		case len(words) == 2 && words[0] == "if":
			name, err := p.field(words[1])
			if err != nil {
				return nil, "", err
			}
			n := node{isIf: true, field: name}
			var stop string
			if n.then, stop, err = p.list(); err != nil {
				return nil, "", err
			}
			if stop == "else" {
				if n.els, stop, err = p.list(); err != nil {
					return nil, "", err
				}
			}
			if stop != "end" {
				return nil, "", fmt.Errorf("{{if %s}} has no {{end}}", words[1])
			}
			nodes = append(nodes, n)
		case len(words) == 1 && (words[0] == "else" || words[0] == "end"):
			return nodes, words[0], nil
		default:
			return nil, "", fmt.Errorf("unsupported action {{%s}}: a format has {{.Field}} and {{if .Field}}...{{else}}...{{end}}, with the fields %s",
				strings.TrimSpace(action), p.fieldList())
		}
	}
	return nodes, "", nil
}

// spaces are what Go templates count as space inside an action and trim
// next to a "{{- " or " -}}".
const spaces = " \t\r\n"

func isSpace(r rune) bool { return strings.ContainsRune(spaces, r) }

func (p *parser) field(word string) (string, error) {
	name, dotted := strings.CutPrefix(word, ".")
	if !dotted {
		return "", fmt.Errorf("%q: write a field with its dot, as in .%s", word, word)
	}
	if !p.allowed[name] {
		return "", fmt.Errorf("no field %q: the fields are %s", word, p.fieldList())
	}
	return name, nil
}

func (p *parser) fieldList() string {
	out := make([]string, len(p.fields))
	for i, f := range p.fields {
		out[i] = "." + f
	}
	return strings.Join(out, " ")
}
