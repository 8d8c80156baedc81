package hdf5

// WalkFunc is called by Walk for every object: exactly one of g and d is
// non-nil. Returning an error stops the walk and Walk returns it.
type WalkFunc func(path string, g *Group, d *Dataset) error

// Walk visits g and every object below it depth-first, members in the order
// of Members. An object reached through more than one hard link (including a
// link back to an ancestor) is visited once, so the walk always ends. Soft
// and external links are not followed.
func (g *Group) Walk(fn WalkFunc) error {
	seen := map[uint64]bool{g.addr: true}
	if err := fn(g.path, g, nil); err != nil {
		return err
	}
	return g.walk(fn, seen)
}

func (g *Group) walk(fn WalkFunc, seen map[uint64]bool) error {
	for _, name := range g.names {
		l := g.links[name]
		if l.soft != "" || l.ext || seen[l.addr] {
			continue
		}
		seen[l.addr] = true
		h, err := g.f.readObjectHeader(l.addr)
		if err != nil {
			return err
		}
		p := joinPath(g.path, name)
		if isDataset(h) {
			d, err := g.f.datasetFromHeader(h, p)
			if err != nil {
				return err
			}
			if err := fn(p, nil, d); err != nil {
				return err
			}
			continue
		}
		sub, err := g.f.groupFromHeader(h, p)
		if err != nil {
			return err
		}
		if err := fn(p, sub, nil); err != nil {
			return err
		}
		if err := sub.walk(fn, seen); err != nil {
			return err
		}
	}
	return nil
}
