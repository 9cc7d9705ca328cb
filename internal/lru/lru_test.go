package lru

import (
	"sync"
	"testing"
)

func TestMapEvictsLeastRecentlyUsed(t *testing.T) {
	m := New[string, int](2)
	m.Put("a", 1)
	m.Put("b", 2)
	if v, ok := m.Get("a"); !ok || v != 1 { // a is now the most recent
		t.Fatalf("Get(a) = %d, %v", v, ok)
	}
	m.Put("c", 3) // evicts b, not a
	if _, ok := m.Get("b"); ok {
		t.Error("b survived although it was least recently used")
	}
	if v, ok := m.Get("a"); !ok || v != 1 {
		t.Errorf("a was evicted: %d, %v", v, ok)
	}
	m.Put("a", 10)
	if v, _ := m.Get("a"); v != 10 || m.Len() != 2 {
		t.Errorf("update: a = %d, len %d", v, m.Len())
	}
	m.Clear()
	if m.Len() != 0 {
		t.Errorf("len after Clear = %d", m.Len())
	}
}

func TestMapConcurrent(t *testing.T) {
	m := New[int, int](16)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				m.Put(g*1000+i, i)
				m.Get(i)
			}
		}()
	}
	wg.Wait()
	if m.Len() > 16 {
		t.Errorf("len = %d, over the bound", m.Len())
	}
}
