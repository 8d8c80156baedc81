package hdf5

import (
	"bytes"
	"sort"
	"strings"
)

// link is one named member of a group.
type link struct {
	name string
	addr uint64 // hard link: object header address
	soft string // soft link: target path
	ext  bool   // external link (not followed)
}

// Group is an HDF5 group: named links to other groups and datasets, and
// attributes.
type Group struct {
	f     *File
	path  string
	addr  uint64
	links map[string]link
	names []string // sorted
	attrs []*Attribute
}

// Path returns the group's absolute path, e.g. "/node/lif".
func (g *Group) Path() string { return g.path }

// Members returns the names of the group's links, sorted by byte value
// (the order old-style groups store them in, and independent of the
// creation order new-style groups record).
func (g *Group) Members() []string { return append([]string(nil), g.names...) }

// Attrs returns the group's attributes in the order they appear in the
// object header.
func (g *Group) Attrs() []*Attribute { return g.attrs }

// Attr returns the named attribute, or nil.
func (g *Group) Attr(name string) *Attribute { return findAttr(g.attrs, name) }

// Has reports whether the group has a member with this name.
func (g *Group) Has(name string) bool { _, ok := g.links[name]; return ok }

// Kind of a member: "group", "dataset", or an error (missing member,
// external link, unreadable header).
func (g *Group) Kind(name string) (string, error) {
	h, _, err := g.resolve(name)
	if err != nil {
		return "", err
	}
	if isDataset(h) {
		return "dataset", nil
	}
	return "group", nil
}

// Group opens the member group name; name may be a relative path "a/b" or
// an absolute path "/a/b".
func (g *Group) Group(name string) (*Group, error) {
	h, p, err := g.resolve(name)
	if err != nil {
		return nil, err
	}
	if isDataset(h) {
		return nil, errAt("group "+p, h.off, "is a dataset, not a group")
	}
	return g.f.groupFromHeader(h, p)
}

// Dataset opens the member dataset name; name may be a path as for Group.
func (g *Group) Dataset(name string) (*Dataset, error) {
	h, p, err := g.resolve(name)
	if err != nil {
		return nil, err
	}
	if !isDataset(h) {
		return nil, errAt("dataset "+p, h.off, "is a group, not a dataset")
	}
	return g.f.datasetFromHeader(h, p)
}

func isDataset(h *objHeader) bool { return h.first(msgLayout) != nil }

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// resolve follows a path of links from g and reads the final object header.
func (g *Group) resolve(name string) (*objHeader, string, error) {
	budget := maxLinkDepth
	return g.resolveSoft(name, &budget)
}

// resolveSoft resolves name, spending one unit of *budget per soft link
// followed, so chains and cycles of soft links end with an error.
func (g *Group) resolveSoft(name string, budget *int) (*objHeader, string, error) {
	cur := g
	if strings.HasPrefix(name, "/") {
		cur = g.f.root
	}
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '/' })
	if len(parts) == 0 {
		h, err := g.f.readObjectHeader(cur.addr)
		return h, cur.path, err
	}
	for _, part := range parts[:len(parts)-1] {
		h, p, err := cur.follow(part, budget)
		if err != nil {
			return nil, "", err
		}
		if isDataset(h) {
			return nil, "", errAt("group "+p, h.off, "is a dataset, not a group")
		}
		if cur, err = g.f.groupFromHeader(h, p); err != nil {
			return nil, "", err
		}
	}
	return cur.follow(parts[len(parts)-1], budget)
}

// follow reads the object header that the link name of g points to.
func (g *Group) follow(name string, budget *int) (*objHeader, string, error) {
	l, ok := g.links[name]
	if !ok {
		return nil, "", errAt("group "+g.path, -1, "no member %q", name)
	}
	p := joinPath(g.path, name)
	switch {
	case l.ext:
		return nil, "", unsupportedAt("link "+p, -1, "external link")
	case l.soft != "":
		if *budget--; *budget < 0 {
			return nil, "", errAt("link "+p, -1, "more than %d soft links followed", maxLinkDepth)
		}
		h, _, err := g.resolveSoft(l.soft, budget)
		return h, p, err
	}
	h, err := g.f.readObjectHeader(l.addr)
	return h, p, err
}

func (f *File) openGroup(addr uint64, path string) (*Group, error) {
	h, err := f.readObjectHeader(addr)
	if err != nil {
		return nil, err
	}
	if isDataset(h) {
		return nil, errAt("group "+path, h.off, "is a dataset, not a group")
	}
	return f.groupFromHeader(h, path)
}

func (f *File) groupFromHeader(h *objHeader, path string) (*Group, error) {
	g := &Group{f: f, path: path, addr: h.addr, links: map[string]link{}}
	var err error
	if g.attrs, err = f.readAttrs(h); err != nil {
		return nil, err
	}
	for i := range h.msgs {
		m := &h.msgs[i]
		switch m.typ {
		case msgSymbolTable:
			c := f.msgCursor("symbol table message", m)
			bt, heap := c.addr(), c.addr()
			if c.err != nil {
				return nil, c.err
			}
			if err := f.readSymbolTable(g, bt, heap); err != nil {
				return nil, err
			}
		case msgLink:
			l, err := f.parseLink(m)
			if err != nil {
				return nil, err
			}
			if err := g.add(l, m.off); err != nil {
				return nil, err
			}
		case msgLinkInfo:
			c := f.msgCursor("link info message", m)
			if v := c.u8(); v != 0 && c.err == nil {
				return nil, errAt("link info message", m.off, "version %d", v)
			}
			flags := c.u8()
			if flags&0x01 != 0 {
				c.u64()
			}
			heap := c.addr()
			if c.err != nil {
				return nil, c.err
			}
			if heap != undef {
				return nil, unsupportedAt("group "+path, m.off, "dense link storage (fractal heap)")
			}
		}
	}
	sort.Strings(g.names)
	return g, nil
}

func (g *Group) add(l link, off int64) error {
	if l.name == "" || strings.Contains(l.name, "/") {
		return errAt("group "+g.path, off, "bad link name %q", l.name)
	}
	if _, dup := g.links[l.name]; dup {
		return errAt("group "+g.path, off, "duplicate link name %q", l.name)
	}
	g.links[l.name] = l
	g.names = append(g.names, l.name)
	return nil
}

func (f *File) parseLink(m *message) (link, error) {
	c := f.msgCursor("link message", m)
	var l link
	if v := c.u8(); v != 1 && c.err == nil {
		return l, errAt("link message", m.off, "version %d", v)
	}
	flags := c.u8()
	typ := uint8(0)
	if flags&0x08 != 0 {
		typ = c.u8()
	}
	if flags&0x04 != 0 {
		c.u64() // creation order
	}
	if flags&0x10 != 0 {
		c.u8() // name character set
	}
	n := c.uvar(1 << (flags & 3))
	if c.err == nil && n > uint64(c.left()) {
		c.failf("link name of %d bytes", n)
	}
	l.name = string(c.bytes(int(n)))
	switch typ {
	case 0:
		l.addr = c.addr()
	case 1:
		k := c.u16()
		l.soft = string(c.bytes(int(k)))
		if c.err == nil && l.soft == "" {
			c.failf("empty soft link")
		}
	case 64:
		l.ext = true
	default:
		c.unsupported("link type %d", typ)
	}
	return l, c.err
}

// localHeap is the data segment of a local heap.
type localHeap struct {
	data []byte
	off  int64
}

func (f *File) readLocalHeap(addr uint64) (*localHeap, error) {
	const what = "local heap"
	c, err := f.read(what, addr, uint64(8+2*f.lenSize+f.offSize))
	if err != nil {
		return nil, err
	}
	c.sig("HEAP")
	if v := c.u8(); v != 0 && c.err == nil {
		return nil, errAt(what, c.off, "version %d", v)
	}
	c.skip(3)
	size := c.length()
	c.length() // free list head
	data := c.addr()
	if c.err != nil {
		return nil, c.err
	}
	d, err := f.read("local heap data", data, size)
	if err != nil {
		return nil, err
	}
	return &localHeap{data: d.b, off: d.off}, nil
}

func (h *localHeap) name(off uint64) (string, error) {
	if off >= uint64(len(h.data)) {
		return "", errAt("local heap data", h.off, "name offset %d outside the %d-byte heap", off, len(h.data))
	}
	s := h.data[off:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", errAt("local heap data", h.off+int64(off), "name not NUL-terminated")
	}
	return string(s[:i]), nil
}

// bTreeV1 walks a version 1 B-tree of the given type (0 group, 1 chunk),
// calling leaf for every (key, child) pair of a level-0 node. keySize is the
// key size in bytes. Nodes are visited once and levels must decrease, so
// cycles are errors.
func (f *File) bTreeV1(addr uint64, typ uint8, keySize int, leaf func(key *cursor, child uint64) error) error {
	seen := map[uint64]bool{}
	var walk func(addr uint64, level int) error
	walk = func(addr uint64, level int) error {
		const what = "B-tree v1 node"
		if seen[addr] {
			return errAt(what, int64(f.base+addr), "node reached twice (cycle or shared subtree)")
		}
		seen[addr] = true
		if len(seen) > maxBTreeNodes {
			return errAt(what, int64(f.base+addr), "more than %d nodes in one tree", maxBTreeNodes)
		}
		hdr := uint64(8 + 2*f.offSize)
		c, err := f.read(what, addr, hdr)
		if err != nil {
			return err
		}
		c.sig("TREE")
		t, lv, n := c.u8(), int(c.u8()), uint64(c.u16())
		if c.err != nil {
			return c.err
		}
		if t != typ {
			return errAt(what, c.off, "node type %d, want %d", t, typ)
		}
		if level >= 0 && lv != level {
			return errAt(what, c.off, "level %d, want %d", lv, level)
		}
		body := n*uint64(keySize+f.offSize) + uint64(keySize)
		c, err = f.read(what, addr, hdr+body)
		if err != nil {
			return err
		}
		c.skip(int(hdr))
		for i := uint64(0); i < n; i++ {
			kb := c.bytes(keySize)
			child := c.addr()
			if c.err != nil {
				return c.err
			}
			key := f.cursor("B-tree v1 key", c.at()-int64(keySize+f.offSize), kb)
			if lv == 0 {
				if err := leaf(key, child); err != nil {
					return err
				}
			} else if err := walk(child, lv-1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(addr, -1)
}

// readSymbolTable adds the links of an old-style group.
func (f *File) readSymbolTable(g *Group, btree, heapAddr uint64) error {
	heap, err := f.readLocalHeap(heapAddr)
	if err != nil {
		return err
	}
	seenNodes := map[uint64]bool{}
	return f.bTreeV1(btree, 0, f.lenSize, func(_ *cursor, child uint64) error {
		const what = "symbol table node"
		if seenNodes[child] {
			return errAt(what, int64(f.base+child), "node listed twice in the group's B-tree")
		}
		seenNodes[child] = true
		c, err := f.read(what, child, 8)
		if err != nil {
			return err
		}
		c.sig("SNOD")
		if v := c.u8(); v != 1 && c.err == nil {
			return errAt(what, c.off, "version %d", v)
		}
		c.skip(1)
		n := uint64(c.u16())
		if c.err != nil {
			return c.err
		}
		c, err = f.read(what, child, 8+n*uint64(f.entrySize()))
		if err != nil {
			return err
		}
		c.skip(8)
		for i := uint64(0); i < n; i++ {
			at := c.at()
			e := f.symbolEntry(c)
			if c.err != nil {
				return c.err
			}
			name, err := heap.name(e.nameOff)
			if err != nil {
				return err
			}
			l := link{name: name, addr: e.header}
			if e.cache == 2 {
				if l.soft, err = heap.name(uint64(e.softLink)); err != nil {
					return err
				}
				if l.soft == "" {
					return errAt(what, at, "empty soft link %q", name)
				}
			}
			if err := g.add(l, at); err != nil {
				return err
			}
		}
		return nil
	})
}
