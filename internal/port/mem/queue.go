package mem

// queue is a ring of frames. Its slots keep their buffers when emptied,
// so once each slot has held a frame as long as the traffic's longest,
// pushing allocates nothing.
type queue struct {
	slots [][]byte
	head  int // index of the oldest frame
	n     int // frames queued
}

func newQueue(n int) queue { return queue{slots: make([][]byte, n)} }

// push copies f to the back of the queue, reporting false when it is full.
func (q *queue) push(f []byte) bool {
	if q.n == len(q.slots) {
		return false
	}
	i := (q.head + q.n) % len(q.slots)
	q.slots[i] = append(q.slots[i][:0], f...)
	q.n++
	return true
}

// front returns the oldest frame; the queue must not be empty. The bytes
// stay valid until the next push.
func (q *queue) front() []byte { return q.slots[q.head] }

// pop removes the oldest frame.
func (q *queue) pop() {
	q.head = (q.head + 1) % len(q.slots)
	q.n--
}

// reset empties the queue, releasing its buffers.
func (q *queue) reset() {
	clear(q.slots)
	q.head, q.n = 0, 0
}
