package cli

// args walks a command's words, as iproute2's NEXT_ARG/PREV_ARG do.
type args struct {
	w []string
	i int
}

// more reports whether words remain.
func (a *args) more() bool { return a.i < len(a.w) }

// peek returns the current word without consuming it ("" at the end).
func (a *args) peek() string {
	if a.i < len(a.w) {
		return a.w[a.i]
	}
	return ""
}

// next consumes and returns the current word.
func (a *args) next() string {
	s := a.peek()
	a.i++
	return s
}

// value consumes the value of keyword key, failing as NEXT_ARG does when
// the command line ends.
func (a *args) value() (string, error) {
	if !a.more() {
		return "", errIncomplete()
	}
	return a.next(), nil
}

// rest returns the words not consumed yet.
func (a *args) rest() []string { return a.w[a.i:] }

// matches is iproute2's matches(): arg is a non-empty prefix of keyword.
func matches(arg, keyword string) bool {
	return arg != "" && len(arg) <= len(keyword) && keyword[:len(arg)] == arg
}

// argValue consumes a keyword's value and parses it, failing with
// errInvArg(msg, value) when parse refuses it: the shape of most of ip's
// keyword branches (NEXT_ARG, get_*, invarg).
func argValue[T any](a *args, parse func(string) (T, bool), msg string) (T, error) {
	var zero T
	v, err := a.value()
	if err != nil {
		return zero, err
	}
	x, ok := parse(v)
	if !ok {
		return zero, errInvArg(msg, v)
	}
	return x, nil
}

// scanU32 is scanUint for a 32-bit value (get_u32).
func scanU32(s string) (uint32, bool) {
	n, ok := scanUint(s, 32)
	return uint32(n), ok
}

// scanU64 is scanUint for a 64-bit value (get_be64 of tun_id).
func scanU64(s string) (uint64, bool) { return scanUint(s, 64) }

// scanU16 is scanUint for a 16-bit value (get_u16).
func scanU16(s string) (uint16, bool) {
	n, ok := scanUint(s, 16)
	return uint16(n), ok
}
