package noc

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/neurosim/neurosim/sim"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/scenarios/*.txt")

// TestScenarios runs the scripts in testdata/scenarios. A script is a list
// of directives; "run" is followed by a line "----" and the expected hook
// log (one line per inject, flit hop and delivery, times in cycles) up to a
// blank line. Directives:
//
//	net WxH mesh|torus xy|yx [pipe=P] [link=L] [buf=B] [multicast=false]
//	inject t=CYCLE src=X,Y dst=X,Y[;X,Y...] [flits=F] [a=N]
//	run [until=CYCLE]
//	stats
//
// go test -run TestScenarios -update rewrites the expected output.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runScenario(t, f) })
	}
}

type scenario struct {
	t   *testing.T
	e   *sim.Engine
	n   *Network
	log []string
}

func (s *scenario) cycle() uint64 { return uint64(s.e.Now() / s.n.Period()) }

func (s *scenario) hook(ctx sim.HookCtx) {
	p := ctx.Item.(*Packet)
	c := uint64(ctx.Now / s.n.Period())
	switch ctx.Pos {
	case HookPosInject:
		dst := p.Dst.String()
		if len(p.Dests) > 0 {
			var ds []string
			for _, d := range p.Dests {
				ds = append(ds, d.String())
			}
			dst = "{" + strings.Join(ds, " ") + "}"
		}
		s.log = append(s.log, fmt.Sprintf("%d inject #%d %v->%s flits=%d", c, p.ID, p.Src, dst, p.Flits))
	case HookPosFlit:
		h := ctx.Detail.(*FlitHop)
		s.log = append(s.log, fmt.Sprintf("%d flit #%d.%d %v %v vc%d", c, p.ID, h.Flit, h.From, h.Out, h.VC))
	case HookPosDeliver:
		s.log = append(s.log, fmt.Sprintf("%d deliver #%d at %v latency=%d hops=%d", c, p.ID, p.Dst, ctx.Detail.(*Delivery).Latency, p.Hops))
	}
}

func parseTile(s string) (Tile, error) {
	x, y, ok := strings.Cut(s, ",")
	if !ok {
		return Tile{}, fmt.Errorf("tile %q: want X,Y", s)
	}
	xi, err1 := strconv.Atoi(x)
	yi, err2 := strconv.Atoi(y)
	if err1 != nil || err2 != nil {
		return Tile{}, fmt.Errorf("tile %q: want X,Y", s)
	}
	return Tile{xi, yi}, nil
}

func kv(args []string) map[string]string {
	m := map[string]string{}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		m[k] = v
	}
	return m
}

func (s *scenario) do(line string) (string, error) {
	f := strings.Fields(line)
	switch f[0] {
	case "net":
		if len(f) < 4 {
			return "", fmt.Errorf("net: want WxH topology routing")
		}
		var w, h int
		if _, err := fmt.Sscanf(f[1], "%dx%d", &w, &h); err != nil {
			return "", fmt.Errorf("net size %q: %v", f[1], err)
		}
		spec := testSpec(f[2], 2, 1, 4)
		spec.Routing = f[3]
		for k, v := range kv(f[4:]) {
			var err error
			switch k {
			case "pipe":
				spec.RouterPipelineCycles, err = strconv.Atoi(v)
			case "link":
				spec.LinkLatencyCycles, err = strconv.Atoi(v)
			case "buf":
				spec.BufferFlits, err = strconv.Atoi(v)
			case "multicast":
				spec.Multicast, err = strconv.ParseBool(v)
			default:
				err = fmt.Errorf("unknown key")
			}
			if err != nil {
				return "", fmt.Errorf("net %s=%s: %v", k, v, err)
			}
		}
		s.e = sim.NewEngine()
		n, err := New(spec, w, h, s.e, sim.GHz)
		if err != nil {
			return "", err
		}
		s.n = n
		n.AcceptHook(sim.HookFunc(s.hook))
		return "", nil
	case "inject":
		m := kv(f[1:])
		at, err := strconv.ParseUint(m["t"], 10, 64)
		if err != nil {
			return "", fmt.Errorf("inject t=%q", m["t"])
		}
		src, err := parseTile(m["src"])
		if err != nil {
			return "", err
		}
		p := s.n.NewPacket()
		for _, d := range strings.Split(m["dst"], ";") {
			tl, err := parseTile(d)
			if err != nil {
				return "", err
			}
			p.Dests = append(p.Dests, tl)
		}
		if v, ok := m["flits"]; ok {
			p.Flits, _ = strconv.Atoi(v)
		}
		if v, ok := m["a"]; ok {
			p.A, _ = strconv.ParseInt(v, 10, 64)
		}
		s.e.Schedule(sim.Event{Time: sim.Time(at) * s.n.Period(), Handler: sim.HandlerFunc(func(sim.Event) {
			if !s.n.Inject(src, p) {
				s.log = append(s.log, fmt.Sprintf("%d refused at %v", s.cycle(), src))
			}
		})})
		return "", nil
	case "run":
		until := sim.MaxTime
		if v, ok := kv(f[1:])["until"]; ok {
			c, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return "", fmt.Errorf("run until=%q", v)
			}
			until = sim.Time(c) * s.n.Period()
		}
		s.log = s.log[:0]
		s.e.RunUntil(until)
		checkCredits(s.t, s.n)
		return strings.Join(s.log, "\n"), nil
	case "stats":
		st := s.n.Stats()
		out := fmt.Sprintf("packets %d/%d flits %d/%d hopsX %d hopsY %d stalls %d in-flight %d",
			st.PacketsDelivered, st.PacketsInjected, st.FlitsDelivered, st.FlitsInjected, st.HopsX, st.HopsY, st.StallCycles, s.n.InFlight())
		for _, l := range st.Links {
			if l.Flits > 0 && l.Out != Local {
				out += fmt.Sprintf("\nlink %v %v flits %d stalls %d", l.From, l.Out, l.Flits, l.StallCycles)
			}
		}
		return out, nil
	}
	return "", fmt.Errorf("unknown directive %q", f[0])
}

func runScenario(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := &scenario{t: t}
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	lineNo := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		lineNo++
		return sc.Text(), true
	}
	for {
		line, ok := next()
		if !ok {
			break
		}
		out.WriteString(line + "\n")
		trim := strings.TrimSpace(line)
		if trim == "" || strings.HasPrefix(trim, "#") {
			continue
		}
		got, err := s.do(trim)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, lineNo, err)
		}
		f := strings.Fields(trim)[0]
		if f != "run" && f != "stats" {
			continue
		}
		sep, ok := next()
		if !ok || sep != "----" {
			t.Fatalf("%s:%d: %s must be followed by ----", path, lineNo, f)
		}
		var want []string
		for {
			l, ok := next()
			if !ok || l == "" {
				break
			}
			want = append(want, l)
		}
		out.WriteString("----\n")
		if got != "" {
			out.WriteString(got + "\n")
		}
		out.WriteString("\n")
		if !*update && got != strings.Join(want, "\n") {
			t.Errorf("%s:%d: %s\ngot:\n%s\nwant:\n%s", path, lineNo, trim, got, strings.Join(want, "\n"))
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
