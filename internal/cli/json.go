package cli

import (
	"fmt"
	"io"
	"strconv"
)

// jsonWriter streams JSON with exactly the spacing of iproute2's
// json_writer: compact for -j, and for -j -p four-space indentation with
// members on their own lines, arrays as "[ a,b ]" and objects in arrays
// joined as "},{". Keeping the bytes identical lets scripts and tests
// compare govrf's output with ip's verbatim.
type jsonWriter struct {
	w      io.Writer
	pretty bool
	depth  int
	sep    bool // a value was written at this level: the next needs a comma
	err    error
}

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = io.WriteString(j.w, s)
	}
}

// eol starts a new indented line in pretty mode.
func (j *jsonWriter) eol() {
	if !j.pretty {
		return
	}
	j.raw("\n")
	for range j.depth {
		j.raw("    ")
	}
}

// eor separates this value from the previous one at the same level.
func (j *jsonWriter) eor() {
	if j.sep {
		j.raw(",")
	}
	j.sep = true
}

func (j *jsonWriter) begin(c string) {
	j.eor()
	j.raw(c)
	j.depth++
	j.sep = false
}

func (j *jsonWriter) end(c string) {
	j.depth--
	if j.sep {
		j.eol()
	}
	j.raw(c)
	j.sep = true
}

// name writes an object member's key; its value follows.
func (j *jsonWriter) name(key string) {
	j.eor()
	j.eol()
	j.sep = false
	j.quoted(key)
	j.raw(":")
	if j.pretty {
		j.raw(" ")
	}
}

func (j *jsonWriter) startObject() { j.begin("{") }
func (j *jsonWriter) endObject()   { j.end("}") }

func (j *jsonWriter) startArray() {
	j.begin("[")
	if j.pretty {
		j.raw(" ")
	}
}

func (j *jsonWriter) endArray() {
	if j.pretty && j.sep {
		j.raw(" ")
	}
	j.sep = false
	j.end("]")
}

// value writes a literal (number, true, false, null) as the next value.
func (j *jsonWriter) value(lit string) {
	j.eor()
	j.raw(lit)
}

// str writes a string as the next value.
func (j *jsonWriter) str(s string) {
	j.eor()
	j.quoted(s)
}

// quoted writes s as a JSON string, escaping as json_writer does.
func (j *jsonWriter) quoted(s string) {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\f':
			b = append(b, `\f`...)
		case '\b':
			b = append(b, `\b`...)
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		default:
			if c < 0x20 || c == 0x7f {
				b = fmt.Appendf(b, `\u%04x`, c)
			} else {
				b = append(b, c)
			}
		}
	}
	b = append(b, '"')
	j.raw(string(b))
}

// uintLit and intLit format numbers as JSON literals.
func uintLit(v uint64) string { return strconv.FormatUint(v, 10) }
func intLit(v int64) string   { return strconv.FormatInt(v, 10) }
