// Package lru is a bounded map that forgets the least recently used key
// first: caches and per-conversation state that must not grow with every
// user a long-running bot meets.
package lru

import (
	"container/list"
	"sync"
)

// Map is a bounded map safe for concurrent use. The zero value is not
// usable; call New.
type Map[K comparable, V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used
	items map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key K
	val V
}

// New returns a Map holding at most size keys (at least one).
func New[K comparable, V any](size int) *Map[K, V] {
	return &Map[K, V]{max: max(size, 1), order: list.New(), items: make(map[K]*list.Element)}
}

// Get returns the value for k and marks it used.
func (m *Map[K, V]) Get(k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[k]; ok {
		m.order.MoveToFront(e)
		return e.Value.(*entry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Put sets the value for k, forgetting the least recently used key when full.
func (m *Map[K, V]) Put(k K, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[k]; ok {
		e.Value.(*entry[K, V]).val = v
		m.order.MoveToFront(e)
		return
	}
	m.items[k] = m.order.PushFront(&entry[K, V]{k, v})
	if m.order.Len() > m.max {
		last := m.order.Back()
		m.order.Remove(last)
		delete(m.items, last.Value.(*entry[K, V]).key)
	}
}

// Clear forgets every key.
func (m *Map[K, V]) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.order.Init()
	clear(m.items)
}

// Len is the number of keys held.
func (m *Map[K, V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}
