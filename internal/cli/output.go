package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/govrf/govrf/internal/control"
)

// printMode says where a field goes, as iproute2's enum output_type: show
// code is written once and prints either ip's text or its -j JSON.
type printMode uint8

const (
	printAny  printMode = iota // text and JSON
	printJSON                  // JSON only
	printText                  // text only
)

// printer writes one show command's output as ip does: text lines, or with
// -j a JSON array of objects (-p indents it) ended by a newline. Text
// formats are fmt formats taking the one value.
type printer struct {
	out io.Writer
	j   *jsonWriter // nil for text output
	sl  string      // the line separator: "\n", or "\\" with -oneline (_SL_)
}

// newPrinter starts a command's output; with -j it opens the top-level
// array (new_json_obj). Call close when done.
func (c *ctx) newPrinter() *printer {
	p := &printer{out: c.out, sl: "\n"}
	if c.opts.Oneline {
		p.sl = "\\"
	}
	if c.opts.JSON {
		p.j = &jsonWriter{w: c.out, pretty: c.opts.Pretty}
		p.j.startArray()
	}
	return p
}

// close ends the output (delete_json_obj): the array's "]" and a newline.
func (p *printer) close() {
	if p.j != nil {
		p.j.endArray()
		p.j.raw("\n")
	}
}

// isJSON reports whether the output is JSON.
func (p *printer) isJSON() bool { return p.j != nil }

func (p *printer) toJSON(m printMode) bool { return p.j != nil && m != printText }
func (p *printer) toText(m printMode) bool { return p.j == nil && m != printJSON }

// textf prints text output only.
func (p *printer) textf(format string, a ...any) {
	if p.j == nil {
		fmt.Fprintf(p.out, format, a...)
	}
}

// nl ends a text line (print_nl); with -oneline it prints a backslash
// instead, so that a record stays on one line.
func (p *printer) nl() { p.textf("%s", p.sl) }

// openObject starts a JSON object, as a member named key or, with key "",
// as an array element. Text output is unaffected.
func (p *printer) openObject(key string) {
	if p.j == nil {
		return
	}
	if key != "" {
		p.j.name(key)
	}
	p.j.startObject()
}

// closeObject ends the object openObject started.
func (p *printer) closeObject() {
	if p.j != nil {
		p.j.endObject()
	}
}

// openArray starts a JSON array named key (none for key ""); text output
// prints text instead, typically the opening delimiter ("<").
func (p *printer) openArray(m printMode, key, text string) {
	switch {
	case p.toJSON(m):
		if key != "" {
			p.j.name(key)
		}
		p.j.startArray()
	case p.toText(m):
		io.WriteString(p.out, text)
	}
}

// closeArray ends the array; text output prints text (">").
func (p *printer) closeArray(m printMode, text string) {
	switch {
	case p.toJSON(m):
		p.j.endArray()
	case p.toText(m):
		io.WriteString(p.out, text)
	}
}

// member writes key (if any) and then a literal or quoted value.
func (p *printer) member(key, lit string, quoted bool) {
	if key != "" {
		p.j.name(key)
	}
	if quoted {
		p.j.str(lit)
	} else {
		p.j.value(lit)
	}
}

// str prints a string: a JSON member key (an array element for key "") or
// value formatted with format as text.
func (p *printer) str(m printMode, key, format, value string) {
	switch {
	case p.toJSON(m):
		p.member(key, value, true)
	case p.toText(m):
		p.text(format, value)
	}
}

// text prints format with v, or format alone when it has no verb (ip's
// printf ignores a value its format does not use).
func (p *printer) text(format string, v any) {
	if strings.Contains(format, "%") {
		fmt.Fprintf(p.out, format, v)
	} else {
		io.WriteString(p.out, format)
	}
}

// uint prints an unsigned number.
func (p *printer) uint(m printMode, key, format string, v uint64) {
	p.scalar(m, key, format, uintLit(v), v)
}

// int prints a signed number.
func (p *printer) int(m printMode, key, format string, v int64) {
	p.scalar(m, key, format, intLit(v), v)
}

// bool prints true/false in JSON; text prints format with "true"/"false"
// (print_bool).
func (p *printer) bool(m printMode, key, format string, v bool) {
	lit := "false"
	if v {
		lit = "true"
	}
	p.scalar(m, key, format, lit, lit)
}

// null prints JSON null, or text as str does (print_null).
func (p *printer) null(m printMode, key, format, text string) {
	p.scalar(m, key, format, "null", text)
}

// scalar prints the JSON literal lit as key's value, or format with v as
// text.
func (p *printer) scalar(m printMode, key, format, lit string, v any) {
	switch {
	case p.toJSON(m):
		p.member(key, lit, false)
	case p.toText(m):
		p.text(format, v)
	}
}

// devName names link index as ll_index_to_name does: the link's name, or
// "if%d" for an index that has none (a link deleted since).
func devName(s *control.Snapshot, index int) string {
	if l := s.Link(index); l != nil {
		return l.Name
	}
	return fmt.Sprintf("if%d", index)
}
