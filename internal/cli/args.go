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
