// Reading CHALLENGES.md: parts, exercises, their hints and the command
// that checks each. The parser is forgiving because the book grows: it
// accepts "**Hint.**" and "**Hint:**", check commands inline, in a fenced
// block or indented, and skips whatever else it finds.

package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// exercise is one "### " section of the book.
type exercise struct {
	Part  string // the "## " heading it sits under
	Title string
	Slug  string // the title in lower case, words joined by '-'
	Text  string // the whole section, heading included
	Hint  string // the hint paragraph, without its label
	Check string // the check command, such as "go test -tags challenge -run X ./pkg/x"
	Test  string // the -run pattern of Check
}

var (
	labelRe = regexp.MustCompile(`^\*\*(Hint|Check)[.:]\*\*[:.]?\s*`)
	runRe   = regexp.MustCompile(`-run[= ]+'?([^\s']+)`)
	slugRe  = regexp.MustCompile(`[^a-z0-9]+`)
)

// parseExercises reads the book.
func parseExercises(r io.Reader) ([]exercise, error) {
	var (
		out     []exercise
		part    string
		cur     *exercise
		text    []string
		section string // "hint" or "check" while inside that paragraph
		fenced  bool
	)
	finish := func() {
		if cur != nil {
			cur.Text = strings.TrimSpace(strings.Join(text, "\n"))
			cur.Hint = strings.TrimSpace(cur.Hint)
			if m := runRe.FindStringSubmatch(cur.Check); m != nil {
				cur.Test = m[1]
			}
			out = append(out, *cur)
		}
		cur, text, section = nil, nil, ""
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			fenced = !fenced
		}
		if !fenced {
			switch {
			case strings.HasPrefix(line, "## "):
				finish()
				part = strings.TrimSpace(line[3:])
				continue
			case strings.HasPrefix(line, "### "):
				finish()
				title := strings.ReplaceAll(strings.TrimSpace(line[4:]), "`", "")
				cur = &exercise{Part: part, Title: title, Slug: slugify(title)}
			}
		}
		if cur == nil {
			continue
		}
		text = append(text, line)
		if m := labelRe.FindStringSubmatch(trimmed); m != nil {
			section = strings.ToLower(m[1])
			trimmed = trimmed[len(m[0]):]
		} else if trimmed == "" && section == "hint" {
			section = ""
		}
		switch section {
		case "hint":
			cur.Hint += trimmed + "\n"
		case "check":
			if cur.Check == "" {
				if i := strings.Index(trimmed, "go test"); i >= 0 {
					cur.Check = strings.Trim(trimmed[i:], "` ")
				}
			}
		}
	}
	finish()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read exercises: %w", err)
	}
	return out, nil
}

func slugify(title string) string {
	title = strings.NewReplacer("'", "", "’", "").Replace(strings.ToLower(title)) // "don't" is one word
	return strings.Trim(slugRe.ReplaceAllString(title, "-"), "-")
}

// find returns the exercise name points to: its slug or its test name,
// exactly, or else the only one whose slug or test name starts with (or
// failing that, contains) name, ignoring case.
func find(exs []exercise, name string) (exercise, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return exercise{}, fmt.Errorf("which exercise? (workshop list shows them)")
	}
	for _, match := range []func(s string) bool{
		func(s string) bool { return s == name },
		func(s string) bool { return strings.HasPrefix(s, name) },
		func(s string) bool { return strings.Contains(s, name) },
	} {
		var hits []exercise
		for _, ex := range exs {
			if match(ex.Slug) || ex.Test != "" && match(strings.ToLower(ex.Test)) {
				hits = append(hits, ex)
			}
		}
		switch {
		case len(hits) == 1:
			return hits[0], nil
		case len(hits) > 1:
			var names []string
			for _, h := range hits {
				names = append(names, h.Slug)
			}
			return exercise{}, fmt.Errorf("%q matches %d exercises: %s", name, len(hits), strings.Join(names, ", "))
		}
	}
	return exercise{}, fmt.Errorf("no exercise matches %q (workshop list shows them)", name)
}
