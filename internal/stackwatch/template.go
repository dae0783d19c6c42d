package stackwatch

import (
	"bufio"
	"encoding/json"
	"strings"
)

// TemplateResources returns the logical ids of the resources a template
// creates unconditionally, for [Model.DeclareResources]. It reads JSON
// templates (what the CDK synthesises) fully and YAML templates by their
// indentation, which covers the block style templates are written in. ok is
// false when it could find no Resources section; resources with a Condition
// are left out, since they may never be created.
func TemplateResources(body string) (ids []string, ok bool) {
	trimmed := strings.TrimSpace(body)
	if strings.HasPrefix(trimmed, "{") {
		var t struct {
			Resources map[string]struct {
				Condition json.RawMessage `json:"Condition"`
			} `json:"Resources"`
		}
		if err := json.Unmarshal([]byte(trimmed), &t); err != nil || t.Resources == nil {
			return nil, false
		}
		for id, r := range t.Resources {
			if len(r.Condition) == 0 {
				ids = append(ids, id)
			}
		}
		return ids, true
	}
	return yamlResources(body)
}

// yamlResources reads the keys under a top-level "Resources:" and drops
// those with a "Condition:" key one level further in.
func yamlResources(body string) ([]string, bool) {
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var (
		in, found   bool
		keyIndent   = -1
		propIndent  = -1
		current     string
		conditional bool
		ids         []string
	)
	flush := func() {
		if current != "" && !conditional {
			ids = append(ids, current)
		}
		current, conditional, propIndent = "", false, -1
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		content := strings.TrimLeft(line, " ")
		if content == "" || strings.HasPrefix(content, "#") || content == "---" {
			continue
		}
		indent := len(line) - len(content)
		if indent == 0 {
			if in {
				break
			}
			if key, _, isKey := yamlKey(content); isKey && key == "Resources" {
				in, found = true, true
			}
			continue
		}
		if !in {
			continue
		}
		if keyIndent < 0 {
			keyIndent = indent
		}
		switch {
		case indent == keyIndent:
			flush()
			if key, _, isKey := yamlKey(content); isKey {
				current = key
			}
		case indent > keyIndent && current != "":
			if propIndent < 0 {
				propIndent = indent
			}
			if key, _, isKey := yamlKey(content); isKey && indent == propIndent && key == "Condition" {
				conditional = true
			}
		}
	}
	flush()
	return ids, found
}

// yamlKey splits "Key: value" or "Key:" into its key, unquoting it.
func yamlKey(s string) (key, rest string, ok bool) {
	k, rest, ok := strings.Cut(s, ":")
	if !ok || k == "" || strings.ContainsAny(k[:1], "-[{") {
		return "", "", false
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", "", false
	}
	k = strings.Trim(strings.TrimSpace(k), `"'`)
	return k, strings.TrimSpace(rest), k != ""
}
