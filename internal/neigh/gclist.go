package neigh

// The GC list is Linux's gc_list: a table's dynamic entries (all but
// PERMANENT and extern_learn ones) in the order they joined it, oldest first,
// which forced GC walks. Its length is what gc_thresh2, gc_thresh3 and
// the Budget count.

// gcLink appends e to the GC list. reserved says its place in the Budget
// was already taken (admit); otherwise it is charged now.
func (t *table) gcLink(e *entry, reserved bool) {
	if !reserved {
		t.budget.charge(t.gcCount)
	}
	e.onGC = true
	e.gcPrev, e.gcNext = t.gcTail, nil
	if t.gcTail != nil {
		t.gcTail.gcNext = e
	} else {
		t.gcHead = e
	}
	t.gcTail = e
	t.gcCount++
}

// gcUnlink takes e off the GC list and gives its place in the Budget
// back.
func (t *table) gcUnlink(e *entry) {
	if e.gcPrev != nil {
		e.gcPrev.gcNext = e.gcNext
	} else {
		t.gcHead = e.gcNext
	}
	if e.gcNext != nil {
		e.gcNext.gcPrev = e.gcPrev
	} else {
		t.gcTail = e.gcPrev
	}
	e.gcPrev, e.gcNext, e.onGC = nil, nil, false
	t.gcCount--
	t.budget.release(t.gcCount)
}

// gcTrack keeps e on the GC list exactly while it is a dynamic entry of
// the table (neigh_update_gc_list), after a change to state s, and wakes
// forced GC when e may have become collectable.
func (t *table) gcTrack(e *entry, s State) {
	if on := s != StateNone && !s.exempt() && !e.externLearn; on != e.onGC {
		if on {
			t.gcLink(e, false)
		} else {
			t.gcUnlink(e)
		}
	}
	if !s.timed() {
		t.gcSleep = false
	}
}
